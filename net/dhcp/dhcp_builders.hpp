// net::dhcp builders: the two messages a DHCP client sends to acquire an
// address (RFC 2131 section 4.4.1, SELECTING state), as wire bytes, and the
// transaction ids that tie a server's replies to them. Pure functions apart
// from random_xid(); all thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "net/dhcp/address.hpp"
#include "net/dhcp/dhcp_message.hpp"

namespace net::dhcp {

/// What the builders announce in option 57: an Ethernet MTU, comfortably
/// above RFC 2132's floor of 576 and enough for any answer dnsmasq sends.
inline constexpr uint16_t default_max_message_size = 1500;

/// The options a client asks for in option 55: subnet mask, routers, DNS
/// servers, domain name, lease time, server identifier.
inline constexpr uint8_t requested_parameters[] = {
    option_code::subnet_mask, option_code::routers,
    option_code::dns_servers, option_code::domain_name,
    option_code::lease_time,  option_code::server_identifier,
};

/// A DHCPDISCOVER from Ethernet address `mac`: BOOTREQUEST, broadcast flag,
/// transaction `xid`, `secs` raised to at least 1 (some servers and relays
/// ignore a client that reports 0 seconds), options 53 (DISCOVER), 55, 61
/// (type 1 + mac) and 57.
dhcp_message make_discover(uint32_t xid, const mac_address& mac,
                           uint16_t secs = 1);

/// serialize(make_discover(...)): 300 bytes on the wire.
std::vector<uint8_t> build_discover(uint32_t xid, const mac_address& mac,
                                    uint16_t secs = 1);

/// A DHCPREQUEST selecting the offer of `server_id` for `requested_ip`: like
/// make_discover, with options 53 (REQUEST), 50 (requested_ip) and 54
/// (server_id) ahead of 55, 61 and 57; ciaddr stays 0 (RFC 2131 table 5).
dhcp_message make_request(uint32_t xid, const mac_address& mac,
                          const ipv4_address& requested_ip,
                          const ipv4_address& server_id, uint16_t secs = 1);

/// serialize(make_request(...)): 300 bytes on the wire.
std::vector<uint8_t> build_request(uint32_t xid, const mac_address& mac,
                                   const ipv4_address& requested_ip,
                                   const ipv4_address& server_id,
                                   uint16_t secs = 1);

/// A fresh 32-bit transaction id from a per-thread generator seeded from
/// std::random_device, so clients started together still differ.
/// Thread-safe (each thread has its own generator).
uint32_t random_xid() noexcept;

}  // namespace net::dhcp
