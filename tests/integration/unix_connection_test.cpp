// The tcp_* actors over a Unix-domain socket: a real runtime with two loops,
// a tcp_listener at a path under TEST_TMPDIR whose connections go to
// echo_handlers, and tcp_connection clients owned by the test. The same
// protocol as TCP: open, data both ways, half-close, close; the endpoints
// hold the path; TCP's options are accepted and do nothing; the socket file
// is 0600 and goes when the listener ends.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <string>

#include "actors/messages/net_error.hpp"
#include "actors/core/runtime.hpp"
#include "actors/echo/echo.hpp"
#include "actors/messages/messages.hpp"
#include "actors/tcp/tcp_listener.hpp"
#include "net/core/endpoint.hpp"

using namespace netactors;
using namespace std::chrono_literals;

namespace {

constexpr auto hang_guard = 20s;

// Bazel's TEST_TMPDIR is longer than a socket path may be (107 bytes):
// the test works from inside it with a relative path.
std::string socket_path(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  EXPECT_EQ(::chdir(dir ? dir : "/tmp"), 0);
  ::unlink(name.c_str());
  return name;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string name_of(const caf::error& e) { return to_net_error(e).name; }

class unix_connection : public ::testing::Test {
 protected:
  void SetUp() override {
    add_message_types(cfg_);
    cfg_.set("logger.verbosity", caf::atom("quiet"));
    rt_ = std::make_unique<runtime>(cfg_, 2);
  }
  void TearDown() override { rt_.reset(); }

  // Waits until every task posted to loop `i` before this one has run.
  void drain_loop(size_t i) {
    std::promise<void> done;
    ASSERT_TRUE(rt_->loop_at(i).loop().post([&](net::loop&) { done.set_value(); }));
    ASSERT_EQ(done.get_future().wait_for(hang_guard), std::future_status::ready);
  }

  // A listener at `path` handing each connection to a new echo_handler.
  tcp_listener_actor listen(caf::scoped_actor& self, const std::string& path,
                    std::string* bound) {
    tcp_connection_handler handler;
    handler.factory = [](loop_context& ctx) {
      return ctx.spawn(echo_handler, caf::actor{});
    };
    auto listener = spawn_tcp_listener(*rt_, handler);
    self->request(listener, hang_guard,
                  tcp_listen{*net::endpoint::parse("unix:" + path)})
        .receive([&](tcp_listening& ok) { *bound = ok.address.to_string(); },
                 [&](caf::error& e) { *bound = "error " + name_of(e); });
    return listener;
  }

  caf::actor_system_config cfg_;
  std::unique_ptr<runtime> rt_;
};

TEST_F(unix_connection, echoes_through_the_connection_actor_and_half_closes) {
  auto path = socket_path("actors.sock");
  caf::scoped_actor self{rt_->system()};
  std::string bound;
  auto listener = listen(self, path, &bound);
  ASSERT_EQ(bound, "unix:" + path);
  struct stat st;
  ASSERT_EQ(::lstat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  // Two clients over two loops: accepted connections are handed round
  // robin, so some leave the listener's loop by their descriptor
  // (adopt_pipe_socket).
  for (int client = 0; client < 2; ++client) {
    SCOPED_TRACE("client " + std::to_string(client));
    auto conn = spawn_tcp_connection(*rt_, caf::actor_cast<caf::actor>(self));
    std::string opened = "no reply";
    self->request(conn, hang_guard, tcp_connect{*net::endpoint::parse("unix:" + path), 0})
        .receive(
            [&](tcp_connection_opened& ev) {
              opened = ev.local.to_string() + " -> " + ev.peer.to_string();
            },
            [&](caf::error& e) { opened = "error " + name_of(e); });
    // The client's end is unnamed; the peer is the listener's path.
    EXPECT_EQ(opened, "unix: -> unix:" + path);
    // The owner also gets tcp_connection_opened as an event.
    bool event_seen = false;
    self->receive([&](tcp_connection_opened&) { event_seen = true; },
                  caf::after(hang_guard) >> [] {});
    EXPECT_TRUE(event_seen);
    // TCP's options are accepted on a Unix socket and do nothing.
    std::string options = "no reply";
    self->request(conn, hang_guard, tcp_set_nodelay{true})
        .receive([&] { options = "nodelay"; },
                 [&](caf::error& e) { options = "nodelay: " + name_of(e); });
    self->request(conn, hang_guard, tcp_set_keepalive{true, 30})
        .receive([&] { options += " keepalive"; },
                 [&](caf::error& e) { options += " keepalive: " + name_of(e); });
    EXPECT_EQ(options, "nodelay keepalive");
    std::string payload(200 * 1024 + client, 'u');
    self->send(conn, tcp_write{net::byte_buffer::copy_of(payload)});
    self->send(conn, tcp_shutdown{});
    // The echo, then the peer's FIN (a request), then the end.
    std::string echoed;
    std::string read_end = "none";
    std::string closed = "none";
    bool done = false;
    while (!done) {
      self->receive(
          [&](tcp_received& r) { echoed += r.data.view(); },
          [&](tcp_read_closed& ev) { read_end = ev.reason.name; },
          [&](tcp_connection_closed& ev) {
            closed = ev.reason.ok() ? "clean" : ev.reason.name;
            done = true;
          },
          caf::after(hang_guard) >> [&] { done = true; });
    }
    EXPECT_EQ(echoed.size(), payload.size());
    EXPECT_TRUE(echoed == payload);
    EXPECT_EQ(read_end, "EOF");
    EXPECT_EQ(closed, "clean");
  }
  // The listener ends: its socket file goes with it.
  self->send_exit(listener, caf::exit_reason::user_shutdown);
  self->wait_for(listener);
  drain_loop(0);
  EXPECT_FALSE(exists(path));
}

TEST_F(unix_connection, a_listener_at_a_live_socket_fails_with_eaddrinuse) {
  auto path = socket_path("taken.sock");
  caf::scoped_actor self{rt_->system()};
  std::string first, second;
  auto listener = listen(self, path, &first);
  ASSERT_EQ(first, "unix:" + path);
  listen(self, path, &second);
  EXPECT_EQ(second, "error EADDRINUSE");
  EXPECT_TRUE(exists(path));  // still the first listener's
  self->send_exit(listener, caf::exit_reason::user_shutdown);
  self->wait_for(listener);
  drain_loop(0);
  EXPECT_FALSE(exists(path));
}

TEST_F(unix_connection, connecting_to_a_missing_socket_is_enoent) {
  auto path = socket_path("nobody.sock");
  caf::scoped_actor self{rt_->system()};
  auto conn = spawn_tcp_connection(*rt_, caf::actor_cast<caf::actor>(self));
  std::string name = "no reply";
  self->request(conn, hang_guard, tcp_connect{*net::endpoint::parse("unix:" + path), 0})
      .receive([&](tcp_connection_opened&) { name = "connected"; },
               [&](caf::error& e) { name = name_of(e); });
  EXPECT_EQ(name, "ENOENT");
}

}  // namespace
