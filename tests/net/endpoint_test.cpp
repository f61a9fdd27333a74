#include "net/core/endpoint.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>
#include <uv.h>

namespace {

TEST(endpoint, parses_and_formats_ipv4) {
  auto ep = net::endpoint::parse("127.0.0.1:7000");
  ASSERT_TRUE(ep) << ep.error().to_string();
  EXPECT_EQ(ep->family(), net::ip_family::v4);
  EXPECT_EQ(ep->address(), "127.0.0.1");
  EXPECT_EQ(ep->port(), 7000);
  EXPECT_EQ(ep->to_string(), "127.0.0.1:7000");
}

TEST(endpoint, parses_and_formats_bracketed_ipv6) {
  auto ep = net::endpoint::parse("[::1]:0");
  ASSERT_TRUE(ep) << ep.error().to_string();
  EXPECT_EQ(ep->family(), net::ip_family::v6);
  EXPECT_EQ(ep->address(), "::1");
  EXPECT_EQ(ep->port(), 0);
  EXPECT_EQ(ep->to_string(), "[::1]:0");
  auto full = net::endpoint::parse("[2001:db8::30]:65535");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->to_string(), "[2001:db8::30]:65535");
}

TEST(endpoint, builds_from_ip_and_port) {
  auto ep = net::endpoint::from_ip("192.0.2.1", 67);
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->to_string(), "192.0.2.1:67");
  EXPECT_EQ(ep->sockaddr_len(), sizeof(sockaddr_in));
  auto v6 = net::endpoint::from_ip("2001:db8::1", 53);
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->sockaddr_len(), sizeof(sockaddr_in6));
}

TEST(endpoint, round_trips_through_sockaddr) {
  auto ep = net::endpoint::parse("[2001:db8::7]:443");
  ASSERT_TRUE(ep);
  auto copy = net::endpoint::from_sockaddr(ep->sockaddr_ptr());
  ASSERT_TRUE(copy);
  EXPECT_EQ(*copy, *ep);
  EXPECT_NE(*copy, *net::endpoint::parse("[2001:db8::7]:444"));
}

TEST(endpoint, rejects_bad_input_with_einval_and_context) {
  const char* bad[] = {"",
                       "127.0.0.1",
                       "127.0.0.1:",
                       "127.0.0.1:65536",
                       "127.0.0.1:-1",
                       "127.0.0.1:80x",
                       "127.0.0.1:999999999999",
                       "256.0.0.1:80",
                       "1.2.3:80",
                       "localhost:80",
                       "::1:80",
                       "[::1]",
                       "[::1]80",
                       "[::1:80",
                       "[127.0.0.1]:80",
                       "[gggg::1]:80",
                       ":80"};
  for (auto text : bad) {
    auto ep = net::endpoint::parse(text);
    ASSERT_FALSE(ep) << "accepted \"" << text << "\"";
    EXPECT_EQ(ep.error().code(), UV_EINVAL) << text;
    EXPECT_EQ(ep.error().name(), "EINVAL");
    EXPECT_NE(ep.error().context().find(text), std::string::npos)
        << ep.error().to_string();
  }
}

TEST(endpoint, sockaddr_of_unknown_family_is_eafnosupport) {
  sockaddr sa{};
  sa.sa_family = AF_PACKET;
  auto ep = net::endpoint::from_sockaddr(&sa);
  ASSERT_FALSE(ep);
  EXPECT_EQ(ep.error().name(), "EAFNOSUPPORT");
}

TEST(port, parses_the_full_range_only) {
  EXPECT_EQ(*net::parse_port("0"), 0);
  EXPECT_EQ(*net::parse_port("65535"), 65535);
  EXPECT_FALSE(net::parse_port("65536"));
  EXPECT_FALSE(net::parse_port(""));
  EXPECT_FALSE(net::parse_port("+1"));
  EXPECT_FALSE(net::parse_port(" 1"));
}

}  // namespace

TEST(endpoint, a_unix_path_is_an_endpoint_with_no_port) {
  auto ep = net::endpoint::parse("unix:/run/x.sock");
  ASSERT_TRUE(ep) << ep.error().to_string();
  EXPECT_TRUE(ep->is_unix());
  EXPECT_EQ(ep->path(), "/run/x.sock");
  EXPECT_EQ(ep->address(), "/run/x.sock");
  EXPECT_EQ(ep->port(), 0);
  EXPECT_EQ(ep->to_string(), "unix:/run/x.sock");
  EXPECT_EQ(ep->sockaddr_ptr()->sa_family, AF_UNIX);
  EXPECT_EQ(*net::endpoint::parse(ep->to_string()), *ep);
  EXPECT_NE(*ep, *net::endpoint::parse("unix:/run/y.sock"));
  EXPECT_NE(*ep, *net::endpoint::parse("127.0.0.1:0"));
  EXPECT_FALSE(net::endpoint::parse("127.0.0.1:0")->is_unix());
  EXPECT_EQ(net::endpoint::parse("127.0.0.1:0")->path(), "");
}

TEST(endpoint, an_unnamed_unix_socket_is_unix_with_an_empty_path) {
  auto ep = net::endpoint::parse("unix:");
  ASSERT_TRUE(ep);
  EXPECT_TRUE(ep->is_unix());
  EXPECT_EQ(ep->path(), "");
  EXPECT_EQ(ep->to_string(), "unix:");
}

TEST(endpoint, a_unix_path_must_fit_sockaddr_un_and_hold_no_nul) {
  EXPECT_TRUE(net::endpoint::from_path(std::string(107, 'a')));
  EXPECT_EQ(net::endpoint::from_path(std::string(108, 'a')).error().name(),
            "ENAMETOOLONG");
  EXPECT_EQ(net::endpoint::from_path(std::string("a\0b", 3)).error().name(),
            "EINVAL");
}

TEST(endpoint, sockaddr_un_becomes_a_unix_endpoint) {
  sockaddr_storage ss{};
  auto* un = reinterpret_cast<sockaddr*>(&ss);
  un->sa_family = AF_UNIX;
  std::strcpy(reinterpret_cast<char*>(&ss) + offsetof(sockaddr_un, sun_path), "/x");
  auto ep = net::endpoint::from_sockaddr(un);
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->to_string(), "unix:/x");
}
