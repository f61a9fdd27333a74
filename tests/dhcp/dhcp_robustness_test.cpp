// Property tests: no input makes the parser crash or read out of bounds
// (run under --config=asan), and whatever it accepts survives a round trip.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <random>

#include "net/dhcp/dhcp_codec.hpp"
#include "tests/dhcp/golden_packets.hpp"

namespace {

using namespace net::dhcp;

std::vector<std::vector<uint8_t>> golden_packets() {
  return {golden::discover(), golden::request(), golden::offer(), golden::ack(),
          golden::nak()};
}

// Parses a heap copy of exactly `size` bytes, so ASan flags a read of even
// one byte past the end (a vector's spare capacity would hide it).
parse_result<dhcp_message> parse_exact(const uint8_t* data, size_t size) {
  std::unique_ptr<uint8_t[]> copy{new uint8_t[size > 0 ? size : 1]};
  if (size > 0) std::memcpy(copy.get(), data, size);
  return parse(copy.get(), size);
}

// Whatever the parser accepts, it must accept again, unchanged, after
// serialisation.
void expect_round_trip(const dhcp_message& msg) {
  auto bytes = serialize(msg);
  auto again = parse_exact(bytes.data(), bytes.size());
  ASSERT_TRUE(again) << name(again.error());
  EXPECT_EQ(*again, msg);
}

size_t end_option_offset(const std::vector<uint8_t>& packet) {
  auto msg = parse(packet);
  // Every golden packet ends its options right where serialize() would.
  auto bytes = serialize(*msg);
  size_t end = 240;
  for (const auto& option : msg->options) end += 2 + option.data.size();
  EXPECT_EQ(bytes[end], option_code::end);
  return end;
}

TEST(dhcp_robustness, parses_a_prefix_only_once_it_includes_the_end_option) {
  for (const auto& packet : golden_packets()) {
    size_t end = end_option_offset(packet);
    for (size_t size = 0; size <= packet.size(); ++size) {
      auto msg = parse_exact(packet.data(), size);
      EXPECT_EQ(msg.ok(), size > end) << "prefix of " << size << " bytes";
      if (size < header_size) {
        EXPECT_EQ(msg.error(), parse_error::truncated_header);
      } else if (size < 240) {
        EXPECT_EQ(msg.error(), parse_error::missing_magic_cookie);
      }
    }
  }
}

TEST(dhcp_robustness, survives_thousands_of_random_mutations) {
  std::mt19937 random{20240611};  // fixed: a failure must reproduce
  auto packets = golden_packets();
  size_t accepted = 0;
  size_t total = 0;
  for (int round = 0; round < 5000; ++round) {
    auto packet = packets[random() % packets.size()];
    int edits = 1 + static_cast<int>(random() % 8);
    for (int e = 0; e < edits; ++e) {
      switch (random() % 5) {
        case 0:  // flip one bit
          packet[random() % packet.size()] ^=
              static_cast<uint8_t>(1u << (random() % 8));
          break;
        case 1:  // overwrite a byte of the options area, lengths included
          packet[240 + random() % (packet.size() - 240)] =
              static_cast<uint8_t>(random());
          break;
        case 2:  // truncate
          packet.resize(240 + random() % (packet.size() - 240));
          break;
        case 3:  // insert a byte into the options area
          packet.insert(packet.begin() + 240 + random() % (packet.size() - 240),
                        static_cast<uint8_t>(random()));
          break;
        case 4:  // switch option overload on, pointing at zeroed fields
          packet[240] = 52;
          packet[241] = 1;
          packet[242] = static_cast<uint8_t>(random() % 5);
          break;
      }
      if (packet.size() <= 243) packet.resize(244, option_code::end);
    }
    ++total;
    auto msg = parse_exact(packet.data(), packet.size());
    if (msg) {
      ++accepted;
      expect_round_trip(*msg);
      // Every accessor must be safe on anything the parser accepts.
      (void)msg->type();
      (void)msg->routers();
      (void)msg->dns_servers();
      (void)msg->domain_name();
      (void)msg->client_identifier();
    }
  }
  // Mutations should exercise both outcomes, or the test proves little.
  EXPECT_GT(accepted, total / 20);
  EXPECT_LT(accepted, total);
}

TEST(dhcp_robustness, survives_random_bytes_behind_a_valid_cookie) {
  std::mt19937 random{7};
  for (int round = 0; round < 3000; ++round) {
    auto packet = golden::offer();
    packet.resize(240 + random() % 400);
    for (size_t i = 240; i < packet.size(); ++i)
      packet[i] = static_cast<uint8_t>(random());
    auto msg = parse_exact(packet.data(), packet.size());
    if (msg) expect_round_trip(*msg);
  }
}

}  // namespace
