// netactors::udp_socket under CAF's deterministic scheduler, with a fake
// socket (fake_udp_io) and a recording owner (probe).
#include "actors/udp/udp_socket.hpp"

#include <caf/all.hpp>

#include <gtest/gtest.h>

#include <uv.h>

#include <memory>
#include <string>
#include <vector>

#include "actors/messages/messages.hpp"
#include "actors/messages/net_error.hpp"
#include "tests/actors/actor_test_fixture.hpp"
#include "tests/udp/fake_udp_io.hpp"

namespace netactors {
namespace {

using strings = std::vector<std::string>;
using testing::fake_udp_io;
using testing::probe_log;

net::endpoint ep(const char* text) { return *net::endpoint::parse(text); }

udp_bind bind_to(const char* address) {
  udp_bind b;
  b.address = ep(address);
  return b;
}

class udp_socket_actor_test : public testing::actor_test {
 protected:
  void start() {
    sock = spawn(udp_socket, std::shared_ptr<udp_io>{io}, owner, options);
    ended = watch(sock);
    run();
  }

  void start_bound() {
    start();
    auto bound = request<udp_bound>(sock, bind_to("0.0.0.0:0"));
    run();
    ASSERT_TRUE(bound->value) << caf::to_string(bound->error);
    io->calls.clear();
  }

  std::shared_ptr<fake_udp_io> io = std::make_shared<fake_udp_io>(9);
  std::shared_ptr<probe_log> owner_log = std::make_shared<probe_log>();
  caf::actor owner = spawn_probe(owner_log);
  udp_socket_options options;
  caf::actor sock;
  std::shared_ptr<testing::watch_outcome> ended;
};

// -- bind -------------------------------------------------------------------

TEST_F(udp_socket_actor_test, bind_replies_with_the_bound_address_and_starts_receiving) {
  start();
  auto bound = request<udp_bound>(
      sock, udp_bind{ep("0.0.0.0:68"), true, false, "eth7"});
  run();
  ASSERT_TRUE(bound->value) << caf::to_string(bound->error);
  EXPECT_EQ(bound->value->id, 9u);
  EXPECT_EQ(bound->value->address, ep("192.0.2.10:4000"));
  EXPECT_EQ(io->send_queue_limit, 4u << 20);
  EXPECT_EQ(io->calls, (strings{"attach", "bind 0.0.0.0:68 reuse device=eth7",
                                "receive_start 65536"}));
  EXPECT_EQ(io->attached_owner, owner.address());
  EXPECT_EQ(io->attached_self, sock.address());
  EXPECT_FALSE(ended->ended);
}

TEST_F(udp_socket_actor_test, a_failed_bind_is_the_named_error_and_ends_the_actor) {
  io->bind_result = net_error::of(UV_EACCES, "bind 0.0.0.0:68");
  start();
  auto bound = request<udp_bound>(sock, bind_to("0.0.0.0:68"));
  run();
  ASSERT_TRUE(bound->answered);
  EXPECT_EQ(error_name(bound->error), "EACCES");
  EXPECT_TRUE(ended->ended);
  EXPECT_TRUE(io->closed());
  auto closed = owner_log->all<udp_closed>();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].reason.name, "EACCES");
}

TEST_F(udp_socket_actor_test, a_second_bind_is_eisconn_and_the_socket_stays) {
  start_bound();
  auto again = request<udp_bound>(sock, bind_to("0.0.0.0:0"));
  run();
  EXPECT_EQ(error_name(again->error), "EISCONN");
  EXPECT_FALSE(ended->ended);
}

TEST_F(udp_socket_actor_test, receiving_waits_for_udp_set_receiving_when_told_to) {
  options.start_receiving = false;
  options.receive_buffer_size = 512;
  start_bound();
  EXPECT_EQ(io->count("receive_start 512"), 0u);
  auto on = request<void>(sock, udp_set_receiving{true});
  run();
  EXPECT_TRUE(on->value);
  auto again = request<void>(sock, udp_set_receiving{true});
  auto off = request<void>(sock, udp_set_receiving{false});
  run();
  EXPECT_TRUE(again->value);
  EXPECT_TRUE(off->value);
  EXPECT_EQ(io->calls, (strings{"receive_start 512", "receive_stop"}));
}

