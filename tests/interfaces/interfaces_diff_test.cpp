// net/interfaces: the pure parts. diff_interfaces on hand-made snapshots,
// MAC formatting, prefix lengths from netmasks and the address order.
#include "net/interfaces/interfaces.hpp"
#include "net/interfaces/mac_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

using net::interface_address;
using net::interface_change;
using net::interface_info;
using net::interface_snapshot;
using net::ip_family;
using kind = interface_change::kind;

interface_address v4(const char* address, const char* netmask, uint8_t prefix) {
  return interface_address{ip_family::v4, address, netmask, prefix, 0};
}

interface_address v6(const char* address, uint8_t prefix, uint32_t scope = 0) {
  return interface_address{ip_family::v6, address, "ffff:ffff:ffff:ffff::",
                           prefix, scope};
}

interface_info iface(const char* name, uint32_t index,
                     std::vector<interface_address> addresses) {
  interface_info i;
  i.name = name;
  i.index = index;
  i.mac = "02:00:00:00:00:0a";
  i.up = i.running = true;
  i.addresses = std::move(addresses);
  return i;
}

// "address_added va 192.0.2.11" style summaries, in order.
std::vector<std::string> summary(const std::vector<interface_change>& changes) {
  std::vector<std::string> out;
  for (auto& c : changes) {
    std::string line = std::string{net::to_string(c.what)} + " " + c.interface.name;
    if (c.what == kind::address_added || c.what == kind::address_removed)
      line += " " + c.address.address + "/" + std::to_string(c.address.prefix);
    out.push_back(line);
  }
  return out;
}

using lines = std::vector<std::string>;

TEST(interfaces_diff, equal_snapshots_differ_in_nothing) {
  interface_snapshot a{{iface("lo", 1, {v4("127.0.0.1", "255.0.0.0", 8)}),
                        iface("va", 10, {v4("192.0.2.10", "255.255.255.0", 24)})}};
  EXPECT_TRUE(net::diff_interfaces(a, a).empty());
  EXPECT_TRUE(net::diff_interfaces({}, {}).empty());
}

TEST(interfaces_diff, an_added_interface_carries_its_addresses_and_makes_no_address_events) {
  interface_snapshot before{{iface("lo", 1, {})}};
  auto va = iface("va", 10, {v4("192.0.2.10", "255.255.255.0", 24), v6("2001:db8::10", 64)});
  interface_snapshot after{{iface("lo", 1, {}), va}};
  auto changes = net::diff_interfaces(before, after);
  ASSERT_EQ(summary(changes), lines{"interface_added va"});
  EXPECT_EQ(changes[0].interface, va);
  EXPECT_EQ(changes[0].previous, interface_info{});
}

TEST(interfaces_diff, a_removed_interface_is_reported_as_last_seen) {
  auto va = iface("va", 10, {v4("192.0.2.10", "255.255.255.0", 24)});
  interface_snapshot before{{iface("lo", 1, {}), va}};
  interface_snapshot after{{iface("lo", 1, {})}};
  auto changes = net::diff_interfaces(before, after);
  ASSERT_EQ(summary(changes), lines{"interface_removed va"});
  EXPECT_EQ(changes[0].interface, va);
}

TEST(interfaces_diff, addresses_added_and_removed_are_one_event_each) {
  interface_snapshot before{{iface("va", 10, {v4("192.0.2.10", "255.255.255.0", 24),
                                              v6("2001:db8::10", 64)})}};
  interface_snapshot after{{iface("va", 10, {v4("192.0.2.11", "255.255.255.0", 24),
                                             v6("2001:db8::10", 64),
                                             v6("fe80::10", 64, 10)})}};
  auto changes = net::diff_interfaces(before, after);
  EXPECT_EQ(summary(changes), (lines{"address_removed va 192.0.2.10/24",
                                     "address_added va 192.0.2.11/24",
                                     "address_added va fe80::10/64"}));
  // Address events carry the interface as it is after the change.
  for (auto& c : changes) EXPECT_EQ(c.interface, after.interfaces[0]);
  EXPECT_EQ(changes[2].address.scope_id, 10u);
}

