// netactors::dhcp_uv_link: dhcp_link over the real machine: net::netdev for
// the interface's address, a UDP socket actor on the same loop as the
// discovery actor. Also the helper that spawns a discovery with one.
// Thread safety: dhcp_uv_link from its discovery actor only (loop thread);
// spawn_dhcp_discovery is thread-safe.
#pragma once

#include <caf/actor.hpp>

#include "actors/dhcp_discovery.hpp"
#include "actors/dhcp_link.hpp"
#include "actors/loop_context.hpp"

namespace netactors {

class dhcp_uv_link final : public dhcp_link {
 public:
  explicit dhcp_uv_link(loop_context& ctx) : ctx_(ctx) {}

  net_error hardware_address(const std::string& name,
                             net::mac_address& mac) override;
  caf::actor open_socket(caf::actor owner) override;

 private:
  loop_context& ctx_;
};

/// Spawns a discovery on `ctx`'s loop; it reports to `owner` (dhcp_offer
/// events, then dhcp_discovery_done) and ends. Thread-safe.
caf::actor spawn_dhcp_discovery(loop_context& ctx, dhcp_discovery_config config,
                                caf::actor owner);

}  // namespace netactors
