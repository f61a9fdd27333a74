#include "actors/dhcp_uv_link.hpp"

#include <caf/all.hpp>

#include <memory>

#include "actors/udp_uv_io.hpp"
#include "net/netdev.hpp"

namespace netactors {

net_error dhcp_uv_link::hardware_address(const std::string& name,
                                         net::mac_address& mac) {
  auto found = net::interface_hardware_address(name);
  if (!found) return net_error::from(found.error());
  mac = *found;
  return {};
}

caf::actor dhcp_uv_link::open_socket(caf::actor owner) {
  return spawn_udp_socket(ctx_, std::move(owner));
}

caf::actor spawn_dhcp_discovery(loop_context& ctx, dhcp_discovery_config config,
                                caf::actor owner) {
  return ctx.spawn(dhcp_discovery, std::make_shared<dhcp_uv_link>(ctx),
                   std::move(config), std::move(owner));
}

}  // namespace netactors
