// net::mac_address: an Ethernet hardware address as its six wire bytes, and
// its text form "aa:bb:cc:dd:ee:ff". The one MAC type of the tree: the DHCP
// codec (chaddr), the interface look-ups (net::netdev) and the interface
// snapshots (net::interfaces) all use it. Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace net {

/// An Ethernet (htype 1) hardware address: six bytes in wire order.
using mac_address = std::array<uint8_t, 6>;

/// "aa:bb:cc:dd:ee:ff": six lowercase two-digit hex bytes joined by colons.
std::string format_mac(const mac_address& mac);

/// Parses exactly six two-digit hex bytes (either case) separated by ':';
/// anything else is nullopt.
std::optional<mac_address> parse_mac(std::string_view text);

}  // namespace net
