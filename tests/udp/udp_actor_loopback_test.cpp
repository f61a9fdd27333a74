// The UDP socket actor on a real loop over 127.0.0.1: what it sends and
// receives is checked against a plain POSIX socket at the far end (sender
// address, empty and truncated datagrams, EACCES for a broadcast without the
// option, the TTL the receiver sees), and the socket closes with the actor.
#include <caf/all.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "actors/messages/messages.hpp"
#include "actors/messages/net_error.hpp"
#include "actors/core/runtime.hpp"
#include "actors/udp/uv_udp_io.hpp"
#include "tests/udp/posix_udp.hpp"

namespace netactors {
namespace {

using std::chrono::seconds;
using testing::posix_udp;

net::endpoint ep(const std::string& text) { return *net::endpoint::parse(text); }

udp_bind bind_to(const net::endpoint& address) {
  udp_bind b;
  b.address = address;
  return b;
}

class udp_actor_loopback_test : public ::testing::Test {
 protected:
  static caf::actor_system_config& configure(caf::actor_system_config& c) {
    add_message_types(c);
    c.set("logger.verbosity", caf::atom("quiet"));
    return c;
  }

  udp_actor_loopback_test() : rt(configure(cfg)), self(rt.system()) {}

  /// A socket actor owned by `self`, bound to `local`.
  udp_socket_actor open(const std::string& local, udp_socket_options opts = {}) {
    auto sock = spawn_udp_socket(rt.loop_at(0), self, opts);
    self->request(sock, seconds(5), bind_to(ep(local)))
        .receive([&](udp_bound& b) { bound = b; },
                 [&](caf::error& err) { ADD_FAILURE() << rt.system().render(err); });
    return sock;
  }

  /// The next udp_received for `self`, or a failure after 5 s.
  udp_received next_datagram() {
    udp_received out;
    bool got = false;
    self->receive([&](udp_received& d) { out = std::move(d), got = true; },
                  caf::after(seconds(5)) >> [] {});
    EXPECT_TRUE(got) << "no datagram within 5 s";
    return out;
  }

  /// Sends as a request; "" on success, else the error's name.
  std::string send(udp_socket_actor sock, const std::string& to, std::string bytes) {
    std::string result = "no answer";
    self->request(sock, seconds(5),
                  udp_send{ep(to), net::byte_buffer::copy_of(bytes)})
        .receive([&](udp_send_done& d) {
                   result = d.bytes == bytes.size() ? "" : "wrong byte count";
                 },
                 [&](caf::error& err) { result = error_name(err); });
    return result;
  }

  template <class Msg>
  std::string set(udp_socket_actor sock, Msg msg) {
    std::string result = "no answer";
    self->request(sock, seconds(5), std::move(msg))
        .receive([&]() { result = ""; },
                 [&](caf::error& err) { result = error_name(err); });
    return result;
  }

  caf::actor_system_config cfg;
  runtime rt;
  caf::scoped_actor self;
  udp_bound bound;
};

TEST_F(udp_actor_loopback_test, binds_port_zero_to_a_real_port) {
  auto sock = open("127.0.0.1:0");
  EXPECT_NE(bound.id, 0u);
  EXPECT_EQ(bound.address.address(), "127.0.0.1");
  EXPECT_GT(bound.address.port(), 0);
  self->send(sock, udp_close{});
}

TEST_F(udp_actor_loopback_test, delivers_datagrams_with_their_sender_to_the_owner) {
  auto sock = open("127.0.0.1:0");
  posix_udp peer{AF_INET, "127.0.0.1"};
  ASSERT_TRUE(peer.send_to(std::string{"\x00\x01hi", 4}, "127.0.0.1",
                           bound.address.port()));
  auto d = next_datagram();
  EXPECT_EQ(d.id, bound.id);
  EXPECT_EQ(d.from, ep("127.0.0.1:" + std::to_string(peer.port())));
  EXPECT_EQ(d.data.to_string(), std::string("\x00\x01hi", 4));
  EXPECT_FALSE(d.truncated);
  self->send(sock, udp_close{});
}

TEST_F(udp_actor_loopback_test, sends_datagrams_the_peer_receives_from_the_bound_address) {
  auto sock = open("127.0.0.1:0");
  posix_udp peer{AF_INET, "127.0.0.1"};
  auto to = "127.0.0.1:" + std::to_string(peer.port());
  ASSERT_EQ(send(sock, to, "one"), "");
  ASSERT_EQ(send(sock, to, std::string(30000, 'z')), "");
  auto first = peer.receive();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->bytes, "one");
  EXPECT_EQ(first->sender, bound.address.to_string());
  auto second = peer.receive();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->bytes, std::string(30000, 'z'));
  self->send(sock, udp_close{});
}