TEST(interfaces_diff, a_new_netmask_is_a_removal_and_an_addition) {
  interface_snapshot before{{iface("va", 10, {v4("192.0.2.10", "255.255.255.0", 24)})}};
  interface_snapshot after{{iface("va", 10, {v4("192.0.2.10", "255.255.0.0", 16)})}};
  EXPECT_EQ(summary(net::diff_interfaces(before, after)),
            (lines{"address_removed va 192.0.2.10/24", "address_added va 192.0.2.10/16"}));
}

TEST(interfaces_diff, a_new_scope_id_is_a_removal_and_an_addition) {
  interface_snapshot before{{iface("va", 10, {v6("fe80::10", 64, 10)})}};
  interface_snapshot after{{iface("va", 10, {v6("fe80::10", 64, 12)})}};
  EXPECT_EQ(summary(net::diff_interfaces(before, after)),
            (lines{"address_removed va fe80::10/64", "address_added va fe80::10/64"}));
}

TEST(interfaces_diff, a_link_going_down_is_interface_changed_then_its_addresses_leave) {
  auto up = iface("va", 10, {v4("192.0.2.10", "255.255.255.0", 24), v6("2001:db8::10", 64)});
  auto down = up;
  down.up = down.running = false;
  down.addresses.clear();
  auto changes = net::diff_interfaces(interface_snapshot{{up}}, interface_snapshot{{down}});
  ASSERT_EQ(summary(changes), (lines{"interface_changed va",
                                     "address_removed va 192.0.2.10/24",
                                     "address_removed va 2001:db8::10/64"}));
  EXPECT_EQ(changes[0].previous, up);
  EXPECT_EQ(changes[0].interface, down);
  EXPECT_FALSE(changes[0].interface.up);
  EXPECT_TRUE(changes[0].previous.up);
}

TEST(interfaces_diff, every_link_attribute_counts_as_a_change) {
  auto base = iface("va", 10, {});
  std::vector<interface_info> variants(5, base);
  variants[0].index = 12;
  variants[1].mac = "02:00:00:00:00:0c";
  variants[2].internal = true;
  variants[3].up = false;
  variants[4].running = false;
  for (auto& v : variants) {
    auto changes = net::diff_interfaces(interface_snapshot{{base}}, interface_snapshot{{v}});
    EXPECT_EQ(summary(changes), lines{"interface_changed va"});
  }
}

TEST(interfaces_diff, carrier_loss_alone_is_reported) {
  auto vb = iface("vb", 11, {});
  auto lost = vb;
  lost.running = false;
  auto changes = net::diff_interfaces(interface_snapshot{{vb}}, interface_snapshot{{lost}});
  ASSERT_EQ(summary(changes), lines{"interface_changed vb"});
  EXPECT_TRUE(changes[0].interface.up);
  EXPECT_FALSE(changes[0].interface.running);
}

TEST(interfaces_diff, removals_come_first_then_the_new_snapshots_order) {
  interface_snapshot before{{iface("lo", 1, {}), iface("old", 5, {}),
                             iface("va", 10, {v4("192.0.2.10", "255.255.255.0", 24)})}};
  interface_snapshot after{{iface("lo", 1, {v4("127.0.0.1", "255.0.0.0", 8)}),
                            iface("new", 7, {}), iface("va", 10, {})}};
  EXPECT_EQ(summary(net::diff_interfaces(before, after)),
            (lines{"interface_removed old", "address_added lo 127.0.0.1/8",
                   "interface_added new", "address_removed va 192.0.2.10/24"}));
}

TEST(interfaces_diff, a_renamed_interface_is_removed_and_added) {
  interface_snapshot before{{iface("va", 10, {})}};
  interface_snapshot after{{iface("wan0", 10, {})}};
  EXPECT_EQ(summary(net::diff_interfaces(before, after)),
            (lines{"interface_removed va", "interface_added wan0"}));
}

TEST(interfaces_diff, diff_applied_in_reverse_undoes_it) {
  interface_snapshot a{{iface("va", 10, {v4("192.0.2.10", "255.255.255.0", 24)})}};
  interface_snapshot b{{iface("va", 10, {v6("2001:db8::10", 64)}), iface("vb", 11, {})}};
  EXPECT_EQ(summary(net::diff_interfaces(b, a)),
            (lines{"interface_removed vb", "address_removed va 2001:db8::10/64",
                   "address_added va 192.0.2.10/24"}));
}

