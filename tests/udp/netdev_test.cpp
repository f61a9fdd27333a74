// net::netdev look-ups on the interfaces every network namespace has (lo)
// and on names that cannot exist. The Ethernet address of a real veth is
// checked end to end by tests/dhcp_discovery:dhcp_apps_test. No CAF here, so
// TSan runs it.
#include "net/interfaces/netdev.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

TEST(netdev, lo_has_an_index_but_no_ethernet_address) {
  auto index = net::interface_index("lo");
  ASSERT_TRUE(index) << index.error().to_string();
  EXPECT_GT(*index, 0u);
  auto mac = net::interface_hardware_address("lo");
  ASSERT_FALSE(mac);
  EXPECT_EQ(mac.error().name(), "EAFNOSUPPORT");
}

TEST(netdev, an_unknown_interface_is_enodev) {
  auto index = net::interface_index("nosuch0");
  ASSERT_FALSE(index);
  EXPECT_EQ(index.error().name(), "ENODEV");
  EXPECT_EQ(index.error().context(), "interface nosuch0");
  auto mac = net::interface_hardware_address("nosuch0");
  ASSERT_FALSE(mac);
  EXPECT_EQ(mac.error().name(), "ENODEV");
}

TEST(netdev, a_name_that_cannot_be_an_interface_is_einval) {
  for (const std::string& name :
       {std::string{}, std::string(16, 'x'), std::string("e\0th0", 5)}) {
    auto index = net::interface_index(name);
    ASSERT_FALSE(index);
    EXPECT_EQ(index.error().name(), "EINVAL");
    auto mac = net::interface_hardware_address(name);
    ASSERT_FALSE(mac);
    EXPECT_EQ(mac.error().name(), "EINVAL");
  }
}

}  // namespace
