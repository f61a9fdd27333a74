// The node's job factory (actors/node/node_jobs.hpp) in one process: what it
// refuses, its bound on jobs at once, an echo job's deadline, and that a job
// ends with its asker (the connection it made closes). The peer is a plain
// loopback socket of the test: the kernel completes connections to it, and
// the test sees exactly when the node's side closes.
#include <caf/all.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>

#include "actors/core/runtime.hpp"
#include "actors/dns/resolver.hpp"
#include "actors/messages/messages.hpp"
#include "actors/messages/net_error.hpp"
#include "actors/node/node_jobs.hpp"

namespace netactors {
namespace {

using namespace std::chrono_literals;

// Bounds every wait of the test (a hang guard, not a timing claim).
constexpr auto hang_guard = 20s;
constexpr int hang_guard_ms = 20000;

// A listening loopback socket that accepts only when the test says so.
class silent_peer {
 public:
  silent_peer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof sa;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
  }
  ~silent_peer() { ::close(fd_); }
  uint16_t port() const { return port_; }
  net::endpoint endpoint() const {
    return *net::endpoint::parse("127.0.0.1:" + std::to_string(port_));
  }
  // The next connection the node made, or -1 after the hang guard.
  int accept() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, hang_guard_ms) != 1) return -1;
    return ::accept(fd_, nullptr, nullptr);
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// Whether the node's side of `conn` closes (EOF or reset) within the guard;
// whatever it sent before is skipped.
bool closes(int conn) {
  char buf[4096];
  for (;;) {
    pollfd p{conn, POLLIN, 0};
    if (::poll(&p, 1, hang_guard_ms) != 1) return false;
    auto n = ::recv(conn, buf, sizeof buf, 0);
    if (n <= 0) return true;
  }
}

// An asker of its own: requests `msg...` from the jobs and passes the reply
// (or the error) on to `to`. Killing it is the asker going away.
caf::behavior asker(caf::event_based_actor* self, node_jobs_actor jobs,
                    caf::actor to, caf::message msg) {
  self->request(caf::actor_cast<caf::actor>(jobs), caf::infinite,
                std::move(msg))
      .then([self, to](echo_client_result& r) { self->send(to, r); },
            [self, to](caf::error& err) { self->send(to, to_net_error(err)); });
  return {};
}

