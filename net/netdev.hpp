// net::netdev: look-ups of a network interface by name: its index and its
// Ethernet hardware address (what a DHCP client puts in chaddr). Plain system
// calls (if_nametoindex, ioctl SIOCGIFHWADDR), no libuv handle; they never
// block for long. Thread safety: thread-safe functions.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "net/result.hpp"

namespace net {

/// An Ethernet hardware address, six bytes in wire order.
using hardware_address = std::array<uint8_t, 6>;

/// The interface's index; ENODEV for an unknown name, EINVAL for a name
/// that cannot be one (empty, or IFNAMSIZ characters or more).
result<unsigned> interface_index(const std::string& name);

/// The interface's Ethernet address; ENODEV for an unknown name, EINVAL for
/// a bad name, EAFNOSUPPORT for an interface that has no Ethernet address
/// (loopback, tunnels).
result<hardware_address> interface_hardware_address(const std::string& name);

}  // namespace net
