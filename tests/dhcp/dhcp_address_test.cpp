#include <gtest/gtest.h>

#include "net/dhcp/address.hpp"

namespace {

using namespace net::dhcp;

TEST(dhcp_address, formats_ipv4_as_a_dotted_quad) {
  EXPECT_EQ(format_ipv4({192, 0, 2, 1}), "192.0.2.1");
  EXPECT_EQ(format_ipv4({0, 0, 0, 0}), "0.0.0.0");
  EXPECT_EQ(format_ipv4({255, 255, 255, 255}), "255.255.255.255");
}

TEST(dhcp_address, parses_a_dotted_quad) {
  EXPECT_EQ(parse_ipv4("192.0.2.100"), (ipv4_address{192, 0, 2, 100}));
  EXPECT_EQ(parse_ipv4("0.0.0.0"), (ipv4_address{0, 0, 0, 0}));
  EXPECT_EQ(parse_ipv4("255.255.255.255"), (ipv4_address{255, 255, 255, 255}));
}

TEST(dhcp_address, rejects_what_is_not_exactly_a_dotted_quad) {
  for (const char* text : {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.",
                           ".1.2.3", "1..2.3", "1.2.3.4 ", " 1.2.3.4",
                           "1.2.3.4:67", "0001.2.3.4", "a.b.c.d", "1.2.3.-4"}) {
    EXPECT_FALSE(parse_ipv4(text)) << '"' << text << '"';
  }
}

TEST(dhcp_address, formats_a_mac_in_lowercase_with_colons) {
  EXPECT_EQ(format_mac({0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42}),
            "00:0b:82:01:fc:42");
}

TEST(dhcp_address, parses_a_mac_in_either_case) {
  mac_address expected{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
  EXPECT_EQ(parse_mac("aa:bb:cc:dd:ee:ff"), expected);
  EXPECT_EQ(parse_mac("AA:BB:cc:DD:ee:FF"), expected);
  EXPECT_EQ(format_mac(*parse_mac("00:0B:82:01:FC:42")), "00:0b:82:01:fc:42");
}

TEST(dhcp_address, rejects_what_is_not_exactly_a_colon_separated_mac) {
  for (const char* text :
       {"", "aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:ff:00", "aa-bb-cc-dd-ee-ff",
        "aabb.ccdd.eeff", "aa:bb:cc:dd:ee:fg", "a:bb:cc:dd:ee:fff",
        "aa:bb:cc:dd:ee:f ", "aa:bb:cc:dd:ee:ff\n"}) {
    EXPECT_FALSE(parse_mac(text)) << '"' << text << '"';
  }
}

}  // namespace