TEST(interfaces_kinds, have_their_names) {
  EXPECT_STREQ(net::to_string(kind::interface_added), "interface_added");
  EXPECT_STREQ(net::to_string(kind::interface_removed), "interface_removed");
  EXPECT_STREQ(net::to_string(kind::interface_changed), "interface_changed");
  EXPECT_STREQ(net::to_string(kind::address_added), "address_added");
  EXPECT_STREQ(net::to_string(kind::address_removed), "address_removed");
}

TEST(interfaces_format, mac_is_six_lowercase_hex_pairs) {
  const net::mac_address a = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
  const net::mac_address b = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
  const net::mac_address zero = {};
  EXPECT_EQ(net::format_mac(a), "aa:bb:cc:dd:ee:ff");
  EXPECT_EQ(net::format_mac(b), "02:00:00:00:00:0a");
  EXPECT_EQ(net::format_mac(zero), "00:00:00:00:00:00");
}

uint8_t prefix4(const char* mask) {
  sockaddr_in sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  EXPECT_EQ(inet_pton(AF_INET, mask, &sa.sin_addr), 1) << mask;
  return net::netmask_prefix_length(reinterpret_cast<sockaddr*>(&sa));
}

uint8_t prefix6(const char* mask) {
  sockaddr_in6 sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sin6_family = AF_INET6;
  EXPECT_EQ(inet_pton(AF_INET6, mask, &sa.sin6_addr), 1) << mask;
  return net::netmask_prefix_length(reinterpret_cast<sockaddr*>(&sa));
}

TEST(interfaces_format, prefix_length_counts_the_leading_ones_of_the_netmask) {
  EXPECT_EQ(prefix4("0.0.0.0"), 0);
  EXPECT_EQ(prefix4("255.0.0.0"), 8);
  EXPECT_EQ(prefix4("255.255.255.0"), 24);
  EXPECT_EQ(prefix4("255.255.255.252"), 30);
  EXPECT_EQ(prefix4("255.255.255.255"), 32);
  // Not contiguous: only the leading run counts.
  EXPECT_EQ(prefix4("255.0.255.0"), 8);
  EXPECT_EQ(prefix6("::"), 0);
  EXPECT_EQ(prefix6("ffff:ffff:ffff:ffff::"), 64);
  EXPECT_EQ(prefix6("ffff:ffff:ffff:ff80::"), 57);
  EXPECT_EQ(prefix6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 128);
  sockaddr other;
  std::memset(&other, 0, sizeof(other));
  other.sa_family = AF_UNIX;
  EXPECT_EQ(net::netmask_prefix_length(&other), 0);
}

TEST(interfaces_format, addresses_order_ipv4_first_then_numerically) {
  std::vector<interface_address> sorted{
      v4("192.0.2.9", "255.255.255.0", 24), v4("192.0.2.10", "255.255.255.0", 24),
      v4("198.51.100.1", "255.255.255.0", 24), v6("::1", 128),
      v6("2001:db8::9", 64), v6("2001:db8::10", 64), v6("fe80::10", 64, 3)};
  for (size_t i = 0; i + 1 < sorted.size(); ++i) {
    EXPECT_TRUE(net::address_less(sorted[i], sorted[i + 1]))
        << sorted[i].address << " < " << sorted[i + 1].address;
    EXPECT_FALSE(net::address_less(sorted[i + 1], sorted[i]));
  }
  EXPECT_FALSE(net::address_less(sorted[0], sorted[0]));
}

TEST(interfaces_snapshot, find_looks_up_by_name) {
  interface_snapshot s{{iface("lo", 1, {}), iface("va", 10, {})}};
  ASSERT_NE(s.find("va"), nullptr);
  EXPECT_EQ(s.find("va")->index, 10u);
  EXPECT_EQ(s.find("v"), nullptr);
  EXPECT_EQ(s.find(""), nullptr);
}

}  // namespace