TEST_F(udp_socket_actor_test, a_failed_receive_start_at_bind_ends_the_actor) {
  io->receive_start_result = net_error::of(UV_ENOMEM, "receive start");
  start();
  auto bound = request<udp_bound>(sock, bind_to("0.0.0.0:0"));
  run();
  EXPECT_EQ(error_name(bound->error), "ENOMEM");
  EXPECT_TRUE(ended->ended);
  EXPECT_TRUE(io->closed());
}

// -- sending ----------------------------------------------------------------

TEST_F(udp_socket_actor_test, a_requested_send_is_acknowledged_when_the_loop_says_it_went_out) {
  start_bound();
  auto sent = request<udp_send_done>(
      sock, udp_send{ep("192.0.2.1:67"), net::byte_buffer::copy_of("discover")});
  run();
  ASSERT_EQ(io->sends.size(), 1u);
  EXPECT_EQ(io->sends[0].bytes, "discover");
  EXPECT_EQ(io->sends[0].to, ep("192.0.2.1:67"));
  EXPECT_FALSE(sent->answered) << "acknowledged before the loop said so";
  caf::send_as(sock, sock, udp_io_send_done{io->sends[0].token, {}});
  run();
  ASSERT_TRUE(sent->value) << caf::to_string(sent->error);
  EXPECT_EQ(sent->value->id, 9u);
  EXPECT_EQ(sent->value->bytes, 8u);
}

TEST_F(udp_socket_actor_test, an_empty_datagram_is_sent_and_acknowledged_too) {
  start_bound();
  auto sent = request<udp_send_done>(sock, udp_send{ep("192.0.2.1:9"), {}});
  run();
  ASSERT_EQ(io->sends.size(), 1u);
  EXPECT_EQ(io->sends[0].bytes, "");
  caf::send_as(sock, sock, udp_io_send_done{io->sends[0].token, {}});
  run();
  ASSERT_TRUE(sent->value);
  EXPECT_EQ(sent->value->bytes, 0u);
}

TEST_F(udp_socket_actor_test, a_send_failing_in_its_callback_is_the_named_error_and_the_socket_stays) {
  start_bound();
  auto denied = request<udp_send_done>(
      sock, udp_send{ep("255.255.255.255:67"), net::byte_buffer::copy_of("x")});
  run();
  caf::send_as(sock, sock, udp_io_send_done{io->sends.at(0).token,
                                        net_error::of(UV_EACCES, "send")});
  run();
  ASSERT_TRUE(denied->answered);
  EXPECT_EQ(error_name(denied->error), "EACCES");
  EXPECT_FALSE(ended->ended);
  auto next = request<udp_send_done>(
      sock, udp_send{ep("192.0.2.1:67"), net::byte_buffer::copy_of("yz")});
  run();
  caf::send_as(sock, sock, udp_io_send_done{io->sends.at(1).token, {}});
  run();
  ASSERT_TRUE(next->value);
  EXPECT_EQ(next->value->bytes, 2u);
  EXPECT_TRUE(owner_log->all<udp_send_failed>().empty())
      << "a requested send's failure goes to the requester only";
}

TEST_F(udp_socket_actor_test, a_plain_send_that_fails_tells_the_owner) {
  start_bound();
  caf::anon_send(sock, udp_send{ep("198.51.100.9:53"), net::byte_buffer::copy_of("q")});
  run();
  caf::send_as(sock, sock, udp_io_send_done{io->sends.at(0).token,
                                        net_error::of(UV_ENETUNREACH, "send")});
  run();
  auto failed = owner_log->all<udp_send_failed>();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].id, 9u);
  EXPECT_EQ(failed[0].to, ep("198.51.100.9:53"));
  EXPECT_EQ(failed[0].reason.name, "ENETUNREACH");
  EXPECT_FALSE(ended->ended);
}

