// The DHCP discovery messages: what a dhcp_discovery actor reports to its
// owner (each offer as it comes, then the whole outcome). Plain structs;
// JSON and CAF forms come from NETACTORS_MESSAGE (conventions in
// tcp_messages.hpp). Addresses are dotted quads ("192.0.2.1"), MACs
// "aa:bb:cc:dd:ee:ff". The protocol is documented in actors/dhcp/dhcp_discovery.hpp.
#pragma once

#include <caf/detail/type_list.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "actors/messages/message_macros.hpp"
#include "actors/messages/message_instances.hpp"
#include "actors/messages/net_error_json.hpp"
#include "actors/messages/net_types.hpp"
#include "actors/messages/untrusted_text.hpp"
#include "actors/messages/net_error.hpp"
#include "net/core/endpoint.hpp"

namespace netactors {

/// One DHCPOFFER for our xid and MAC (an event to the owner, and an element
/// of dhcp_discovery_done::offers). Absent options are "" or empty lists.
struct dhcp_offer {
  std::string server_id;             ///< option 54
  std::string your_ip;               ///< yiaddr: the address offered
  std::string subnet_mask;           ///< option 1
  std::vector<std::string> routers;  ///< option 3
  std::vector<std::string> dns;      ///< option 6
  uint32_t lease_seconds = 0;        ///< option 51 (0xffffffff: infinite)
  net::endpoint source;              ///< where the datagram came from
};
NETACTORS_MESSAGE(dhcp_offer, server_id, your_ip, subnet_mask, routers, dns,
                  lease_seconds, source)

/// The server's answer to our DHCPREQUEST: type "ack" or "nak", or "" when
/// none came (or no request was made).
struct dhcp_lease_reply {
  std::string type;
  std::string server_id;
  std::string your_ip;
  std::string subnet_mask;
  std::vector<std::string> routers;
  std::vector<std::string> dns;
  uint32_t lease_seconds = 0;
  /// Option 56, a NAK's reason: the server's bytes as they came (any
  /// bytes); in JSON as escape_text(message) (untrusted_text.hpp).
  std::string message;
  net::endpoint source;
};
// NETACTORS_MESSAGE's parts, written out for the escaped message.
constexpr const char* message_type_name(const dhcp_lease_reply*) {
  return "dhcp_lease_reply";
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dhcp_lease_reply& x) {
  return f(caf::meta::type_name("dhcp_lease_reply"), x.type, x.server_id,
           x.your_ip, x.subnet_mask, x.routers, x.dns, x.lease_seconds,
           x.message, x.source);
}
template <class Json, json_detail::if_json<Json> = 0>
void to_json(Json& j, const dhcp_lease_reply& x) {
  j["type"] = x.type;
  j["server_id"] = x.server_id;
  j["your_ip"] = x.your_ip;
  j["subnet_mask"] = x.subnet_mask;
  j["routers"] = x.routers;
  j["dns"] = x.dns;
  j["lease_seconds"] = x.lease_seconds;
  json_detail::write_text(j, "message", x.message);
  j["source"] = x.source;
}
template <class Json, json_detail::if_json<Json> = 0>
void from_json(const Json& j, dhcp_lease_reply& x) {
  json_detail::read_field(j, "type", x.type);
  json_detail::read_field(j, "server_id", x.server_id);
  json_detail::read_field(j, "your_ip", x.your_ip);
  json_detail::read_field(j, "subnet_mask", x.subnet_mask);
  json_detail::read_field(j, "routers", x.routers);
  json_detail::read_field(j, "dns", x.dns);
  json_detail::read_field(j, "lease_seconds", x.lease_seconds);
  json_detail::read_text(j, "message", x.message);
  json_detail::read_field(j, "source", x.source);
}

/// The outcome, sent once; the discovery actor ends after it. `error` is
/// set (ENODEV for an unknown interface, EACCES without privileges, ...)
/// when discovery could not run; otherwise `offers` may still be empty
/// (nothing answered before the timeout).
struct dhcp_discovery_done {
  /// As configured (any bytes); in JSON as escape_text(interface).
  std::string interface;
  std::string mac;
  uint32_t xid = 0;
  std::vector<dhcp_offer> offers;  ///< in arrival order, at most max_offers
  /// Offers for us that came after `offers` was full (max_offers), not
  /// kept; a server repeating one is counted each time.
  uint32_t offers_dropped = 0;
  dhcp_lease_reply ack;            ///< with the request option
  uint32_t discovers_sent = 0;
  uint32_t requests_sent = 0;
  uint32_t ignored = 0;  ///< datagrams that were not replies to us
  net_error error;
};
constexpr const char* message_type_name(const dhcp_discovery_done*) {
  return "dhcp_discovery_done";
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dhcp_discovery_done& x) {
  return f(caf::meta::type_name("dhcp_discovery_done"), x.interface, x.mac,
           x.xid, x.offers, x.offers_dropped, x.ack, x.discovers_sent,
           x.requests_sent, x.ignored, x.error);
}
template <class Json, json_detail::if_json<Json> = 0>
void to_json(Json& j, const dhcp_discovery_done& x) {
  json_detail::write_text(j, "interface", x.interface);
  j["mac"] = x.mac;
  j["xid"] = x.xid;
  j["offers"] = x.offers;
  j["offers_dropped"] = x.offers_dropped;
  j["ack"] = x.ack;
  j["discovers_sent"] = x.discovers_sent;
  j["requests_sent"] = x.requests_sent;
  j["ignored"] = x.ignored;
  j["error"] = x.error;
}
template <class Json, json_detail::if_json<Json> = 0>
void from_json(const Json& j, dhcp_discovery_done& x) {
  json_detail::read_text(j, "interface", x.interface);
  json_detail::read_field(j, "mac", x.mac);
  json_detail::read_field(j, "xid", x.xid);
  json_detail::read_field(j, "offers", x.offers);
  json_detail::read_field(j, "offers_dropped", x.offers_dropped);
  json_detail::read_field(j, "ack", x.ack);
  json_detail::read_field(j, "discovers_sent", x.discovers_sent);
  json_detail::read_field(j, "requests_sent", x.requests_sent);
  json_detail::read_field(j, "ignored", x.ignored);
  json_detail::read_field(j, "error", x.error);
}

// The capability's message types, listed once (message_instances.hpp).
#define NETACTORS_DHCP_MESSAGES(X) \
    X(dhcp_offer) X(dhcp_lease_reply) X(dhcp_discovery_done)

using dhcp_message_types = NETACTORS_TYPE_LIST(NETACTORS_DHCP_MESSAGES);

}  // namespace netactors

// CAF's per-type instances are in dhcp_catalogue.cpp.
NETACTORS_DHCP_MESSAGES(NETACTORS_EXTERN_MESSAGE_INSTANCES)