class node_jobs_test : public ::testing::Test {
 protected:
  void start(node_jobs_limits limits) {
    cfg_.set("logger.file-verbosity", caf::atom("quiet"));
    cfg_.set("logger.console-verbosity", caf::atom("quiet"));
    rt_ = std::make_unique<runtime>(cfg_, 1);
    resolver_ = spawn_resolver(*rt_);
    jobs_ = spawn_node_jobs(*rt_, resolver_, limits);
  }
  void TearDown() override {
    caf::anon_send_exit(jobs_, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(resolver_, caf::exit_reason::user_shutdown);
    rt_.reset();
  }
  caf::actor_system& sys() { return rt_->system(); }

  // The name of the error the jobs answer `msg...` with ("" for a reply).
  template <class... Ts>
  std::string refusal(Ts... xs) {
    caf::scoped_actor self{sys()};
    std::string name = "no answer";
    self->request(caf::actor_cast<caf::actor>(jobs_), hang_guard, xs...)
        .receive([&](caf::message&) { name = ""; },
                 [&](caf::error& err) { name = to_net_error(err).name; });
    return name;
  }

  caf::actor_system_config cfg_;
  std::unique_ptr<runtime> rt_;
  resolver_actor resolver_;
  node_jobs_actor jobs_;
};

node_echo_client echo_job(const silent_peer& peer, uint32_t deadline_ms,
                          std::string message = "ping") {
  return node_echo_client{peer.endpoint(), {std::move(message)}, 5000,
                          deadline_ms};
}

TEST_F(node_jobs_test, refuses_jobs_it_would_not_bound) {
  start(node_jobs_limits{4, 10, 60000});
  silent_peer peer;
  caf::scoped_actor owner{sys()};
  auto me = caf::actor_cast<caf::actor>(owner);
  EXPECT_EQ(refusal(echo_job(peer, 1000, "eleven byte")), "EMSGSIZE");
  EXPECT_EQ(refusal(echo_job(peer, 0)), "EINVAL");
  EXPECT_EQ(refusal(echo_job(peer, 60001)), "EINVAL");
  EXPECT_EQ(refusal(node_dns_connect{dns_connect_to{"127.0.0.1", peer.port(),
                                                    250, 50, 0, true}},
                    me),
            "EINVAL");
  EXPECT_EQ(refusal(node_dns_connect{dns_connect_to{"127.0.0.1", peer.port(),
                                                    250, 50, 1000, true}},
                    caf::actor{}),
            "EINVAL");
  EXPECT_EQ(refusal(node_dhcp_discover{"", false, 1000, 100}), "EINVAL");
  EXPECT_EQ(refusal(node_dhcp_discover{"eth0", false, 0, 0}), "EINVAL");
}

TEST_F(node_jobs_test, ends_an_echo_session_at_its_deadline) {
  start(node_jobs_limits{});
  silent_peer peer;  // connects, never echoes
  caf::scoped_actor self{sys()};
  echo_client_result result;
  bool answered = false;
  self->request(caf::actor_cast<caf::actor>(jobs_), hang_guard,
                echo_job(peer, 100))
      .receive(
          [&](echo_client_result& r) {
            result = std::move(r);
            answered = true;
          },
          [&](caf::error& err) { ADD_FAILURE() << to_string(err); });
  ASSERT_TRUE(answered);
  EXPECT_EQ(result.error, "ETIMEDOUT");
  EXPECT_EQ(result.messages, 0u);
  auto conn = peer.accept();
  ASSERT_GE(conn, 0);
  EXPECT_TRUE(closes(conn)) << "the session ended with its deadline";
  ::close(conn);
}

TEST_F(node_jobs_test, refuses_more_jobs_at_once_than_its_limit) {
  start(node_jobs_limits{2, 1024, 60000});
  silent_peer peer;
  caf::scoped_actor self{sys()};
  auto me = caf::actor_cast<caf::actor>(self);
  auto a = sys().spawn(asker, jobs_, me, caf::make_message(echo_job(peer, 60000)));
  auto b = sys().spawn(asker, jobs_, me, caf::make_message(echo_job(peer, 60000)));
  // Both run once both connected.
  auto c1 = peer.accept();
  auto c2 = peer.accept();
  ASSERT_GE(c1, 0);
  ASSERT_GE(c2, 0);
  EXPECT_EQ(refusal(echo_job(peer, 60000)), "EBUSY");
  self->send_exit(a, caf::exit_reason::user_shutdown);
  self->send_exit(b, caf::exit_reason::user_shutdown);
  EXPECT_TRUE(closes(c1));
  EXPECT_TRUE(closes(c2));
  ::close(c1);
  ::close(c2);
}

TEST_F(node_jobs_test, an_echo_job_ends_when_its_asker_goes_away) {
  start(node_jobs_limits{});
  silent_peer peer;
  caf::scoped_actor self{sys()};
  auto a = sys().spawn(asker, jobs_, caf::actor_cast<caf::actor>(self),
                       caf::make_message(echo_job(peer, 600000)));
  auto conn = peer.accept();
  ASSERT_GE(conn, 0);
  self->send_exit(a, caf::exit_reason::kill);
  EXPECT_TRUE(closes(conn)) << "the node's session outlived its asker";
  ::close(conn);
}

TEST_F(node_jobs_test, a_connection_made_for_an_owner_ends_with_it) {
  start(node_jobs_limits{});
  silent_peer peer;
  int conn = -1;
  {
    caf::scoped_actor owner{sys()};
    tcp_connection_actor made;
    dns_connect_report report;
    owner
        ->request(caf::actor_cast<caf::actor>(jobs_), hang_guard,
                  node_dns_connect{dns_connect_to{"127.0.0.1", peer.port(), 250,
                                                  50, 5000, true}},
                  caf::actor_cast<caf::actor>(owner))
        .receive([&](tcp_connection_actor& c,
                     dns_connect_report&) { made = std::move(c); },
                 [&](caf::error& err) { ADD_FAILURE() << to_string(err); });
    ASSERT_TRUE(made);
    // The owner got the report and, from the node's connection, its events.
    bool reported = false;
    bool opened = false;
    for (int i = 0; i < 2; ++i)
      owner->receive([&](dns_connect_report& r) { reported = r.connected != ""; },
                     [&](tcp_connection_opened&) { opened = true; },
                     caf::after(hang_guard) >> [] {});
    EXPECT_TRUE(reported);
    EXPECT_TRUE(opened);
    conn = peer.accept();
    ASSERT_GE(conn, 0);
    // The owner writes to the node's connection directly.
    owner->send(made, tcp_write{net::byte_buffer::copy_of("hi")});
    char buf[2];
    pollfd p{conn, POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, hang_guard_ms), 1);
    ASSERT_EQ(::recv(conn, buf, 2, 0), 2);
    EXPECT_EQ(std::string(buf, 2), "hi");
  }  // the owner ends here
  EXPECT_TRUE(closes(conn)) << "the connection outlived its owner";
  ::close(conn);
}

}  // namespace
}  // namespace netactors
