// The fuzzer's seed corpus (tools/fuzz/corpus/dhcp) holds exactly the golden
// packets, so a change to one without the other fails here.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "net/dhcp/dhcp_codec.hpp"
#include "tests/dhcp/golden_packets.hpp"

namespace {

using namespace net::dhcp;

// Bazel runs tests from the workspace root inside the runfiles tree.
std::vector<uint8_t> read_seed(const std::string& file) {
  std::ifstream in{"tools/fuzz/corpus/dhcp/" + file, std::ios::binary};
  EXPECT_TRUE(in) << "missing seed " << file;
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

TEST(dhcp_fuzz_corpus, holds_the_golden_packets) {
  EXPECT_EQ(read_seed("discover.bin"), golden::discover());
  EXPECT_EQ(read_seed("request.bin"), golden::request());
  EXPECT_EQ(read_seed("offer.bin"), golden::offer());
  EXPECT_EQ(read_seed("ack.bin"), golden::ack());
  EXPECT_EQ(read_seed("nak.bin"), golden::nak());
  EXPECT_EQ(read_seed("overloaded_offer.bin"), golden::overloaded_offer());
}

TEST(dhcp_fuzz_corpus, seeds_only_packets_the_parser_accepts) {
  for (const char* file : {"discover.bin", "request.bin", "offer.bin",
                           "ack.bin", "nak.bin", "overloaded_offer.bin"}) {
    auto msg = parse(read_seed(file));
    EXPECT_TRUE(msg) << file << ": " << name(msg.error());
  }
}

}  // namespace
