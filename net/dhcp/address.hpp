// net::dhcp addresses: IPv4 and Ethernet MAC addresses as the byte arrays DHCP
// carries on the wire, plus their text forms ("192.0.2.1",
// "aa:bb:cc:dd:ee:ff"). The MAC type and its text form are net::mac_address
// (net/interfaces/mac_address.hpp), shared with the interface look-ups. Pure functions on
// value types; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "net/interfaces/mac_address.hpp"

namespace net::dhcp {

/// An IPv4 address as its four wire bytes, most significant first (network
/// order): 192.0.2.1 is {192, 0, 2, 1}. Bytes rather than a uint32 so a
/// field compares, prints and serialises without byte-order conversions.
using ipv4_address = std::array<uint8_t, 4>;

/// The codec's chaddr type; the same as net::mac_address.
using net::mac_address;

/// "192.0.2.1": dotted-quad decimal, no leading zeros.
std::string format_ipv4(const ipv4_address& address);

/// Parses a dotted quad of exactly four decimals 0..255 with 1..3 digits
/// each; anything else (spaces, a port, "1.2.3", "256.0.0.1") is nullopt.
std::optional<ipv4_address> parse_ipv4(std::string_view text);

/// MAC text forms: net::format_mac and net::parse_mac.
using net::format_mac;
using net::parse_mac;

}  // namespace net::dhcp
