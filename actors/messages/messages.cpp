#include "actors/messages/messages.hpp"

#include <caf/sec.hpp>

#include "actors/messages/net_error.hpp"

namespace netactors {

namespace {

template <class... Ts>
void register_all(caf::actor_system_config& cfg, caf::detail::type_list<Ts...>) {
  (cfg.add_message_type<Ts>(message_type_name(static_cast<const Ts*>(nullptr))),
   ...);
}

template <class... Ts>
bool to_json_any(const caf::message& msg, nlohmann::json& out,
                 caf::detail::type_list<Ts...>) {
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
bool from_json_any(const std::string& type, const nlohmann::json& data,
                   caf::message& out, caf::detail::type_list<Ts...>) {
  auto try_one = [&](auto* tag) {
    using t = std::remove_pointer_t<decltype(tag)>;
    if (type != message_type_name(tag)) return false;
    out = caf::make_message(data.get<t>());
    return true;
  };
  return (try_one(static_cast<Ts*>(nullptr)) || ...);
}

caf::error invalid(std::string why) {
  return caf::make_error(caf::sec::invalid_argument, std::move(why));
}

}  // namespace

void add_message_types(caf::actor_system_config& cfg) {
  register_all(cfg, all_message_types{});
  add_error_category(cfg);
  add_supervisor_error_category(cfg);
}

caf::expected<nlohmann::json> message_to_json(const caf::message& msg) {
  nlohmann::json out;
  if (msg.size() == 1 && to_json_any(msg, out, all_message_types{})) return out;
  return caf::make_error(caf::sec::unexpected_message,
                         "not a netactors message: " + caf::to_string(msg));
}

caf::expected<caf::message> message_from_json(const nlohmann::json& j) {
  // nlohmann reports bad input by exception; none crosses this boundary.
  try {
    if (!j.is_object()) return invalid("a message must be a JSON object");
    auto type_it = j.find("type");
    auto data_it = j.find("data");
    if (type_it == j.end() || !type_it->is_string())
      return invalid("missing \"type\" string");
    if (data_it == j.end()) return invalid("missing \"data\"");
    caf::message out;
    if (!from_json_any(type_it->get<std::string>(), *data_it, out,
                       all_message_types{}))
      return invalid("unknown message type \"" + type_it->get<std::string>() +
                     "\"");
    return out;
  } catch (const nlohmann::json::exception& e) {
    return invalid(e.what());
  }
}

caf::expected<caf::message> message_from_json_text(std::string_view text) {
  auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr,
                                 /*allow_exceptions=*/false);
  if (j.is_discarded()) return invalid("malformed JSON");
  return message_from_json(j);
}

}  // namespace netactors