TEST_F(udp_actor_loopback_test, an_empty_datagram_arrives_empty_both_ways) {
  auto sock = open("127.0.0.1:0");
  posix_udp peer{AF_INET, "127.0.0.1"};
  ASSERT_TRUE(peer.send_to("", "127.0.0.1", bound.address.port()));
  auto d = next_datagram();
  EXPECT_TRUE(d.data.empty());
  EXPECT_FALSE(d.truncated);
  EXPECT_EQ(d.from.port(), peer.port());
  ASSERT_EQ(send(sock, "127.0.0.1:" + std::to_string(peer.port()), ""), "");
  auto back = peer.receive();
  ASSERT_TRUE(back);
  EXPECT_EQ(back->bytes, "");
  self->send(sock, udp_close{});
}

TEST_F(udp_actor_loopback_test, a_datagram_beyond_the_receive_buffer_arrives_flagged_truncated) {
  udp_socket_options small;
  small.receive_buffer_size = 8;
  auto sock = open("127.0.0.1:0", small);
  posix_udp peer{AF_INET, "127.0.0.1"};
  ASSERT_TRUE(peer.send_to("12345678truncated", "127.0.0.1", bound.address.port()));
  ASSERT_TRUE(peer.send_to("12345678", "127.0.0.1", bound.address.port()));
  auto cut = next_datagram();
  EXPECT_TRUE(cut.truncated);
  EXPECT_EQ(cut.data.to_string(), "12345678");
  auto whole = next_datagram();
  EXPECT_FALSE(whole.truncated);
  EXPECT_EQ(whole.data.to_string(), "12345678");
  self->send(sock, udp_close{});
}

TEST_F(udp_actor_loopback_test, broadcast_without_the_option_is_eacces_and_with_it_is_delivered) {
  // lo's broadcast address keeps the datagram on this host.
  auto listener = open("0.0.0.0:0");
  auto to = "127.255.255.255:" + std::to_string(bound.address.port());
  auto sender = open("127.0.0.1:0");
  EXPECT_EQ(send(sender, to, "no"), "EACCES");
  ASSERT_EQ(set(sender, udp_set_broadcast{true}), "");
  ASSERT_EQ(send(sender, to, "yes"), "");
  auto d = next_datagram();
  EXPECT_EQ(d.data.to_string(), "yes");
  EXPECT_EQ(d.from, bound.address);  // the sender's own bound address
  self->send(listener, udp_close{});
  self->send(sender, udp_close{});
}

TEST_F(udp_actor_loopback_test, the_ttl_set_is_the_ttl_received) {
  auto sock = open("127.0.0.1:0");
  posix_udp peer{AF_INET, "127.0.0.1"};
  auto to = "127.0.0.1:" + std::to_string(peer.port());
  ASSERT_EQ(set(sock, udp_set_ttl{3}), "");
  ASSERT_EQ(send(sock, to, "ttl"), "");
  auto got = peer.receive();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->ttl, 3);
  EXPECT_EQ(set(sock, udp_set_ttl{0}), "EINVAL");
  EXPECT_EQ(set(sock, udp_set_ttl{300}), "EINVAL");
  self->send(sock, udp_close{});
}

TEST_F(udp_actor_loopback_test, a_taken_port_is_eaddrinuse_and_ends_the_actor) {
  auto first = open("127.0.0.1:0");
  auto taken = bound.address;
  auto second = spawn_udp_socket(rt.loop_at(0), self);
  std::string result;
  self->request(second, seconds(5), bind_to(taken))
      .receive([&](udp_bound&) { result = "bound"; },
               [&](caf::error& err) { result = error_name(err); });
  EXPECT_EQ(result, "EADDRINUSE");
  self->receive([&](udp_closed& c) { EXPECT_EQ(c.reason.name, "EADDRINUSE"); },
                caf::after(seconds(5)) >> [] { ADD_FAILURE() << "no udp_closed"; });
  self->send(first, udp_close{});
}

TEST_F(udp_actor_loopback_test, killing_the_actor_frees_the_port) {
  auto sock = open("127.0.0.1:0");
  auto port = bound.address;
  // kill skips every handler: only the state's destructor can close it.
  self->send_exit(sock, caf::exit_reason::kill);
  // The close runs on the loop; rebinding the port proves it happened.
  bool rebound = false;
  for (int i = 0; i < 100 && !rebound; ++i) {
    auto again = spawn_udp_socket(rt.loop_at(0), self);
    self->request(again, seconds(5), bind_to(port))
        .receive([&](udp_bound&) { rebound = true; }, [](caf::error&) {});
    self->send(again, udp_close{});
    if (!rebound) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(rebound) << "the killed actor's socket still holds " << port.to_string();
}

}  // namespace
}  // namespace netactors
