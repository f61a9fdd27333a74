// Every netactors message type, in one place: registration with the actor
// system and the JSON envelope used to log messages or send them to another
// process: {"type":"tcp_write","data":{"data":"aGVsbG8="}}.
// Thread safety: pure functions; add_message_types before the system starts.
#pragma once

#include <caf/actor_system_config.hpp>
#include <caf/detail/type_list.hpp>
#include <caf/expected.hpp>
#include <caf/message.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "actors/messages/dhcp_messages.hpp"
#include "actors/messages/dns_messages.hpp"
#include "actors/messages/echo_messages.hpp"
#include "actors/messages/interface_messages.hpp"
#include "actors/messages/node_messages.hpp"
#include "actors/messages/supervisor_messages.hpp"
#include "actors/messages/tcp_messages.hpp"
#include "actors/messages/udp_messages.hpp"

namespace netactors {

/// All message types, in registration order. Areas append their lists here
/// and their catalogue (message_catalogue.hpp) to messages.cpp.
using all_message_types = caf::detail::tl_concat_t<
    tcp_message_types, echo_message_types, udp_message_types,
    dhcp_message_types, dns_message_types, interface_message_types,
    supervisor_message_types, node_message_types>;

/// Registers every message type and the "uv" and "supervisor" error
/// categories with `cfg`.
void add_message_types(caf::actor_system_config& cfg);

/// The JSON envelope of a message holding exactly one netactors message.
/// An unregistered or multi-element message is caf::sec::unexpected_message.
caf::expected<nlohmann::json> message_to_json(const caf::message& msg);

/// Parses an envelope back into a message. Malformed JSON, an unknown type
/// or a bad field is caf::sec::invalid_argument with the reason as context.
caf::expected<caf::message> message_from_json(const nlohmann::json& j);
caf::expected<caf::message> message_from_json_text(std::string_view text);

}  // namespace netactors
