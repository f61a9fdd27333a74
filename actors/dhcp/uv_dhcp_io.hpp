// netactors::uv_dhcp_io: dhcp_io over the real machine: net::netdev for
// the interface's address, a UDP socket actor on the same loop as the
// discovery actor. spawn_dhcp_discovery (declared in actors/dhcp/dhcp_discovery.hpp)
// spawns a discovery with one.
// Thread safety: uv_dhcp_io from its discovery actor only (loop thread);
// spawn_dhcp_discovery is thread-safe.
#pragma once

#include <caf/actor.hpp>

#include "actors/dhcp/dhcp_discovery.hpp"
#include "actors/dhcp/dhcp_io.hpp"
#include "actors/core/loop_context.hpp"

namespace netactors {

class uv_dhcp_io final : public dhcp_io {
 public:
  explicit uv_dhcp_io(loop_context& ctx) : ctx_(ctx) {}

  net_error hardware_address(const std::string& name,
                             net::mac_address& mac) override;
  udp_socket_actor open_socket(caf::actor owner) override;

 private:
  loop_context& ctx_;
};

}  // namespace netactors
