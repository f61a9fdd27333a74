// netactors::dhcp_io: what a DHCP discovery actor needs from the machine:
// the interface's Ethernet address and a UDP socket actor. The real one
// (actors/dhcp/uv_dhcp_io.hpp) looks the address up and spawns the socket on
// the discovery actor's loop; tests give a fake address and a UDP socket
// actor over a fake io.
// Thread safety: only from the discovery actor that holds it (on its loop
// thread). Ownership: held by that actor's state.
#pragma once

#include <caf/actor.hpp>

#include <array>
#include <cstdint>
#include <string>

#include "actors/messages/net_error.hpp"
#include "actors/udp/udp_socket.hpp"
#include "net/interfaces/mac_address.hpp"

namespace netactors {

class dhcp_io {
 public:
  virtual ~dhcp_io() = default;

  /// Stores interface `name`'s Ethernet address in `mac`, or says why not
  /// (ENODEV for an unknown interface, EAFNOSUPPORT without one).
  virtual net_error hardware_address(const std::string& name,
                                     net::mac_address& mac) = 0;

  /// Spawns an unbound UDP socket actor (actors/udp/udp_socket.hpp) owned by
  /// `owner`.
  virtual udp_socket_actor open_socket(caf::actor owner) = 0;
};

}  // namespace netactors
