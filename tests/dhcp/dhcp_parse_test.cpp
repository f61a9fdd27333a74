// Parsing what a real server (dnsmasq) sends, and the RFC 3396 / RFC 2132
// framing rules that well-formed packets may use.
#include <gtest/gtest.h>

#include "net/dhcp/dhcp_codec.hpp"
#include "net/dhcp/dhcp_match.hpp"
#include "tests/dhcp/golden_packets.hpp"

namespace {

using namespace net::dhcp;

// A reply header with cookie and the given raw options area.
std::vector<uint8_t> reply_with_options(std::vector<uint8_t> options) {
  auto packet = golden::offer();
  packet.resize(240);
  packet.insert(packet.end(), options.begin(), options.end());
  return packet;
}

TEST(dhcp_parse, reads_every_field_of_a_dnsmasq_offer) {
  auto msg = parse(golden::offer());
  ASSERT_TRUE(msg) << name(msg.error());
  EXPECT_EQ(msg->op, boot_reply);
  EXPECT_EQ(msg->htype, htype_ethernet);
  EXPECT_EQ(msg->hlen, 6);
  EXPECT_EQ(msg->hops, 0);
  EXPECT_EQ(msg->xid, golden::xid);
  EXPECT_EQ(msg->secs, 0);
  EXPECT_EQ(msg->flags, broadcast_flag);
  EXPECT_EQ(msg->ciaddr, (ipv4_address{0, 0, 0, 0}));
  EXPECT_EQ(format_ipv4(msg->yiaddr), "192.0.2.100");
  EXPECT_EQ(format_ipv4(msg->siaddr), "192.0.2.1");
  EXPECT_EQ(msg->giaddr, (ipv4_address{0, 0, 0, 0}));
  EXPECT_EQ(msg->client_mac(), golden::client_mac);
  EXPECT_EQ(msg->sname, (std::array<uint8_t, 64>{}));
  EXPECT_EQ(msg->file, (std::array<uint8_t, 128>{}));
  EXPECT_EQ(msg->type(), message_type::offer);
  EXPECT_EQ(msg->server_identifier(), golden::server);
  EXPECT_EQ(msg->lease_time(), 3600u);
  EXPECT_EQ(msg->renewal_time(), 1800u);
  EXPECT_EQ(msg->rebinding_time(), 3150u);
  EXPECT_EQ(msg->subnet_mask(), (ipv4_address{255, 255, 255, 0}));
  EXPECT_EQ(msg->routers(), std::vector<ipv4_address>{golden::server});
  EXPECT_EQ(msg->dns_servers(), std::vector<ipv4_address>{golden::dns});
  EXPECT_EQ(msg->domain_name(), "example.test");
  EXPECT_FALSE(msg->message_text());
  EXPECT_FALSE(msg->requested_ip());
  EXPECT_FALSE(msg->max_message_size());
  EXPECT_FALSE(msg->client_identifier());
  EXPECT_TRUE(msg->parameter_request_list().empty());
}

TEST(dhcp_parse, keeps_the_options_in_wire_order) {
  auto msg = parse(golden::offer());
  ASSERT_TRUE(msg);
  std::vector<uint8_t> codes;
  for (const auto& option : msg->options) codes.push_back(option.code);
  EXPECT_EQ(codes, (std::vector<uint8_t>{53, 54, 51, 58, 59, 1, 28, 3, 6, 15}));
}

TEST(dhcp_parse, keeps_options_it_has_no_accessor_for_as_raw_bytes) {
  auto msg = parse(golden::offer());
  ASSERT_TRUE(msg);
  const auto* broadcast = msg->find_option(28);
  ASSERT_NE(broadcast, nullptr);
  EXPECT_EQ(*broadcast, (std::vector<uint8_t>{192, 0, 2, 255}));
}

TEST(dhcp_parse, reads_a_dnsmasq_ack) {
  auto msg = parse(golden::ack());
  ASSERT_TRUE(msg) << name(msg.error());
  EXPECT_EQ(msg->type(), message_type::ack);
  EXPECT_EQ(msg->yiaddr, golden::leased);
  EXPECT_EQ(msg->server_identifier(), golden::server);
  EXPECT_EQ(msg->lease_time(), 3600u);
  EXPECT_EQ(msg->subnet_mask(), (ipv4_address{255, 255, 255, 0}));
  EXPECT_EQ(msg->routers(), std::vector<ipv4_address>{golden::server});
  EXPECT_EQ(msg->dns_servers(), std::vector<ipv4_address>{golden::dns});
}

TEST(dhcp_parse, reads_a_dnsmasq_nak_and_its_reason) {
  auto msg = parse(golden::nak());
  ASSERT_TRUE(msg) << name(msg.error());
  EXPECT_EQ(msg->op, boot_reply);
  EXPECT_EQ(msg->type(), message_type::nak);
  EXPECT_EQ(msg->yiaddr, (ipv4_address{0, 0, 0, 0}));
  EXPECT_EQ(msg->server_identifier(), golden::server);
  EXPECT_EQ(msg->message_text(), "wrong address");
  EXPECT_FALSE(msg->lease_time());
  EXPECT_EQ(msg->options.size(), 3u);
}

TEST(dhcp_parse, ignores_the_padding_after_the_end_option) {
  auto padded = golden::offer();
  padded.resize(576, 0);
  auto msg = parse(padded);
  ASSERT_TRUE(msg);
  EXPECT_EQ(*msg, *parse(golden::offer()));
}

TEST(dhcp_parse, skips_pad_options_between_options) {
  auto msg = parse(reply_with_options(
      {0, 0, 53, 1, 2, 0, 54, 4, 192, 0, 2, 1, 0, 0, 0, 255}));
  ASSERT_TRUE(msg) << name(msg.error());
  EXPECT_EQ(msg->type(), message_type::offer);
  EXPECT_EQ(msg->server_identifier(), golden::server);
  EXPECT_EQ(msg->options.size(), 2u);
}

TEST(dhcp_parse, accepts_an_options_field_that_is_only_the_end_option) {
  auto msg = parse(reply_with_options({255}));
  ASSERT_TRUE(msg) << name(msg.error());
  EXPECT_TRUE(msg->options.empty());
  EXPECT_FALSE(msg->type());
}

TEST(dhcp_parse, concatenates_repeated_options_in_order) {
  // RFC 3396: two DNS instances are one option listing both servers.
  auto msg = parse(reply_with_options(
      {6, 4, 192, 0, 2, 53, 53, 1, 2, 6, 4, 192, 0, 2, 54, 255}));
  ASSERT_TRUE(msg) << name(msg.error());
  EXPECT_EQ(msg->dns_servers(),
            (std::vector<ipv4_address>{golden::dns, {192, 0, 2, 54}}));
  EXPECT_EQ(msg->options.size(), 2u);
  EXPECT_EQ(msg->options[0].code, 6);
}

TEST(dhcp_parse, accepts_an_empty_option_it_does_not_know) {
  // Rapid commit (80, RFC 4039) carries no data at all.
  auto msg = parse(reply_with_options({80, 0, 53, 1, 5, 255}));
  ASSERT_TRUE(msg) << name(msg.error());
  ASSERT_NE(msg->find_option(80), nullptr);
  EXPECT_TRUE(msg->find_option(80)->empty());
}

TEST(dhcp_parse, reads_options_from_file_and_then_sname_when_overloaded) {
  auto msg = parse(golden::overloaded_offer());
  ASSERT_TRUE(msg) << name(msg.error());
  EXPECT_EQ(msg->type(), message_type::offer);
  // RFC 3396 order: options field, then file, then sname.
  EXPECT_EQ(msg->domain_name(), "example.test");
  EXPECT_EQ(msg->lease_time(), 3600u);
  // The fields held options, not names, and option 52 was only framing.
  EXPECT_EQ(msg->sname, (std::array<uint8_t, 64>{}));
  EXPECT_EQ(msg->file, (std::array<uint8_t, 128>{}));
  EXPECT_EQ(msg->find_option(option_code::overload), nullptr);
  auto again = parse(serialize(*msg));
  ASSERT_TRUE(again) << name(again.error());
  EXPECT_EQ(*again, *msg);
}

TEST(dhcp_parse, leaves_sname_alone_when_only_file_is_overloaded) {
  auto packet = reply_with_options({52, 1, 1, 255});
  packet[44] = 'h';   // sname "h", a server name this time
  packet[108] = 255;  // file: no options but the end option
  auto msg = parse(packet);
  ASSERT_TRUE(msg) << name(msg.error());
  EXPECT_EQ(msg->sname[0], 'h');
  EXPECT_TRUE(msg->options.empty());
}

TEST(dhcp_serialize, round_trips_a_parsed_offer) {
  auto msg = parse(golden::offer());
  ASSERT_TRUE(msg);
  auto again = parse(serialize(*msg));
  ASSERT_TRUE(again) << name(again.error());
  EXPECT_EQ(*again, *msg);
  // The offer is longer than 300 bytes, so there is no padding to add.
  EXPECT_EQ(serialize(*msg), golden::offer());
}

TEST(dhcp_serialize, splits_an_option_longer_than_255_bytes) {
  dhcp_message msg;
  std::vector<uint8_t> long_value(600, 'x');
  msg.set_option(224, long_value);
  auto bytes = serialize(msg);
  // 255 + 255 + 90, each instance with its own code and length byte.
  EXPECT_EQ(bytes[240], 224);
  EXPECT_EQ(bytes[241], 255);
  EXPECT_EQ(bytes[240 + 257], 224);
  EXPECT_EQ(bytes[240 + 258], 255);
  EXPECT_EQ(bytes[240 + 514], 224);
  EXPECT_EQ(bytes[240 + 515], 90);
  EXPECT_EQ(bytes[240 + 516 + 90], 255);
  auto back = parse(bytes);
  ASSERT_TRUE(back) << name(back.error());
  EXPECT_EQ(*back->find_option(224), long_value);
}

TEST(dhcp_message, sets_and_gets_every_typed_option) {
  dhcp_message msg;
  msg.set_type(message_type::inform);
  msg.set_subnet_mask({255, 255, 0, 0});
  msg.set_routers({{10, 0, 0, 1}, {10, 0, 0, 2}});
  msg.set_dns_servers({{10, 0, 0, 53}});
  msg.set_domain_name("lan");
  msg.set_lease_time(0xffffffff);
  msg.set_server_identifier({10, 0, 0, 1});
  msg.set_parameter_request_list({1, 3});
  msg.set_max_message_size(576);
  msg.set_client_identifier({1, 2, 3});
  msg.set_requested_ip({10, 0, 0, 9});
  msg.set_message_text("hi");
  msg.set_renewal_time(10);
  msg.set_rebinding_time(20);
  auto back = parse(serialize(msg));
  ASSERT_TRUE(back) << name(back.error());
  EXPECT_EQ(*back, msg);
  EXPECT_EQ(back->type(), message_type::inform);
  EXPECT_EQ(back->subnet_mask(), (ipv4_address{255, 255, 0, 0}));
  EXPECT_EQ(back->routers(),
            (std::vector<ipv4_address>{{10, 0, 0, 1}, {10, 0, 0, 2}}));
  EXPECT_EQ(back->dns_servers(), (std::vector<ipv4_address>{{10, 0, 0, 53}}));
  EXPECT_EQ(back->domain_name(), "lan");
  EXPECT_EQ(back->lease_time(), 0xffffffffu);
  EXPECT_EQ(back->server_identifier(), (ipv4_address{10, 0, 0, 1}));
  EXPECT_EQ(back->parameter_request_list(), (std::vector<uint8_t>{1, 3}));
  EXPECT_EQ(back->max_message_size(), 576);
  EXPECT_EQ(back->client_identifier(), (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(back->requested_ip(), (ipv4_address{10, 0, 0, 9}));
  EXPECT_EQ(back->message_text(), "hi");
  EXPECT_EQ(back->renewal_time(), 10u);
  EXPECT_EQ(back->rebinding_time(), 20u);
}

TEST(dhcp_message, reads_a_hand_built_option_of_the_wrong_length_as_absent) {
  dhcp_message msg;
  msg.set_option(option_code::lease_time, {1, 2, 3});
  msg.set_option(option_code::routers, {10, 0, 0});
  EXPECT_FALSE(msg.lease_time());
  EXPECT_TRUE(msg.routers().empty());
}

TEST(dhcp_message, has_no_client_mac_unless_the_hardware_is_ethernet) {
  dhcp_message msg;
  msg.set_client_mac(golden::client_mac);
  EXPECT_EQ(msg.client_mac(), golden::client_mac);
  msg.hlen = 8;
  EXPECT_FALSE(msg.client_mac());
}

TEST(dhcp_match, recognises_the_offer_for_our_xid_and_mac) {
  auto offer = parse(golden::offer());
  ASSERT_TRUE(offer);
  EXPECT_TRUE(is_reply_for(*offer, golden::xid, golden::client_mac));
  EXPECT_TRUE(is_offer_for(*offer, golden::xid, golden::client_mac));
  EXPECT_FALSE(is_ack_for(*offer, golden::xid, golden::client_mac));
  EXPECT_FALSE(is_nak_for(*offer, golden::xid, golden::client_mac));
}

TEST(dhcp_match, ignores_an_offer_for_another_transaction_or_client) {
  auto offer = parse(golden::offer());
  ASSERT_TRUE(offer);
  EXPECT_FALSE(is_offer_for(*offer, golden::xid + 1, golden::client_mac));
  auto other_mac = golden::client_mac;
  other_mac[5] ^= 1;
  EXPECT_FALSE(is_offer_for(*offer, golden::xid, other_mac));
}

TEST(dhcp_match, ignores_requests_even_with_our_xid_and_mac) {
  // Our own broadcast DISCOVER echoes back on some links.
  auto own = parse(golden::discover());
  ASSERT_TRUE(own);
  EXPECT_FALSE(is_reply_for(*own, golden::xid, golden::client_mac));
  own->set_type(message_type::offer);
  EXPECT_FALSE(is_offer_for(*own, golden::xid, golden::client_mac));
}

TEST(dhcp_match, recognises_the_ack_and_the_nak) {
  auto ack = parse(golden::ack());
  auto nak = parse(golden::nak());
  ASSERT_TRUE(ack && nak);
  EXPECT_TRUE(is_ack_for(*ack, golden::xid, golden::client_mac));
  EXPECT_FALSE(is_offer_for(*ack, golden::xid, golden::client_mac));
  EXPECT_TRUE(is_nak_for(*nak, golden::xid, golden::client_mac));
  EXPECT_FALSE(is_ack_for(*nak, golden::xid, golden::client_mac));
}

}  // namespace
