// The DHCP discovery messages: what a dhcp_discovery actor reports to its
// owner (each offer as it comes, then the whole outcome). Plain structs;
// JSON and CAF forms come from NETACTORS_MESSAGE (conventions in
// tcp_messages.hpp). Addresses are dotted quads ("192.0.2.1"), MACs
// "aa:bb:cc:dd:ee:ff". The protocol is documented in actors/dhcp_discovery.hpp.
#pragma once

#include <caf/detail/type_list.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "actors/messages/message_macros.hpp"
#include "actors/messages/net_error_json.hpp"
#include "actors/messages/net_types.hpp"
#include "actors/net_error.hpp"
#include "net/endpoint.hpp"

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
  std::string message;  ///< option 56, a NAK's reason
  net::endpoint source;
};
NETACTORS_MESSAGE(dhcp_lease_reply, type, server_id, your_ip, subnet_mask,
                  routers, dns, lease_seconds, message, source)

/// The outcome, sent once; the discovery actor ends after it. `error` is
/// set (ENODEV for an unknown interface, EACCES without privileges, ...)
/// when discovery could not run; otherwise `offers` may still be empty
/// (nothing answered before the timeout).
struct dhcp_discovery_done {
  std::string interface;
  std::string mac;
  uint32_t xid = 0;
  std::vector<dhcp_offer> offers;  ///< in arrival order
  dhcp_lease_reply ack;            ///< with the request option
  uint32_t discovers_sent = 0;
  uint32_t requests_sent = 0;
  uint32_t ignored = 0;  ///< datagrams that were not replies to us
  net_error error;
};
NETACTORS_MESSAGE(dhcp_discovery_done, interface, mac, xid, offers, ack,
                  discovers_sent, requests_sent, ignored, error)

using dhcp_message_types =
    caf::detail::type_list<dhcp_offer, dhcp_lease_reply, dhcp_discovery_done>;

}  // namespace netactors
