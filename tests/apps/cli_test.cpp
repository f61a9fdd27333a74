// apps:cli pieces: parse_endpoint keeps zones or rejects them (never drops
// one), quoting the text as given; stop_deadline ends a process whose
// teardown hangs, with the intended exit code and a line on stderr, and does
// nothing once disarmed.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <thread>

#include "apps/cli.hpp"
#include "apps/signals.hpp"

using namespace std::chrono_literals;

TEST(parse_endpoint, takes_numeric_endpoints) {
  net::endpoint e;
  EXPECT_EQ(apps::parse_endpoint(&e)("127.0.0.1:7000"), "");
  EXPECT_EQ(e.to_string(), "127.0.0.1:7000");
  EXPECT_EQ(apps::parse_endpoint(&e)("[::1]:0"), "");
  EXPECT_EQ(e.to_string(), "[::1]:0");
  EXPECT_EQ(apps::parse_endpoint(&e)("[fe80::1%lo]:80"), "");
  EXPECT_EQ(e.address(), "fe80::1%lo");
}

TEST(parse_endpoint, rejects_a_zone_naming_no_interface_quoting_it) {
  net::endpoint e;
  auto err = apps::parse_endpoint(&e)("[fe80::1%nosuch]:0");
  EXPECT_NE(err.find("\"[fe80::1%nosuch]:0\""), std::string::npos) << err;
  EXPECT_NE(err.find("no network interface named \"nosuch\""), std::string::npos)
      << err;
  EXPECT_EQ(e.to_string(), "0.0.0.0:0");  // untouched
}

TEST(parse_endpoint, quotes_the_text_of_other_errors) {
  net::endpoint e;
  auto err = apps::parse_endpoint(&e)("127.0.0.1:99999");
  EXPECT_NE(err.find("\"127.0.0.1:99999\""), std::string::npos) << err;
}

namespace {

void hang_past_a_deadline() {
  apps::stop_deadline deadline{"app", 50ms, 3,
                               [] { (void)!::write(2, "last words\n", 11); }};
  for (;;) std::this_thread::sleep_for(1s);  // a teardown that hangs
}

void disarm_then_outlive_the_limit() {
  { apps::stop_deadline deadline{"app", 50ms, 3, nullptr}; }
  std::this_thread::sleep_for(200ms);  // past the limit: no exit(3)
  std::exit(0);
}

}  // namespace

TEST(stop_deadline, ends_a_hanging_teardown_with_the_intended_code) {
  EXPECT_EXIT(hang_past_a_deadline(), ::testing::ExitedWithCode(3),
              "app: shutdown did not finish within 50 ms; exiting now with "
              "code 3\nlast words");
}

TEST(stop_deadline, does_nothing_once_disarmed) {
  EXPECT_EXIT(disarm_then_outlive_the_limit(), ::testing::ExitedWithCode(0), "");
}
