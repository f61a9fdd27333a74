#include "actors/dhcp/uv_dhcp_io.hpp"

#include <caf/all.hpp>

#include <memory>

#include "actors/udp/uv_udp_io.hpp"
#include "net/interfaces/netdev.hpp"

namespace netactors {

net_error uv_dhcp_io::hardware_address(const std::string& name,
                                         net::mac_address& mac) {
  auto found = net::interface_hardware_address(name);
  if (!found) return net_error::from(found.error());
  mac = *found;
  return {};
}

udp_socket_actor uv_dhcp_io::open_socket(caf::actor owner) {
  return spawn_udp_socket(ctx_, std::move(owner));
}

dhcp_discovery_actor spawn_dhcp_discovery(loop_context& ctx, caf::actor owner,
                                          dhcp_discovery_config config) {
  return dhcp_discovery_actor{
      ctx.spawn(dhcp_discovery, std::make_shared<uv_dhcp_io>(ctx),
                std::move(config), std::move(owner))};
}

}  // namespace netactors