TEST_F(udp_socket_actor_test, a_plain_send_that_succeeds_is_silent) {
  start_bound();
  caf::anon_send(sock, udp_send{ep("198.51.100.9:53"), net::byte_buffer::copy_of("q")});
  run();
  caf::send_as(sock, sock, udp_io_send_done{io->sends.at(0).token, {}});
  run();
  EXPECT_EQ(owner_log->types(), strings{});
}

TEST_F(udp_socket_actor_test, a_send_the_io_refuses_at_once_is_the_named_error) {
  start_bound();
  io->send_result = net_error::of(UV_EINVAL, "send");
  auto refused = request<udp_send_done>(
      sock, udp_send{ep("192.0.2.1:67"), net::byte_buffer::copy_of("x")});
  run();
  EXPECT_EQ(error_name(refused->error), "EINVAL");
  EXPECT_FALSE(ended->ended);
}

TEST_F(udp_socket_actor_test, a_send_before_bind_is_ebadf) {
  start();
  auto early = request<udp_send_done>(
      sock, udp_send{ep("192.0.2.1:67"), net::byte_buffer::copy_of("x")});
  caf::anon_send(sock, udp_send{ep("192.0.2.1:68"), net::byte_buffer::copy_of("y")});
  run();
  EXPECT_EQ(error_name(early->error), "EBADF");
  auto failed = owner_log->all<udp_send_failed>();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].reason.name, "EBADF");
  EXPECT_EQ(io->count("send 192.0.2.1:67"), 0u);
}

TEST_F(udp_socket_actor_test, a_completion_for_an_unknown_token_is_ignored) {
  start_bound();
  caf::send_as(sock, sock, udp_io_send_done{12345, net_error::of(UV_EACCES, "send")});
  run();
  EXPECT_EQ(owner_log->types(), strings{});
  EXPECT_FALSE(ended->ended);
}

TEST_F(udp_socket_actor_test, a_send_over_the_send_queue_limit_is_enobufs_and_the_socket_stays) {
  options.send_queue_limit = 1000;
  start_bound();
  EXPECT_EQ(io->send_queue_limit, 1000u);
  io->send_result = net_error::of(UV_ENOBUFS, "send: 1000 bytes queued");
  auto refused = request<udp_send_done>(
      sock, udp_send{ep("192.0.2.1:67"), net::byte_buffer::copy_of("x")});
  caf::anon_send(sock, udp_send{ep("192.0.2.1:68"), net::byte_buffer::copy_of("y")});
  run();
  EXPECT_EQ(error_name(refused->error), "ENOBUFS");
  auto failed = owner_log->all<udp_send_failed>();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].reason.name, "ENOBUFS");
  EXPECT_FALSE(ended->ended);
}

// -- the receive window -------------------------------------------------------

TEST_F(udp_socket_actor_test, an_owner_that_does_not_consume_stops_receiving_at_a_full_window) {
  options.receive_window = 100;
  owner_log->hold_received_replies = true;
  start_bound();
  auto from = ep("192.0.2.1:5000");
  EXPECT_FALSE(io->receive(sock, owner, from, std::string(40, 'a')));
  EXPECT_TRUE(io->receive(sock, owner, from, std::string(20, 'b')));  // 60 >= 50
  run();
  EXPECT_EQ(io->calls, (strings{"receive_stop", "receive_start 65536"}));
  EXPECT_FALSE(io->receive(sock, owner, from, ""));  // counts 1
  EXPECT_TRUE(io->receive(sock, owner, from, std::string(50, 'c')));  // 111 >= 100
  run();
  EXPECT_EQ(io->calls.back(), "receive_stop");
  ASSERT_EQ(owner_log->messages.size(), 4u);
  EXPECT_FALSE(owner_log->messages[0].request);
  EXPECT_TRUE(owner_log->messages[1].request);
  EXPECT_EQ(owner_log->messages[1].sender, sock.address());
  EXPECT_EQ(owner_log->messages[1].as<udp_received>().from, from);
  EXPECT_EQ(owner_log->messages[1].as<udp_received>().data.to_string(), std::string(20, 'b'));
  EXPECT_TRUE(owner_log->messages[2].as<udp_received>().data.empty());
  // The owner's own wish does not lift the window's pause.
  auto on = request<void>(sock, udp_set_receiving{true});
  run();
  EXPECT_TRUE(on->value);
  EXPECT_EQ(io->calls.back(), "receive_stop");
  caf::anon_send(owner, testing::release_atom::value);
  run();
  EXPECT_EQ(io->calls.back(), "receive_start 65536");
  EXPECT_EQ(io->window().unconsumed(), 0u);
  EXPECT_FALSE(ended->ended);
}

