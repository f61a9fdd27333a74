#include "actors/messages/messages.hpp"

#include <caf/sec.hpp>

#include "actors/messages/message_catalogue.hpp"
#include "actors/messages/net_error.hpp"

namespace netactors {

namespace {

// Registration order: the order of all_message_types.
constexpr const detail::message_catalogue* catalogues[] = {
    &detail::tcp_catalogue,       &detail::echo_catalogue,
    &detail::udp_catalogue,       &detail::dhcp_catalogue,
    &detail::dns_catalogue,       &detail::interface_catalogue,
    &detail::supervisor_catalogue, &detail::node_catalogue,
};

caf::error invalid(std::string why) {
  return caf::make_error(caf::sec::invalid_argument, std::move(why));
}

}  // namespace

void add_message_types(caf::actor_system_config& cfg) {
  for (auto* c : catalogues) c->add_types(cfg);
  add_error_category(cfg);
  add_supervisor_error_category(cfg);
}

caf::expected<nlohmann::json> message_to_json(const caf::message& msg) {
  nlohmann::json out;
  if (msg.size() == 1)
    for (auto* c : catalogues)
      if (c->to_json(msg, out)) return out;
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
    const auto& type = type_it->get_ref<const std::string&>();
    caf::message out;
    for (auto* c : catalogues)
      if (c->from_json(type, *data_it, out)) return out;
    return invalid("unknown message type \"" + type + "\"");
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
