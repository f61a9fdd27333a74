// net::dhcp matching: whether a parsed message is the server's answer to our
// own DISCOVER or REQUEST. A DHCP client's socket sees every broadcast reply
// on the link, so each must be checked against our xid and MAC before use.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>

#include "net/dhcp/address.hpp"
#include "net/dhcp/dhcp_message.hpp"

namespace net::dhcp {

/// A BOOTREPLY carrying transaction `xid` for Ethernet address `mac`
/// (htype 1, hlen 6, chaddr starting with mac), whatever its type.
bool is_reply_for(const dhcp_message& msg, uint32_t xid,
                  const mac_address& mac);

/// is_reply_for and message type DHCPOFFER.
bool is_offer_for(const dhcp_message& msg, uint32_t xid,
                  const mac_address& mac);

/// is_reply_for and message type DHCPACK.
bool is_ack_for(const dhcp_message& msg, uint32_t xid, const mac_address& mac);

/// is_reply_for and message type DHCPNAK.
bool is_nak_for(const dhcp_message& msg, uint32_t xid, const mac_address& mac);

}  // namespace net::dhcp
