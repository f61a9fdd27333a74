// net::netdev: look-ups of a network interface by name: its index and its
// Ethernet hardware address (what a DHCP client puts in chaddr). Plain system
// calls (if_nametoindex, ioctl SIOCGIFHWADDR), no libuv handle; they never
// block for long. Thread safety: thread-safe functions.
#pragma once

#include <string>

#include "net/interfaces/mac_address.hpp"
#include "net/core/result.hpp"

namespace net {

/// The interface's index; ENODEV for an unknown name, EINVAL for a name
/// that cannot be one (empty, or IFNAMSIZ characters or more).
result<unsigned> interface_index(const std::string& name);

/// The interface's Ethernet address; ENODEV for an unknown name, EINVAL for
/// a bad name, EAFNOSUPPORT for an interface that has no Ethernet address
/// (loopback, tunnels).
result<mac_address> interface_hardware_address(const std::string& name);

}  // namespace net