TEST_F(udp_socket_actor_test, the_owner_changes_the_receive_window_and_0_is_einval) {
  start_bound();
  auto set = request<void>(sock, udp_set_receive_window{10});
  auto zero = request<void>(sock, udp_set_receive_window{0});
  run();
  EXPECT_TRUE(set->value) << caf::to_string(set->error);
  EXPECT_EQ(io->window().window(), 10u);
  EXPECT_EQ(error_name(zero->error), "EINVAL");
  EXPECT_TRUE(io->receive(sock, owner, ep("192.0.2.1:1"), std::string(5, 'x')));
}

// -- sealed io events, lifetime ----------------------------------------------

TEST_F(udp_socket_actor_test, ignores_io_events_that_do_not_come_from_its_own_seam) {
  start_bound();
  auto sent = request<udp_send_done>(
      sock, udp_send{ep("192.0.2.1:67"), net::byte_buffer::copy_of("x")});
  run();
  auto token = io->sends.at(0).token;
  auto forged_marker = udp_io_datagram_marker{ep("192.0.2.66:1"),
                                              net::byte_buffer::copy_of("forged"), false, 6};
  caf::anon_send(sock, udp_io_send_done{token, net_error::of(UV_EACCES, "send")});
  caf::send_as(owner, sock, udp_io_send_done{token, {}});  // another actor
  caf::anon_send(sock, forged_marker);
  caf::send_as(owner, sock, forged_marker);
  run();
  EXPECT_FALSE(sent->answered);
  EXPECT_EQ(owner_log->types(), strings{});
  EXPECT_FALSE(ended->ended);
  caf::send_as(sock, sock, udp_io_send_done{token, {}});
  run();
  EXPECT_TRUE(sent->value) << caf::to_string(sent->error);
}

TEST_F(udp_socket_actor_test, an_unbound_socket_nobody_holds_ends_and_a_bound_one_lives) {
  std::shared_ptr<testing::watch_outcome> unbound_ended;
  auto unbound_io = std::make_shared<fake_udp_io>(3);
  {
    auto s = sys.spawn(udp_socket, std::shared_ptr<udp_io>{unbound_io}, owner, options);
    unbound_ended = watch(s);
    run();
  }
  run();
  EXPECT_TRUE(unbound_ended->ended);
  EXPECT_TRUE(unbound_io->closed());

  std::shared_ptr<testing::watch_outcome> bound_ended;
  caf::actor_addr addr;
  {
    auto s = sys.spawn(udp_socket, std::shared_ptr<udp_io>{io}, owner, options);
    bound_ended = watch(s);
    addr = s.address();
    caf::anon_send(s, bind_to("0.0.0.0:0"));
    run();
  }
  run();
  EXPECT_FALSE(bound_ended->ended);
  caf::anon_send(caf::actor_cast<caf::actor>(addr), udp_close{});
  run();
  EXPECT_TRUE(bound_ended->ended);
}

