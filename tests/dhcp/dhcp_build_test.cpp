// The client messages, checked byte for byte against RFC 2131's layout.
#include <gtest/gtest.h>

#include <set>

#include "net/dhcp/dhcp_builders.hpp"
#include "net/dhcp/dhcp_codec.hpp"
#include "tests/dhcp/golden_packets.hpp"

namespace {

using namespace net::dhcp;

TEST(dhcp_build, lays_out_a_discover_byte_for_byte) {
  EXPECT_EQ(build_discover(golden::xid, golden::client_mac, 1),
            golden::discover());
}

TEST(dhcp_build, lays_out_a_request_byte_for_byte) {
  EXPECT_EQ(build_request(golden::xid, golden::client_mac, golden::leased,
                          golden::server, 3),
            golden::request());
}

TEST(dhcp_build, pads_client_messages_to_the_bootp_minimum) {
  EXPECT_EQ(build_discover(1, golden::client_mac).size(), 300u);
  EXPECT_EQ(build_request(1, golden::client_mac, golden::leased, golden::server)
                .size(),
            300u);
}

TEST(dhcp_build, reports_at_least_one_second_elapsed) {
  auto zero = parse(build_discover(golden::xid, golden::client_mac, 0));
  ASSERT_TRUE(zero) << name(zero.error());
  EXPECT_EQ(zero->secs, 1);
  auto later = parse(build_discover(golden::xid, golden::client_mac, 500));
  ASSERT_TRUE(later);
  EXPECT_EQ(later->secs, 500);
}

TEST(dhcp_build, keeps_all_32_bits_of_the_xid) {
  auto msg = parse(build_discover(0xfedcba98, golden::client_mac));
  ASSERT_TRUE(msg);
  EXPECT_EQ(msg->xid, 0xfedcba98u);
}

TEST(dhcp_build, writes_a_discover_the_parser_reads_back) {
  auto msg = parse(build_discover(golden::xid, golden::client_mac));
  ASSERT_TRUE(msg) << name(msg.error());
  EXPECT_EQ(*msg, make_discover(golden::xid, golden::client_mac));
  EXPECT_EQ(msg->op, boot_request);
  EXPECT_EQ(msg->flags, broadcast_flag);
  EXPECT_EQ(msg->client_mac(), golden::client_mac);
  EXPECT_EQ(msg->type(), message_type::discover);
  EXPECT_EQ(msg->parameter_request_list(),
            (std::vector<uint8_t>{1, 3, 6, 15, 51, 54}));
  EXPECT_EQ(msg->client_identifier(),
            (std::vector<uint8_t>{1, 0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42}));
  EXPECT_EQ(msg->max_message_size(), default_max_message_size);
  EXPECT_FALSE(msg->requested_ip());
  EXPECT_FALSE(msg->server_identifier());
}

TEST(dhcp_build, writes_a_request_naming_the_chosen_server_and_address) {
  auto msg = parse(build_request(golden::xid, golden::client_mac,
                                 golden::leased, golden::server));
  ASSERT_TRUE(msg) << name(msg.error());
  EXPECT_EQ(msg->type(), message_type::request);
  EXPECT_EQ(msg->requested_ip(), golden::leased);
  EXPECT_EQ(msg->server_identifier(), golden::server);
  // In SELECTING state the address travels in option 50, never in ciaddr.
  EXPECT_EQ(msg->ciaddr, (ipv4_address{0, 0, 0, 0}));
}

TEST(dhcp_random_xid, draws_from_the_full_32_bits) {
  std::set<uint32_t> seen;
  uint32_t any_bit = 0;
  for (int i = 0; i < 1000; ++i) {
    uint32_t xid = random_xid();
    seen.insert(xid);
    any_bit |= xid;
  }
  // A bit that stays 0 over 1000 fair draws has probability 2^-1000.
  EXPECT_EQ(any_bit, 0xffffffffu);
  EXPECT_GT(seen.size(), 990u);
}

}  // namespace
