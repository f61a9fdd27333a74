// Golden DHCPv4 packets for the codec tests and the fuzzer's seed corpus,
// assembled by hand from RFC 2131 figure 1 and RFC 2132, not produced by the
// code under test. The server side is what dnsmasq sends for
// dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,1h on 192.0.2.1.
// Test-only; plain functions returning fresh vectors, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "net/dhcp/address.hpp"

namespace net::dhcp::golden {

/// The client's transaction id in every golden packet.
inline constexpr uint32_t xid = 0x3903f326;
/// The client's MAC in every golden packet: 00:0b:82:01:fc:42.
inline constexpr mac_address client_mac{0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42};
/// The dnsmasq server, router and server identifier: 192.0.2.1.
inline constexpr ipv4_address server{192, 0, 2, 1};
/// The leased address: 192.0.2.100, the bottom of the range.
inline constexpr ipv4_address leased{192, 0, 2, 100};
/// The DNS server the replies announce: 192.0.2.53.
inline constexpr ipv4_address dns{192, 0, 2, 53};

/// build_discover(xid, client_mac, 1), as the RFC lays it out.
std::vector<uint8_t> discover();

/// build_request(xid, client_mac, leased, server, 3), as the RFC lays it out.
std::vector<uint8_t> request();

/// dnsmasq's DHCPOFFER of `leased` for 3600 s (T1 1800, T2 3150), with mask
/// 255.255.255.0, broadcast 192.0.2.255 (option 28, no typed accessor),
/// router `server`, DNS `dns`, domain "example.test". Unpadded: 306 bytes.
std::vector<uint8_t> offer();

/// The DHCPACK matching offer(): the same fields, message type 5.
std::vector<uint8_t> ack();

/// dnsmasq's DHCPNAK with message "wrong address", padded to 300 bytes.
std::vector<uint8_t> nak();

/// An OFFER using option overload (52) = 3, as a server short of room would
/// send it: the domain name "example.test" is split over the options field
/// ("exam"), the file field ("ple.", followed by lease time 3600) and the
/// sname field ("test"), each field closed by its own end option.
std::vector<uint8_t> overloaded_offer();

/// A byte run of `n` zeros, for the long empty stretches of a BOOTP header.
std::vector<uint8_t> zeros(size_t n);

/// The parts, one after the other.
std::vector<uint8_t> concat(std::initializer_list<std::vector<uint8_t>> parts);

}  // namespace net::dhcp::golden
