// apps:cli pieces: the command-line contract every app keeps (CLI11 splits
// the line; --help exits 0; unknown flags, missing or bad values exit 2 with
// a message on stderr); parse_endpoint keeps zones or rejects them (never drops
// one), quoting the text as given.
#include <gtest/gtest.h>

#include "apps/cli.hpp"

namespace {

// Parses `args` with a cli of --loops N, --name S, --verbose and positional
// HOST (required) and PORT (optional); returns the exit code (-1: go on)
// and what went to stderr.
struct outcome {
  int code = -1;
  std::string err;
  uint64_t loops = 1;
  std::string name, host, port;
  bool verbose = false;
};

outcome parse(std::vector<std::string> args) {
  outcome o;
  apps::cli cli{"prog", "summary"};
  cli.positional("HOST", "host", &o.host);
  cli.positional("PORT", "port", &o.port, false);
  cli.value("loops", "N", "loops", apps::parse_uint(&o.loops, 1, 64));
  cli.value("name", "S", "name", apps::parse_string(&o.name));
  cli.flag("verbose", "verbose", &o.verbose);
  std::vector<char*> argv{const_cast<char*>("prog")};
  for (auto& a : args) argv.push_back(&a[0]);
  ::testing::internal::CaptureStderr();
  ::testing::internal::CaptureStdout();
  auto rc = cli.parse(static_cast<int>(argv.size()), argv.data());
  o.err = ::testing::internal::GetCapturedStderr();
  auto out = ::testing::internal::GetCapturedStdout();
  if (rc == 0) o.err = out;  // --help: the usage, on stdout
  o.code = rc ? *rc : -1;
  return o;
}

}  // namespace

TEST(cli, takes_values_flags_and_positionals_in_any_order) {
  auto o = parse({"--loops", "3", "h", "--verbose", "--name=x y", "80"});
  EXPECT_EQ(o.code, -1) << o.err;
  EXPECT_EQ(o.loops, 3u);
  EXPECT_TRUE(o.verbose);
  EXPECT_EQ(o.name, "x y");
  EXPECT_EQ(o.host, "h");
  EXPECT_EQ(o.port, "80");
  EXPECT_EQ(parse({"h", "--loops", "2", "--loops", "5"}).loops, 5u);  // last wins
}

TEST(cli, help_prints_the_usage_and_exits_0) {
  auto o = parse({"--help"});
  EXPECT_EQ(o.code, 0);
  EXPECT_EQ(o.err.rfind("usage: prog HOST [PORT] [options]\n", 0), 0u) << o.err;
  EXPECT_NE(o.err.find("--loops N"), std::string::npos) << o.err;
}

TEST(cli, bad_usage_exits_2_saying_what_is_wrong) {
  struct {
    std::vector<std::string> args;
    const char* says;
  } cases[] = {
      {{"h", "--bogus"}, "prog: unknown option --bogus\n"},
      {{"h", "--bogus=1"}, "prog: unknown option --bogus\n"},
      {{"h", "--loops"}, "prog: --loops needs a value N\n"},
      {{"h", "--loops", "0"}, "prog: bad value for --loops: 0 is not in 1..64\n"},
      {{"h", "--loops=x"}, "prog: bad value for --loops: \"x\" is not a whole number\n"},
      {{"h", "--verbose=1"}, "prog: --verbose takes no value\n"},
      {{}, "prog: missing HOST\n"},
      {{"h", "p", "extra"}, "prog: unexpected argument \"extra\"\n"},
  };
  for (auto& c : cases) {
    auto o = parse(c.args);
    EXPECT_EQ(o.code, 2) << c.says;
    EXPECT_EQ(o.err, std::string{c.says} + "(try --help)\n");
  }
}

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
