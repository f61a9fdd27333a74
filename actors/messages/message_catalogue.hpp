// One capability's share of the message registry (private to
// actors/messages). The registry's work is template instantiation per type
// (CAF's serializers and type-erased tuples, the JSON codec); one translation
// unit per capability lets a build compile them side by side instead of one
// unit instantiating everything.
#pragma once

#include <caf/actor_system_config.hpp>
#include <caf/detail/type_list.hpp>
#include <caf/message.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <type_traits>

namespace netactors::detail {

struct message_catalogue {
  /// Registers each type under its message_type_name.
  void (*add_types)(caf::actor_system_config&);
  /// The envelope of `msg` if its one element is one of these types.
  bool (*to_json)(const caf::message& msg, nlohmann::json& out);
  /// Builds `out` from `data` if `type` names one of these types; throws
  /// nlohmann::json::exception on a bad field.
  bool (*from_json)(const std::string& type, const nlohmann::json& data,
                    caf::message& out);
};

template <class... Ts>
void add_types(caf::actor_system_config& cfg) {
  (cfg.add_message_type<Ts>(message_type_name(static_cast<const Ts*>(nullptr))),
   ...);
}

template <class... Ts>
bool to_json(const caf::message& msg, nlohmann::json& out) {
  auto try_one = [&](auto* tag) {
    using type = std::remove_pointer_t<decltype(tag)>;
    if (!msg.match_elements<type>()) return false;
    out = nlohmann::json{{"type", message_type_name(tag)},
                         {"data", msg.get_as<type>(0)}};
    return true;
  };
  return (try_one(static_cast<Ts*>(nullptr)) || ...);
}

template <class... Ts>
bool from_json(const std::string& type, const nlohmann::json& data,
               caf::message& out) {
  auto try_one = [&](auto* tag) {
    using t = std::remove_pointer_t<decltype(tag)>;
    if (type != message_type_name(tag)) return false;
    out = caf::make_message(data.get<t>());
    return true;
  };
  return (try_one(static_cast<Ts*>(nullptr)) || ...);
}

template <class... Ts>
constexpr message_catalogue catalogue_of(caf::detail::type_list<Ts...>) {
  return {&add_types<Ts...>, &to_json<Ts...>, &from_json<Ts...>};
}

// One per capability, each defined in <capability>_catalogue.cpp.
extern const message_catalogue tcp_catalogue;
extern const message_catalogue echo_catalogue;
extern const message_catalogue udp_catalogue;
extern const message_catalogue dhcp_catalogue;
extern const message_catalogue dns_catalogue;
extern const message_catalogue interface_catalogue;
extern const message_catalogue supervisor_catalogue;
extern const message_catalogue node_catalogue;

}  // namespace netactors::detail
