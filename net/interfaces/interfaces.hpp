// net::interface_snapshot: the host's network interfaces at one moment, and a
// pure diff between two snapshots.
//
// Every interface of if_nameindex() with its index and link flags
// (SIOCGIFFLAGS), and every address getifaddrs() lists for it, whatever the
// link's state: an interface that is down, or has no carrier, keeps the
// addresses the kernel keeps for it (on Linux its IPv4 addresses; an
// administratively down link loses its IPv6 ones), so a link flapping shows
// up in a diff as interface_changed events only. The MAC comes from
// getifaddrs' AF_PACKET entry (Linux), else from SIOCGIFHWADDR where the
// platform has it.
// Thread safety: value types and functions that touch no shared state; any
// thread (a snapshot makes blocking but short system calls).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "net/core/endpoint.hpp"
#include "net/core/result.hpp"

struct sockaddr;

namespace net {

/// One address of an interface.
struct interface_address {
  ip_family family = ip_family::v4;
  /// Numeric, without a scope suffix: "192.0.2.10", "fe80::10".
  std::string address;
  /// "255.255.255.0", "ffff:ffff:ffff:ffff::".
  std::string netmask;
  /// The prefix length: leading one bits of the netmask (24, 64, ...). Named
  /// as in netactors::interface_address and its JSON ("prefix").
  uint8_t prefix = 0;
  /// IPv6 sin6_scope_id (the interface index for link-local addresses);
  /// 0 for IPv4.
  uint32_t scope_id = 0;

  friend bool operator==(const interface_address& a,
                         const interface_address& b) noexcept;
  friend bool operator!=(const interface_address& a,
                         const interface_address& b) noexcept {
    return !(a == b);
  }
};

/// Orders IPv4 before IPv6, then numerically by address, then by prefix
/// length and scope id: the order of interface_info::addresses.
bool address_less(const interface_address& a, const interface_address& b);

/// One interface and its addresses.
struct interface_info {
  std::string name;
  /// if_nametoindex(name); 0 if the interface vanished while being read.
  uint32_t index = 0;
  /// "aa:bb:cc:dd:ee:ff" (all zeros for loopback and for interfaces without
  /// a link-layer address).
  std::string mac = "00:00:00:00:00:00";
  /// Loopback (IFF_LOOPBACK).
  bool internal = false;
  /// IFF_UP: administratively up.
  bool up = false;
  /// IFF_RUNNING: operationally up (has carrier).
  bool running = false;
  /// What getifaddrs reports, sorted with address_less, whatever `up` and
  /// `running` say.
  std::vector<interface_address> addresses;

  /// Equal link attributes (everything but the addresses).
  bool same_link(const interface_info& other) const noexcept;

  friend bool operator==(const interface_info& a,
                         const interface_info& b) noexcept;
  friend bool operator!=(const interface_info& a,
                         const interface_info& b) noexcept {
    return !(a == b);
  }
};

/// Every interface, ordered by index (then name, for index 0).
struct interface_snapshot {
  std::vector<interface_info> interfaces;

  /// The interface called `name`, or nullptr.
  const interface_info* find(std::string_view name) const;

  friend bool operator==(const interface_snapshot& a,
                         const interface_snapshot& b) noexcept {
    return a.interfaces == b.interfaces;
  }
  friend bool operator!=(const interface_snapshot& a,
                         const interface_snapshot& b) noexcept {
    return !(a == b);
  }
};

/// Reads the interfaces now. Errors: getifaddrs' or
/// if_nameindex's (ENOMEM, ENOBUFS, ...), or the socket the flags are read
/// through (EMFILE, ...).
result<interface_snapshot> snapshot_interfaces();

/// What changed between two snapshots. Interfaces are identified by name,
/// addresses by all their fields (a new netmask is one removal and one
/// addition).
struct interface_change {
  enum class kind {
    interface_added,    ///< `interface` is new (with its addresses)
    interface_removed,  ///< `interface` is gone (as last seen)
    interface_changed,  ///< link attributes differ: `previous` -> `interface`
    address_added,      ///< `address` appeared on `interface`
    address_removed,    ///< `address` left `interface`
  };
  kind what = kind::interface_added;
  /// The interface after the change; for interface_removed, before it.
  interface_info interface;
  /// interface_changed only: the interface before the change.
  interface_info previous;
  /// address_added and address_removed only.
  interface_address address;
};

/// "interface_added", "address_removed", ...
const char* to_string(interface_change::kind k) noexcept;

/// The changes that take `before` to `after`, in this order: every
/// interface_removed (in `before`'s order), then per interface of `after`
/// in its order: interface_added, or interface_changed (if its link
/// attributes differ) followed by its address_removed and address_added
/// events. An added or removed interface carries its addresses; no address
/// events are made for it. Empty when the snapshots are equal. Expects each
/// address list sorted with address_less (as snapshot_interfaces makes them).
std::vector<interface_change> diff_interfaces(const interface_snapshot& before,
                                              const interface_snapshot& after);

/// The leading one bits of an AF_INET or AF_INET6 netmask; 0 for any other
/// family.
uint8_t netmask_prefix_length(const sockaddr* netmask);

}  // namespace net