// One record for all the sockets an owner owns (actors/core/owner_watch.hpp),
// kept while the owner lives: nothing per socket.
TEST_F(udp_socket_actor_test, leaves_nothing_per_socket_attached_to_a_long_lived_owner) {
  testing::counting_owner* counting = nullptr;
  auto long_lived = spawn_counting_owner(&counting);
  run();
  auto before = counting->attachables();
  for (int i = 0; i < 5; ++i) {
    auto s = sys.spawn(udp_socket, std::shared_ptr<udp_io>{std::make_shared<fake_udp_io>(i)},
                       long_lived, options);
    caf::anon_send(s, bind_to("0.0.0.0:0"));
    run();
    EXPECT_EQ(counting->attachables(), before + 1);  // the owner's one watch
    caf::anon_send(s, udp_close{});
    run();
  }
  EXPECT_EQ(counting->attachables(), before + 1);
}

// -- options ----------------------------------------------------------------

TEST_F(udp_socket_actor_test, every_option_reaches_the_socket_and_answers) {
  start_bound();
  std::vector<std::shared_ptr<testing::request_outcome<void>>> answers{
      request<void>(sock, udp_set_broadcast{true}),
      request<void>(sock, udp_set_ttl{7}),
      request<void>(sock, udp_set_membership{"239.1.2.3", "192.0.2.1", true}),
      request<void>(sock, udp_set_multicast_loop{false}),
      request<void>(sock, udp_set_multicast_ttl{3}),
      request<void>(sock, udp_set_multicast_interface{"192.0.2.1"}),
      request<void>(sock, udp_set_membership{"239.1.2.3", "", false}),
  };
  run();
  for (auto& a : answers) EXPECT_TRUE(a->value) << caf::to_string(a->error);
  auto sorted = io->calls;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (strings{"broadcast on", "join 239.1.2.3 on 192.0.2.1",
                             "leave 239.1.2.3 on ", "multicast_interface 192.0.2.1",
                             "multicast_loop off", "multicast_ttl 3", "ttl 7"}));
}

TEST_F(udp_socket_actor_test, a_failed_option_is_the_named_error_and_the_socket_stays) {
  start_bound();
  io->option_result = net_error::of(UV_EINVAL, "ttl 0");
  auto ttl = request<void>(sock, udp_set_ttl{0});
  run();
  EXPECT_EQ(error_name(ttl->error), "EINVAL");
  EXPECT_EQ(to_net_error(ttl->error).context, "ttl 0");
  EXPECT_FALSE(ended->ended);
}

// -- the end ------------------------------------------------------------------

TEST_F(udp_socket_actor_test, udp_close_closes_the_socket_and_fails_waiting_sends) {
  start_bound();
  auto waiting = request<udp_send_done>(
      sock, udp_send{ep("192.0.2.1:67"), net::byte_buffer::copy_of("x")});
  run();
  caf::anon_send(sock, udp_close{});
  run();
  EXPECT_EQ(error_name(waiting->error), "ECANCELED");
  EXPECT_TRUE(io->closed());
  EXPECT_TRUE(ended->ended);
  auto closed = owner_log->all<udp_closed>();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].id, 9u);
  EXPECT_TRUE(closed[0].reason.ok());
}

TEST_F(udp_socket_actor_test, a_shut_down_socket_actor_closes_its_socket_and_tells_its_owner) {
  start_bound();
  caf::anon_send_exit(sock, caf::exit_reason::user_shutdown);
  run();
  EXPECT_TRUE(io->closed());
  EXPECT_TRUE(ended->ended);
  auto closed = owner_log->all<udp_closed>();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].reason.name, "ECANCELED");
}

TEST_F(udp_socket_actor_test, a_killed_socket_actor_still_closes_its_socket) {
  // exit_reason::kill skips the exit handler: the state's destructor closes.
  start_bound();
  caf::anon_send_exit(sock, caf::exit_reason::kill);
  run();
  EXPECT_TRUE(ended->ended);
  EXPECT_TRUE(io->closed());
}

TEST_F(udp_socket_actor_test, the_socket_closes_when_its_owner_ends) {
  start_bound();
  caf::anon_send_exit(owner, caf::exit_reason::kill);
  run();
  EXPECT_TRUE(io->closed());
  EXPECT_TRUE(ended->ended);
}

}  // namespace
}  // namespace netactors
