// Every way a datagram can fail to be DHCP gets its own named error.
#include <gtest/gtest.h>

#include "net/dhcp/dhcp_codec.hpp"
#include "tests/dhcp/golden_packets.hpp"

namespace {

using namespace net::dhcp;

// The offer's header and cookie, followed by `options` as the options area.
std::vector<uint8_t> with_options(std::vector<uint8_t> options) {
  auto packet = golden::offer();
  packet.resize(240);
  packet.insert(packet.end(), options.begin(), options.end());
  return packet;
}

// The error parse() reports, or "ok" so a wrongly accepted packet reads
// plainly in the failure message.
std::string outcome(const std::vector<uint8_t>& packet) {
  auto msg = parse(packet);
  return msg ? "ok" : name(msg.error());
}

TEST(dhcp_parse, rejects_an_empty_packet_as_a_truncated_header) {
  EXPECT_EQ(outcome({}), "truncated_header");
  auto msg = parse(nullptr, 0);
  ASSERT_FALSE(msg);
  EXPECT_EQ(msg.error(), parse_error::truncated_header);
}

TEST(dhcp_parse, rejects_a_packet_shorter_than_the_bootp_header) {
  auto packet = golden::offer();
  packet.resize(235);
  EXPECT_EQ(outcome(packet), "truncated_header");
}

TEST(dhcp_parse, rejects_an_op_code_that_is_neither_request_nor_reply) {
  auto packet = golden::offer();
  packet[0] = 3;
  EXPECT_EQ(outcome(packet), "bad_op_code");
  packet[0] = 0;
  EXPECT_EQ(outcome(packet), "bad_op_code");
}

TEST(dhcp_parse, rejects_a_hardware_length_longer_than_chaddr) {
  auto packet = golden::offer();
  packet[2] = 17;
  EXPECT_EQ(outcome(packet), "bad_hardware_length");
  packet[2] = 16;
  EXPECT_EQ(outcome(packet), "ok");
}

TEST(dhcp_parse, rejects_a_bare_bootp_header_without_the_magic_cookie) {
  auto packet = golden::offer();
  packet.resize(236);
  EXPECT_EQ(outcome(packet), "missing_magic_cookie");
  packet = golden::offer();
  packet.resize(239);
  EXPECT_EQ(outcome(packet), "missing_magic_cookie");
}

TEST(dhcp_parse, rejects_a_wrong_magic_cookie) {
  auto packet = golden::offer();
  packet[239] = 0x64;
  EXPECT_EQ(outcome(packet), "missing_magic_cookie");
}

TEST(dhcp_parse, rejects_an_option_that_runs_past_the_end) {
  EXPECT_EQ(outcome(with_options({53, 1, 2, 15, 10, 'a', 'b'})),
            "option_overruns_packet");
}

TEST(dhcp_parse, rejects_an_option_whose_length_byte_is_missing) {
  EXPECT_EQ(outcome(with_options({53, 1, 2, 15})), "option_overruns_packet");
}

TEST(dhcp_parse, rejects_options_that_never_reach_the_end_option) {
  EXPECT_EQ(outcome(with_options({53, 1, 2})), "missing_end_option");
  EXPECT_EQ(outcome(with_options({})), "missing_end_option");
}

TEST(dhcp_parse, rejects_an_options_field_of_nothing_but_pad) {
  EXPECT_EQ(outcome(with_options(std::vector<uint8_t>(60, 0))),
            "missing_end_option");
}

TEST(dhcp_parse, rejects_fixed_size_options_of_the_wrong_length) {
  EXPECT_EQ(outcome(with_options({53, 2, 2, 2, 255})), "bad_option_length");
  EXPECT_EQ(outcome(with_options({53, 0, 255})), "bad_option_length");
  EXPECT_EQ(outcome(with_options({51, 3, 0, 14, 16, 255})),
            "bad_option_length");
  EXPECT_EQ(outcome(with_options({54, 5, 192, 0, 2, 1, 0, 255})),
            "bad_option_length");
  EXPECT_EQ(outcome(with_options({1, 3, 255, 255, 255, 255})),
            "bad_option_length");
  EXPECT_EQ(outcome(with_options({57, 1, 5, 255})), "bad_option_length");
}

TEST(dhcp_parse, rejects_address_lists_that_are_not_whole_addresses) {
  EXPECT_EQ(outcome(with_options({3, 6, 192, 0, 2, 1, 192, 0, 255})),
            "bad_option_length");
  EXPECT_EQ(outcome(with_options({6, 0, 255})), "bad_option_length");
}

TEST(dhcp_parse, rejects_a_client_identifier_without_an_identifier) {
  EXPECT_EQ(outcome(with_options({61, 1, 1, 255})), "bad_option_length");
}

TEST(dhcp_parse, rejects_a_message_type_sent_twice) {
  // RFC 3396 concatenates the two, giving a two-byte message type.
  EXPECT_EQ(outcome(with_options({53, 1, 2, 53, 1, 5, 255})),
            "bad_option_length");
}

TEST(dhcp_parse, rejects_an_overload_value_other_than_file_sname_or_both) {
  EXPECT_EQ(outcome(with_options({52, 1, 0, 255})), "bad_overload_value");
  EXPECT_EQ(outcome(with_options({52, 1, 4, 255})), "bad_overload_value");
}

TEST(dhcp_parse, rejects_an_overload_option_of_the_wrong_length) {
  EXPECT_EQ(outcome(with_options({52, 2, 1, 1, 255})), "bad_option_length");
  EXPECT_EQ(outcome(with_options({52, 0, 255})), "bad_option_length");
}

TEST(dhcp_parse, rejects_an_overloaded_file_without_an_end_option) {
  // The golden offer's file field is all zeros: pad, and no end.
  EXPECT_EQ(outcome(with_options({52, 1, 1, 255})), "missing_end_option");
}

TEST(dhcp_parse, rejects_an_overloaded_sname_without_an_end_option) {
  auto packet = with_options({52, 1, 3, 255});
  packet[108] = 255;  // file is fine; sname is only pad
  EXPECT_EQ(outcome(packet), "missing_end_option");
}

TEST(dhcp_parse, rejects_an_option_that_runs_past_the_overloaded_sname) {
  auto packet = with_options({52, 1, 2, 255});
  // The last option in sname (offset 44, 64 bytes) claims 10 bytes, 1 left.
  packet[44 + 62] = 15;
  packet[44 + 63] = 10;
  EXPECT_EQ(outcome(packet), "option_overruns_packet");
}

TEST(dhcp_parse, rejects_option_overload_inside_the_file_field) {
  auto packet = with_options({52, 1, 1, 255});
  const std::vector<uint8_t> file_options{52, 1, 2, 255};
  std::copy(file_options.begin(), file_options.end(), packet.begin() + 108);
  EXPECT_EQ(outcome(packet), "misplaced_option_overload");
}

TEST(dhcp_parse, checks_lengths_after_joining_overloaded_fields) {
  auto packet = with_options({52, 1, 1, 51, 2, 0, 0, 255});
  const std::vector<uint8_t> file_options{51, 1, 14, 255};
  std::copy(file_options.begin(), file_options.end(), packet.begin() + 108);
  EXPECT_EQ(outcome(packet), "bad_option_length");
}

TEST(dhcp_parse_error, names_every_error) {
  EXPECT_STREQ(name(parse_error::truncated_header), "truncated_header");
  EXPECT_STREQ(name(parse_error::bad_op_code), "bad_op_code");
  EXPECT_STREQ(name(parse_error::bad_hardware_length), "bad_hardware_length");
  EXPECT_STREQ(name(parse_error::missing_magic_cookie), "missing_magic_cookie");
  EXPECT_STREQ(name(parse_error::option_overruns_packet),
               "option_overruns_packet");
  EXPECT_STREQ(name(parse_error::missing_end_option), "missing_end_option");
  EXPECT_STREQ(name(parse_error::bad_option_length), "bad_option_length");
  EXPECT_STREQ(name(parse_error::bad_overload_value), "bad_overload_value");
  EXPECT_STREQ(name(parse_error::misplaced_option_overload),
               "misplaced_option_overload");
  EXPECT_STREQ(name(static_cast<parse_error>(200)), "unknown");
}

}  // namespace
