// Integration tests of the TCP echo service as apps/echo_server wires it: a
// real netactors::runtime (1 or 2 loop threads), a tcp_listener whose factory
// hands every connection to its loop's echo_handler, real sockets on
// 127.0.0.1 and ::1, and clients that are plain POSIX sockets in threads
// (independent of netactors) or netactors' own spawn_echo_client sessions.
//
// Between each connection and its echo_handler sits a recording owner: it
// notes the connection actor (the sender of tcp_connection_opened), its
// backpressure and close events, and delegates every message unchanged, so
// the echo_handler still sees the connection as sender and still answers the
// tcp_read_closed request itself.
#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <caf/logger.hpp>

#include <dirent.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "actors/echo/echo.hpp"
#include "actors/messages/messages.hpp"
#include "actors/messages/net_error.hpp"
#include "actors/core/runtime.hpp"
#include "actors/tcp/tcp_listener.hpp"
#include "net/core/endpoint.hpp"
#include "tests/actors/any_reply.hpp"
#include "tests/integration/posix_client.hpp"

using namespace netactors;
using namespace integration;
using namespace std::chrono_literals;

namespace {

constexpr size_t kib = 1024;
constexpr size_t mib = 1024 * kib;

// One server-side connection as its owner saw it.
struct conn_record {
  tcp_connection_actor conn;
  uint64_t id = 0;
  net::endpoint peer;
  size_t loop = 0;
  int paused = 0;
  int resumed = 0;
  bool closed = false;
  std::string close_reason;  // empty after a clean close
};

using conn_map = std::map<uint64_t, conn_record>;

// What the server's connections did. Written by the recording owners on the
// loop threads, read by the test thread; all members are thread-safe.
class recorder {
 public:
  void opened(tcp_connection_actor conn, const tcp_connection_opened& ev, size_t loop) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto& r = conns_[ev.id];
    r.conn = std::move(conn);
    r.id = ev.id;
    r.peer = ev.peer;
    r.loop = loop;
    cv_.notify_all();
  }

  void backpressure(const tcp_backpressure& ev) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto& r = conns_[ev.id];
    ++(ev.above_high_water ? r.paused : r.resumed);
    cv_.notify_all();
  }

  void closed(const tcp_connection_closed& ev) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto& r = conns_[ev.id];
    r.closed = true;
    r.close_reason = ev.reason.ok() ? "" : ev.reason.name;
    r.conn = nullptr;  // the actor is gone; do not keep it alive
    cv_.notify_all();
  }

  /// Waits (bounded) until pred(connections) holds; returns whether it did.
  template <class Pred>
  bool wait(std::chrono::milliseconds timeout, Pred pred) {
    std::unique_lock<std::mutex> guard{mtx_};
    return cv_.wait_for(guard, timeout, [&] { return pred(conns_); });
  }

  /// The connection whose peer uses local port `port` (a client's port).
  std::optional<conn_record> by_peer_port(uint16_t port,
                                          std::chrono::milliseconds timeout) {
    std::optional<conn_record> out;
    wait(timeout, [&](const conn_map& m) {
      for (auto& entry : m)
        if (entry.second.peer.port() == port) {
          out = entry.second;
          return true;
        }
      return false;
    });
    return out;
  }

  conn_map snapshot() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return conns_;
  }

  /// Drops every connection handle (before the runtime goes away).
  void clear() {
    std::lock_guard<std::mutex> guard{mtx_};
    conns_.clear();
  }

 private:
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  conn_map conns_;
};

size_t count_if(const conn_map& m, bool (*pred)(const conn_record&)) {
  size_t n = 0;
  for (auto& entry : m) n += pred(entry.second) ? 1 : 0;
  return n;
}

// Owns connections on one loop on behalf of that loop's echo_handler.
caf::behavior recording_owner(caf::event_based_actor* self, caf::actor handler,
                              std::shared_ptr<recorder> rec, size_t loop) {
  return {
      [=](tcp_connection_opened& ev) {
        rec->opened(caf::actor_cast<tcp_connection_actor>(self->current_sender()), ev,
                    loop);
        return self->delegate(handler, std::move(ev));
      },
      [=](tcp_received& ev) { return self->delegate(handler, std::move(ev)); },
      [=](tcp_backpressure& ev) {
        rec->backpressure(ev);
        return self->delegate(handler, std::move(ev));
      },
      [=](tcp_read_closed& ev) {
        return self->delegate(handler, std::move(ev));
      },
      [=](tcp_connection_closed& ev) {
        rec->closed(ev);
        return self->delegate(handler, std::move(ev));
      },
  };
}

net::endpoint parse(const std::string& text) {
  auto ep = net::endpoint::parse(text);
  if (!ep) {
    ADD_FAILURE() << "bad endpoint " << text;
    return {};
  }
  return *ep;
}

// Random bytes from `rng` (a fixed seed makes every run send the same).
std::string random_bytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    auto x = rng();
    for (size_t j = 0; j < 8 && i + j < n; ++j)
      s[i + j] = static_cast<char>(x >> (8 * j));
  }
  return s;
}

std::string describe(const exchange_result& r) {
  return "sent " + std::to_string(r.sent) + ", received " +
         std::to_string(r.received.size()) + (r.eof ? ", EOF" : "") +
         (r.timed_out ? ", timed out" : "") +
         (r.error ? std::string{", "} + std::strerror(r.error) : "");
}

// Whether the listening IPv6 socket on `port` in this process has
// IPV6_V6ONLY set: 1 or 0, or -1 if no such socket was found.
int listening_v6only(uint16_t port) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int found = -1;
  while (auto* entry = ::readdir(dir)) {
    int fd = std::atoi(entry->d_name);
    if (fd <= 2 || fd == ::dirfd(dir)) continue;
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0 ||
        ss.ss_family != AF_INET6 ||
        ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port) != port)
      continue;
    int listening = 0;
    socklen_t ilen = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ilen) != 0 ||
        !listening)
      continue;
    int v6only = 0;
    ilen = sizeof v6only;
    if (::getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &ilen) == 0)
      found = v6only ? 1 : 0;
  }
  ::closedir(dir);
  return found;
}

class echo_service : public ::testing::Test {
 public:
  struct listen_outcome {
    net::endpoint address;
    std::string error;  // error_name of a failed tcp_listen, else empty
    tcp_listener_actor listener;
  };

  /// A runtime with `loops` loops, an echo_handler and a recording owner on
  /// each loop, and connection options for every accepted connection.
  void start_runtime(size_t loops, tcp_connection_options options = {}) {
    add_message_types(cfg_);
    cfg_.set("logger.verbosity", caf::atom("quiet"));
    rt_ = std::make_unique<runtime>(cfg_, loops);
    options_ = options;
    for (size_t i = 0; i < rt_->loop_count(); ++i) {
      handlers_.push_back(rt_->loop_at(i).spawn(echo_handler, caf::actor{}));
      owners_.push_back(
          rt_->loop_at(i).spawn(recording_owner, handlers_.back(), rec_, i));
    }
  }

  /// Spawns a listener whose factory returns the connection's loop's owner,
  /// and requests tcp_listen.
  listen_outcome listen(const std::string& address, bool ipv6_only = false) {
    tcp_connection_handler handler;
    handler.factory = [rt = rt_.get(), owners = owners_](loop_context& ctx) {
      for (size_t i = 0; i < rt->loop_count(); ++i)
        if (&rt->loop_at(i) == &ctx) return owners[i];
      return caf::actor{};
    };
    handler.options = options_;
    listen_outcome out;
    out.listener = spawn_tcp_listener(*rt_, handler);
    listeners_.push_back(out.listener);
    caf::scoped_actor self{rt_->system()};
    auto ok = netactors::testing::request_blocking_as<tcp_listening>(
        self, out.listener, 5s, tcp_listen{parse(address), 511, ipv6_only});
    if (ok)
      out.address = ok->address;
    else
      out.error = error_name(ok.error());
    return out;
  }

  /// listen() that must succeed; the bound address.
  net::endpoint listen_ok(const std::string& address, bool ipv6_only = false) {
    auto out = listen(address, ipv6_only);
    EXPECT_EQ(out.error, "") << "tcp_listen " << address;
    EXPECT_NE(out.address.port(), 0);
    return out.address;
  }

  /// The server-side connection's tcp_get_info, or nothing.
  std::optional<tcp_connection_info> info_of(const tcp_connection_actor& conn) {
    std::optional<tcp_connection_info> out;
    if (!conn) return out;
    caf::scoped_actor self{rt_->system()};
    auto info = netactors::testing::request_blocking_as<tcp_connection_info>(
        self, conn, 5s, tcp_get_info{});
    if (info)
      out = std::move(*info);
    else
      ADD_FAILURE() << "tcp_get_info: " << error_name(info.error());
    return out;
  }

  /// Sends exits to listeners, owners and handlers (connections end with
  /// their owner), then destroys the runtime, which waits for every actor.
  /// Returns how long the runtime's destruction took; one that hangs fails
  /// the test by Bazel's timeout.
  std::chrono::milliseconds stop() {
    if (!rt_) return 0ms;
    for (auto& a : listeners_)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    for (auto& a : owners_)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    for (auto& a : handlers_)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    listeners_.clear();
    owners_.clear();
    handlers_.clear();
    rec_->clear();
    auto begin = test_clock::now();
    rt_.reset();
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        test_clock::now() - begin);
  }

  void TearDown() override { stop(); }

  caf::actor_system_config cfg_;  // the actor system keeps a reference
  std::shared_ptr<recorder> rec_ = std::make_shared<recorder>();
  std::unique_ptr<runtime> rt_;
  tcp_connection_options options_;
  std::vector<caf::actor> handlers_;
  std::vector<caf::actor> owners_;
  std::vector<tcp_listener_actor> listeners_;
};

// One blocking POSIX client: connect, ping-pong `payload`, half-close, EOF.
// Returns an empty string or what went wrong.
std::string round_trip(const net::endpoint& server, const std::string& payload,
                       test_clock::time_point deadline) {
  std::string err;
  auto fd = connect_tcp(server.sockaddr_ptr(), server.sockaddr_len(), &err);
  if (!fd) return err;
  auto r = exchange(fd.get(), payload, payload.size(), true, deadline);
  if (r.error || r.timed_out || !r.eof) return describe(r);
  if (auto at = first_mismatch(r.received, payload); at != std::string::npos)
    return "echo differs at byte " + std::to_string(at) + " (" + describe(r) +
           ")";
  return "";
}

TEST_F(echo_service, listens_on_an_ephemeral_loopback_port) {
  start_runtime(1);
  auto ep = listen_ok("127.0.0.1:0");
  EXPECT_EQ(ep.address(), "127.0.0.1");
  EXPECT_EQ(round_trip(ep, "hello", test_clock::now() + 10s), "");
}

TEST_F(echo_service,
       echoes_every_random_byte_back_to_a_hundred_concurrent_clients) {
  start_runtime(2);
  auto ep = listen_ok("127.0.0.1:0");
  constexpr size_t clients = 100;
  constexpr size_t per_client = 3;
  std::mt19937_64 rng{0x6e65746163746f72};  // fixed: every run is the same
  // Sizes are log-uniform over 1 B .. 1 MiB so that both ends are common;
  // the extremes are always present.
  std::uniform_real_distribution<double> log_size{0.0, std::log(double(mib))};
  std::vector<std::vector<std::string>> payloads(clients);
  for (size_t i = 0; i < clients; ++i)
    for (size_t k = 0; k < per_client; ++k) {
      auto n = static_cast<size_t>(std::llround(std::exp(log_size(rng))));
      if (i == 0 && k == 0) n = 1;
      if (i == 1 || (i == 2 && k == 1)) n = mib;
      payloads[i].push_back(random_bytes(rng, std::clamp<size_t>(n, 1, mib)));
    }
  std::vector<std::string> failures(clients);
  std::vector<std::thread> threads;
  auto deadline = test_clock::now() + 90s;
  // Every client connects first and sends only once the server has all of
  // them open at once.
  std::mutex go_mtx;
  std::condition_variable go_cv;
  bool go = false;
  for (size_t i = 0; i < clients; ++i)
    threads.emplace_back([&, i] {
      std::string err;
      auto fd = connect_tcp(ep.sockaddr_ptr(), ep.sockaddr_len(), &err);
      {
        std::unique_lock<std::mutex> guard{go_mtx};
        go_cv.wait_until(guard, deadline, [&] { return go; });
      }
      if (!fd) {
        failures[i] = err;
        return;
      }
      for (size_t k = 0; k < per_client; ++k) {
        const auto& p = payloads[i][k];
        auto r = exchange(fd.get(), p, p.size(), false, deadline);
        auto at = first_mismatch(r.received, p);
        if (r.error || r.timed_out || r.eof || at != std::string::npos) {
          failures[i] = "payload " + std::to_string(k) + " of " +
                        std::to_string(p.size()) + " bytes: " + describe(r) +
                        (at != std::string::npos
                             ? ", first bad byte " + std::to_string(at)
                             : "");
          return;
        }
      }
      auto end = exchange(fd.get(), {}, 0, true, deadline);
      if (!end.eof || !end.received.empty())
        failures[i] = "after half-close: " + describe(end);
    });
  EXPECT_TRUE(
      rec_->wait(30s, [](const conn_map& m) { return m.size() == clients; }))
      << "the server never had all " << clients << " connections open";
  {
    std::lock_guard<std::mutex> guard{go_mtx};
    go = true;
  }
  go_cv.notify_all();
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < clients; ++i)
    EXPECT_EQ(failures[i], "") << "client " << i;
  // Every server-side connection ends cleanly after the half-close, and the
  // listener spread them over both loops.
  EXPECT_TRUE(rec_->wait(10s,
                         [](const conn_map& m) {
                           return m.size() == clients &&
                                  count_if(m, [](const conn_record& r) {
                                    return r.closed;
                                  }) == clients;
                         }))
      << rec_->snapshot().size() << " connections recorded";
  size_t per_loop[2] = {0, 0};
  for (auto& entry : rec_->snapshot()) {
    ++per_loop[entry.second.loop % 2];
    EXPECT_EQ(entry.second.close_reason, "") << "connection " << entry.first;
  }
  EXPECT_GT(per_loop[0], 0u);
  EXPECT_GT(per_loop[1], 0u);
}

TEST_F(echo_service, a_client_that_half_closes_still_gets_every_byte_then_eof) {
  start_runtime(2);
  auto ep = listen_ok("127.0.0.1:0");
  auto deadline = test_clock::now() + 30s;
  std::mt19937_64 rng{7};
  {
    // Small enough for the socket buffers: everything is sent and the write
    // side shut down before a single echoed byte is read.
    auto payload = random_bytes(rng, 48 * kib);
    std::string err;
    auto fd = connect_tcp(ep.sockaddr_ptr(), ep.sockaddr_len(), &err);
    ASSERT_TRUE(fd) << err;
    size_t sent = 0;
    while (sent < payload.size()) {
      auto n = ::send(fd.get(), payload.data() + sent, payload.size() - sent,
                      MSG_NOSIGNAL);
      ASSERT_GT(n, 0) << std::strerror(errno);
      sent += static_cast<size_t>(n);
    }
    ASSERT_EQ(::shutdown(fd.get(), SHUT_WR), 0);
    auto r = read_to_end(fd.get(), deadline);
    EXPECT_TRUE(r.eof) << describe(r);
    EXPECT_EQ(r.error, 0) << describe(r);
    EXPECT_EQ(r.received.size(), payload.size());
    EXPECT_EQ(first_mismatch(r.received, payload), std::string::npos);
  }
  {
    // Larger than every buffer on the way: the FIN follows writes the server
    // still has queued, paused and resumed.
    auto payload = random_bytes(rng, 8 * mib);
    std::string err;
    auto fd = connect_tcp(ep.sockaddr_ptr(), ep.sockaddr_len(), &err);
    ASSERT_TRUE(fd) << err;
    auto r = exchange(fd.get(), payload, payload.size(), true, deadline);
    EXPECT_TRUE(r.eof) << describe(r);
    EXPECT_EQ(r.error, 0) << describe(r);
    EXPECT_EQ(r.received.size(), payload.size());
    EXPECT_EQ(first_mismatch(r.received, payload), std::string::npos);
  }
  EXPECT_TRUE(rec_->wait(10s, [](const conn_map& m) {
    return m.size() == 2 && count_if(m, [](const conn_record& r) {
                              return r.closed && r.close_reason.empty();
                            }) == 2;
  }));
}

// Resets peers while the server has their echo writes queued; checks the
// server ends those connections and keeps serving new and old clients.
void reset_mid_echo_scenario(echo_service& t) {
  t.start_runtime(2);
  auto ep = t.listen_ok("127.0.0.1:0");
  auto deadline = test_clock::now() + 60s;
  // A bystander connection opened before the resets must keep working.
  std::string err;
  auto bystander = connect_tcp(ep.sockaddr_ptr(), ep.sockaddr_len(), &err);
  ASSERT_TRUE(bystander) << err;
  std::vector<uint64_t> reset_ids;
  for (int round = 0; round < 4; ++round) {
    auto fd = connect_tcp(ep.sockaddr_ptr(), ep.sockaddr_len(), &err);
    ASSERT_TRUE(fd) << err;
    // Never reading, the client fills every buffer until the server has
    // echo writes queued that the kernel will not take.
    auto f = flood(fd.get(), 32 * mib, 300ms, deadline);
    ASSERT_EQ(f.error, 0) << std::strerror(f.error);
    auto rec = t.rec_->by_peer_port(local_port(fd.get()), 5s);
    ASSERT_TRUE(rec) << "server never reported the connection";
    auto info = t.info_of(rec->conn);
    ASSERT_TRUE(info);
    EXPECT_GT(info->write_queue_bytes, 0u) << "the server is not mid-write";
    linger lg{1, 0};
    ASSERT_EQ(::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
    fd.reset();  // RST, with the server's echo writes in flight
    reset_ids.push_back(rec->id);
    auto id = rec->id;
    EXPECT_TRUE(t.rec_->wait(10s, [id](const conn_map& m) {
      auto it = m.find(id);
      return it != m.end() && it->second.closed;
    })) << "the reset connection never ended";
    // The server serves new clients after every reset.
    std::mt19937_64 rng(round);
    EXPECT_EQ(round_trip(ep, random_bytes(rng, 256 * kib), deadline), "")
        << "round " << round;
  }
  auto after = t.rec_->snapshot();
  for (auto id : reset_ids) {
    auto& reason = after[id].close_reason;
    EXPECT_TRUE(reason == "ECONNRESET" || reason == "EPIPE")
        << "connection " << id << " closed with \"" << reason << "\"";
  }
  auto r = exchange(bystander.get(), "still here", 10, true, deadline);
  EXPECT_EQ(r.received, "still here") << describe(r);
  EXPECT_TRUE(r.eof) << describe(r);
}

// BUG (net/, apps/echo_server.cpp): nothing in netactors ignores SIGPIPE.
// libuv writes with write(2), so an echo write to a peer that has reset (or
// closed) raises SIGPIPE and kills the whole process (exit status 141 for
// echo_server). libuv leaves SIGPIPE to the application. The scenario runs in
// a child process (a death test) so that the crash fails this test instead of
// killing the test binary; it fails until SIGPIPE is ignored (e.g.
// signal(SIGPIPE, SIG_IGN) once when the first net::loop starts, or in every
// main).
TEST_F(echo_service,
       a_peer_that_resets_mid_echo_does_not_take_the_server_down) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        reset_mid_echo_scenario(*this);
        std::fflush(nullptr);
        std::_Exit(HasFailure() ? 1 : 0);
      },
      ::testing::ExitedWithCode(0), "")
      << "killed by signal 13 is SIGPIPE";
}

TEST_F(echo_service, connecting_to_a_closed_port_fails_with_econnrefused) {
  start_runtime(2);
  // A bound socket that does not listen: the port stays ours, and the kernel
  // answers every SYN with RST.
  auto closed = parse("127.0.0.1:0");
  std::string err;
  auto holder =
      bind_tcp(closed.sockaddr_ptr(), closed.sockaddr_len(), -1, &err);
  ASSERT_TRUE(holder) << err;
  closed.set_port(local_port(holder.get()));
  caf::scoped_actor self{rt_->system()};
  auto conn = spawn_tcp_connection(*rt_, caf::actor_cast<caf::actor>(self));
  auto opened = netactors::testing::request_blocking_as<tcp_connection_opened>(
      self, conn, 10s, tcp_connect{closed, 0});
  std::string name = opened ? "connected" : error_name(opened.error());
  EXPECT_EQ(name, "ECONNREFUSED");
  // The owner learns it too, and the connection actor ends.
  std::string closed_reason = "no tcp_connection_closed";
  self->receive(
      [&](tcp_connection_closed& ev) { closed_reason = ev.reason.name; },
      caf::after(10s) >> [] {});
  EXPECT_EQ(closed_reason, "ECONNREFUSED");
  // Our own echo client reports the same name.
  spawn_echo_client(*rt_, caf::actor_cast<caf::actor>(self),
                    echo_client_job{closed, {"x"}, 5000});
  std::string client_error = "no echo_client_result";
  self->receive([&](echo_client_result& r) { client_error = r.error; },
                caf::after(10s) >> [] {});
  EXPECT_EQ(client_error, "ECONNREFUSED");
}

TEST_F(echo_service, listening_on_a_port_in_use_fails_with_eaddrinuse) {
  start_runtime(1);
  caf::scoped_actor self{rt_->system()};
  auto expect_listener_ended = [&](const tcp_listener_actor& listener) {
    self->monitor(listener);
    bool down = false;
    self->receive([&](caf::down_msg&) { down = true; },
                  caf::after(5s) >> [] {});
    EXPECT_TRUE(down) << "a listener whose tcp_listen failed must end";
  };
  {
    // Held by a plain POSIX listener.
    auto any = parse("127.0.0.1:0");
    std::string err;
    auto taken = bind_tcp(any.sockaddr_ptr(), any.sockaddr_len(), 16, &err);
    ASSERT_TRUE(taken) << err;
    auto out = listen("127.0.0.1:" + std::to_string(local_port(taken.get())));
    EXPECT_EQ(out.error, "EADDRINUSE");
    expect_listener_ended(out.listener);
  }
  {
    // Held by one of our own listeners (libuv binds with SO_REUSEADDR).
    auto first = listen_ok("127.0.0.1:0");
    auto second = listen(first.to_string());
    EXPECT_EQ(second.error, "EADDRINUSE");
    expect_listener_ended(second.listener);
    EXPECT_EQ(round_trip(first, "first still serves", test_clock::now() + 10s),
              "");
  }
}

// high_water 256 KiB, low_water 64 KiB, the default 16 MiB limit. The echo
// handler pauses reading only once tcp_backpressure has reached it and its
// tcp_set_reading has come back, and the loop keeps reading meanwhile: on
// resuming with a full receive buffer the queue was seen to peak at up to
// ~6 MiB (about 24 x high_water). A limit closer to high_water than that
// ends the connection with ENOBUFS (see the report that came with this test).
TEST_F(
    echo_service,
    a_client_that_never_reads_cannot_grow_the_servers_write_queue_unbounded) {
  tcp_connection_options options;
  options.high_water = 256 * kib;
  options.low_water = 64 * kib;
  start_runtime(1, options);
  auto ep = listen_ok("127.0.0.1:0");
  auto deadline = test_clock::now() + 60s;
  std::string err;
  auto fd = connect_tcp(ep.sockaddr_ptr(), ep.sockaddr_len(), &err);
  ASSERT_TRUE(fd) << err;
  auto rss_before = rss_kib();
  ASSERT_GT(rss_before, 0);
  auto f = flood(fd.get(), 64 * mib, 500ms, test_clock::now() + 10s);
  ASSERT_EQ(f.error, 0) << std::strerror(f.error);
  auto rss_after = rss_kib();
  EXPECT_TRUE(f.stalled) << "the server kept reading: " << f.sent
                         << " bytes went out and the client read none";
  EXPECT_LT(f.sent, 64 * mib);
  auto rec = rec_->by_peer_port(local_port(fd.get()), 5s);
  ASSERT_TRUE(rec) << "server never reported the connection";
  auto info = info_of(rec->conn);
  ASSERT_TRUE(info) << "the connection ended (write queue limit?)";
  EXPECT_FALSE(info->reading) << "backpressure did not pause reading";
  EXPECT_GE(info->max_write_queue_bytes, options.high_water);
  EXPECT_LE(info->max_write_queue_bytes, info->write_queue_limit);
  EXPECT_EQ(info->write_queue_limit, options.write_queue_limit);
  EXPECT_GE(rec_->snapshot()[rec->id].paused, 1);
  EXPECT_LT(rss_after - rss_before, long(64 * mib / kib))
      << "RSS grew from " << rss_before << " KiB to " << rss_after << " KiB";
  std::printf(
      "flooded %llu bytes; server queue peaked at %llu bytes; RSS "
      "+%ld KiB\n",
      static_cast<unsigned long long>(f.sent),
      static_cast<unsigned long long>(info->max_write_queue_bytes),
      rss_after - rss_before);
  // Reading now drains everything in order: the server resumes (its
  // receive buffer is full, so it reads in bursts) and must still keep its
  // queue within the limit, or the connection dies with ENOBUFS.
  auto r = exchange(fd.get(), {}, f.sent, false, deadline);
  EXPECT_EQ(r.received.size(), f.sent) << describe(r);
  EXPECT_EQ(first_pattern_mismatch(0, r.received), std::string::npos);
  auto drained = info_of(rec->conn);
  ASSERT_TRUE(drained) << "the connection ended while draining: "
                       << rec_->snapshot()[rec->id].close_reason;
  EXPECT_LE(drained->max_write_queue_bytes, drained->write_queue_limit);
  EXPECT_EQ(drained->bytes_sent, f.sent);
  std::printf("queue peak over the whole exchange: %llu bytes\n",
              static_cast<unsigned long long>(drained->max_write_queue_bytes));
  // The read window bounds what can be in flight between the socket and the
  // echo writes once the queue passes high water (without it the peak was
  // ~6 MiB here). Measured peaks: 0.6 to 1.55 MiB with the 1 MiB window;
  // the bound asserted leaves room for a second window.
  EXPECT_LE(drained->max_write_queue_bytes,
            options.high_water + 2 * options.read_window + 2 * 64 * kib);
  // Then the half-close: EOF, and a clean end on the server.
  auto end = exchange(fd.get(), {}, 0, true, deadline);
  EXPECT_TRUE(end.eof) << describe(end);
  EXPECT_TRUE(end.received.empty()) << describe(end);
  auto id = rec->id;
  EXPECT_TRUE(rec_->wait(10s, [id](const conn_map& m) {
    auto it = m.find(id);
    return it != m.end() && it->second.closed;
  }));
  auto final_state = rec_->snapshot()[id];
  EXPECT_GE(final_state.resumed, 1);
  EXPECT_EQ(final_state.close_reason, "");
}

TEST_F(echo_service, echoes_over_ipv6_loopback) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "::1 is not available";
  start_runtime(2);
  auto ep = listen_ok("[::1]:0");
  EXPECT_EQ(ep.family(), net::ip_family::v6);
  EXPECT_EQ(ep.address(), "::1");
  std::mt19937_64 rng{6};
  EXPECT_EQ(
      round_trip(ep, random_bytes(rng, 300 * kib), test_clock::now() + 20s),
      "");
  auto conns = rec_->snapshot();
  ASSERT_EQ(conns.size(), 1u);
  EXPECT_EQ(conns.begin()->second.peer.address(), "::1");
}

TEST_F(echo_service, listens_ipv6_only_on_ipv6_loopback) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "::1 is not available";
  start_runtime(1);
  auto ep = listen_ok("[::1]:0", true);
  EXPECT_EQ(ep.family(), net::ip_family::v6);
  EXPECT_EQ(ep.address(), "::1");
  EXPECT_EQ(round_trip(ep, "v6 only", test_clock::now() + 10s), "");
}

// Whether this process may make a network namespace; probed in a forked
// child (which calls only async-signal-safe functions), so that this
// process stays where it is.
bool can_make_network_namespace() {
  pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) ::_exit(::unshare(CLONE_NEWNET) == 0 ? 0 : 1);
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Moves this process into a new network namespace whose only interface, lo,
// is brought up (127.0.0.1 and ::1 come with it). Call before any thread.
std::string enter_private_network_namespace() {
  if (::unshare(CLONE_NEWNET) != 0)
    return std::string{"unshare(CLONE_NEWNET): "} + std::strerror(errno);
  unique_fd s{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (!s || ::ioctl(s.get(), SIOCGIFFLAGS, &ifr) != 0)
    return std::string{"SIOCGIFFLAGS lo: "} + std::strerror(errno);
  ifr.ifr_flags |= IFF_UP;
  if (::ioctl(s.get(), SIOCSIFFLAGS, &ifr) != 0)
    return std::string{"SIOCSIFFLAGS lo: "} + std::strerror(errno);
  return "";
}

// A wildcard [::] listener with and without ipv6_only, where the wildcard
// reaches nothing but lo. See the test below.
void wildcard_ipv6_only_scenario(echo_service& t) {
  auto err = enter_private_network_namespace();
  ASSERT_EQ(err, "");
  ASSERT_TRUE(ipv6_loopback_available()) << "::1 did not come up with lo";
  t.start_runtime(1);
  auto dual = t.listen_ok("[::]:0", false);
  auto v6 = t.listen_ok("[::]:0", true);
  EXPECT_EQ(listening_v6only(dual.port()), 0);
  EXPECT_EQ(listening_v6only(v6.port()), 1);
  auto deadline = test_clock::now() + 20s;
  auto at = [](const char* host, uint16_t port) {
    return *net::endpoint::from_ip(host, port);
  };
  // Dual-stack: IPv4 clients arrive as IPv4-mapped IPv6 peers.
  EXPECT_EQ(round_trip(at("::1", dual.port()), "v6 to dual", deadline), "");
  EXPECT_EQ(round_trip(at("127.0.0.1", dual.port()), "v4 to dual", deadline),
            "");
  bool mapped_peer = false;
  for (auto& entry : t.rec_->snapshot())
    mapped_peer |= entry.second.peer.address() == "::ffff:127.0.0.1";
  EXPECT_TRUE(mapped_peer) << "no IPv4-mapped peer on the dual-stack listener";
  // ipv6_only: IPv6 clients only; the IPv4 port stays free for another
  // listener.
  EXPECT_EQ(round_trip(at("::1", v6.port()), "v6 to v6only", deadline), "");
  auto v4 = at("127.0.0.1", v6.port());
  std::string refused;
  EXPECT_FALSE(connect_tcp(v4.sockaddr_ptr(), v4.sockaddr_len(), &refused));
  EXPECT_NE(refused.find(std::strerror(ECONNREFUSED)), std::string::npos)
      << refused;
  auto beside = t.listen("0.0.0.0:" + std::to_string(v6.port()));
  EXPECT_EQ(beside.error, "") << "0.0.0.0 beside an ipv6_only [::] listener";
  EXPECT_EQ(round_trip(v4, "v4 beside v6only", deadline), "");
}

// ipv6_only is observable only on the wildcard address (Linux sets
// IPV6_V6ONLY by itself on a socket bound to ::1), and [::] must not be
// bound on the host. So this runs in a child process (a death test) that
// first moves into its own network namespace whose only interface is lo.
TEST_F(echo_service, ipv6_only_keeps_ipv4_clients_off_a_wildcard_listener) {
  if (!can_make_network_namespace())
    GTEST_SKIP() << "no permission to make a network namespace";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        wildcard_ipv6_only_scenario(*this);
        std::fflush(nullptr);
        std::_Exit(HasFailure() ? 1 : 0);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(echo_service, a_connect_nobody_answers_times_out_with_etimedout) {
  start_runtime(1);
  // Loopback only: a listener that never accepts, with its accept queue
  // full, makes Linux drop further SYNs, so a connect stays unanswered.
  auto any = parse("127.0.0.1:0");
  std::string err;
  auto full = bind_tcp(any.sockaddr_ptr(), any.sockaddr_len(), 0, &err);
  ASSERT_TRUE(full) << err;
  auto target = any;
  target.set_port(local_port(full.get()));
  std::vector<unique_fd> fillers;
  bool unanswered = false;
  for (int i = 0; i < 16 && !unanswered; ++i) {
    unique_fd fd{
        ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
    ASSERT_TRUE(fd);
    int rc = ::connect(fd.get(), target.sockaddr_ptr(), target.sockaddr_len());
    if (rc != 0 && errno != EINPROGRESS) FAIL() << std::strerror(errno);
    pollfd p{fd.get(), POLLOUT, 0};
    unanswered = rc != 0 && ::poll(&p, 1, 300) == 0;
    fillers.push_back(std::move(fd));
  }
  if (!unanswered)
    GTEST_SKIP() << "this kernel answered every SYN; no loopback way to get "
                    "an unanswered connect";
  caf::scoped_actor self{rt_->system()};
  auto conn = spawn_tcp_connection(*rt_, caf::actor_cast<caf::actor>(self));
  auto begin = test_clock::now();
  auto opened = netactors::testing::request_blocking_as<tcp_connection_opened>(
      self, conn, 10s, tcp_connect{target, 300});
  std::string name = opened ? "connected" : error_name(opened.error());
  auto took = test_clock::now() - begin;
  EXPECT_EQ(name, "ETIMEDOUT");
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 5s);
}

TEST_F(echo_service, our_own_echo_clients_get_every_message_back) {
  start_runtime(2);
  auto ep = listen_ok("127.0.0.1:0");
  std::mt19937_64 rng{42};
  std::vector<std::string> messages{"a", random_bytes(rng, 1000),
                                    random_bytes(rng, mib), "last"};
  uint64_t total = 0;
  for (auto& m : messages) total += m.size();
  caf::scoped_actor self{rt_->system()};
  constexpr int sessions = 8;
  for (int i = 0; i < sessions; ++i)
    spawn_echo_client(*rt_, caf::actor_cast<caf::actor>(self),
                      echo_client_job{ep, messages, 5000});
  for (int i = 0; i < sessions; ++i) {
    std::optional<echo_client_result> r;
    self->receive([&](echo_client_result& x) { r = std::move(x); },
                  caf::after(60s) >> [] {});
    ASSERT_TRUE(r) << "session " << i << " never finished";
    EXPECT_EQ(r->error, "");
    EXPECT_EQ(r->mismatches, 0u);
    EXPECT_EQ(r->messages, messages.size());
    EXPECT_EQ(r->bytes, total);
    EXPECT_EQ(r->round_trip_us.size(), messages.size());
  }
}

TEST_F(echo_service,
       destroying_the_runtime_with_open_connections_ends_them_all) {
  start_runtime(2);
  auto ep = listen_ok("127.0.0.1:0");
  auto deadline = test_clock::now() + 30s;
  std::vector<unique_fd> idle;
  std::string err;
  for (int i = 0; i < 20; ++i) {
    auto fd = connect_tcp(ep.sockaddr_ptr(), ep.sockaddr_len(), &err);
    ASSERT_TRUE(fd) << err;
    auto r = exchange(fd.get(), "ping", 4, false, deadline);
    ASSERT_EQ(r.received, "ping") << describe(r);
    idle.push_back(std::move(fd));
  }
  // One more with echo writes stuck in the server's queue.
  auto busy = connect_tcp(ep.sockaddr_ptr(), ep.sockaddr_len(), &err);
  ASSERT_TRUE(busy) << err;
  auto f = flood(busy.get(), 32 * mib, 300ms, deadline);
  ASSERT_EQ(f.error, 0);
  ASSERT_TRUE(rec_->wait(5s, [](const conn_map& m) { return m.size() == 21; }));
  auto took = stop();
  EXPECT_LT(took, 10s);
  // Every client sees its connection end: EOF, or a reset for the one whose
  // unread data the server discarded.
  for (size_t i = 0; i < idle.size(); ++i) {
    auto r = read_to_end(idle[i].get(), test_clock::now() + 5s);
    EXPECT_TRUE(r.eof || r.error != 0) << "client " << i << ": " << describe(r);
    EXPECT_FALSE(r.timed_out) << "client " << i;
  }
  auto r = read_to_end(busy.get(), test_clock::now() + 5s);
  EXPECT_TRUE(r.eof || r.error != 0) << describe(r);
  EXPECT_FALSE(r.timed_out);
}

// -- flow control, timeouts, lifetime ---------------------------------------

using release_atom = caf::atom_constant<caf::atom("release")>;

// What a hoarding owner got: every byte, and the requests it holds.
struct hoard {
  std::mutex mtx;
  std::condition_variable cv;
  tcp_connection_actor conn;
  std::string data;
  std::string closed;  // the close reason once closed ("-" for a clean close)
};

// An owner that keeps every byte and never acknowledges a read-window
// marker until it gets release_atom: a slow or stuck consumer.
caf::behavior hoarder(caf::event_based_actor* self, std::shared_ptr<hoard> h) {
  auto held = std::make_shared<std::vector<caf::response_promise>>();
  return {
      [=](tcp_connection_opened&) {
        std::lock_guard<std::mutex> guard{h->mtx};
        h->conn = caf::actor_cast<tcp_connection_actor>(self->current_sender());
        h->cv.notify_all();
      },
      [=](tcp_received& ev) {
        if (self->current_message_id().is_request())
          held->push_back(self->make_response_promise());
        std::lock_guard<std::mutex> guard{h->mtx};
        h->data += ev.data.view();
        h->cv.notify_all();
      },
      [=](release_atom) {
        for (auto& rp : *held) rp.deliver(caf::unit);
        held->clear();
      },
      [=](tcp_read_closed&) {},
      [=](tcp_backpressure&) {},
      [=](tcp_connection_closed& ev) {
        std::lock_guard<std::mutex> guard{h->mtx};
        h->closed = ev.reason.ok() ? "-" : ev.reason.name;
        h->conn = nullptr;
        h->cv.notify_all();
      },
  };
}

TEST_F(echo_service, a_connection_stops_reading_while_its_owner_holds_a_full_read_window) {
  tcp_connection_options options;
  options.read_window = 128 * kib;
  start_runtime(1, options);
  auto h = std::make_shared<hoard>();
  auto owner = rt_->loop_at(0).spawn(hoarder, h);
  owners_.push_back(owner);
  tcp_connection_handler handler;
  handler.actor = owner;
  handler.options = options;
  auto listener = spawn_tcp_listener(*rt_, handler);
  listeners_.push_back(listener);
  net::endpoint ep;
  {
    caf::scoped_actor self{rt_->system()};
    auto ok = netactors::testing::request_blocking_as<tcp_listening>(
        self, listener, 5s, tcp_listen{parse("127.0.0.1:0"), 511, false});
    ASSERT_TRUE(ok) << error_name(ok.error());
    ep = ok->address;
  }
  std::string err;
  auto fd = connect_tcp(ep.sockaddr_ptr(), ep.sockaddr_len(), &err);
  ASSERT_TRUE(fd) << err;
  // The peer writes until its sends block: the server stopped reading.
  auto f = flood(fd.get(), 64 * mib, 500ms, test_clock::now() + 20s);
  ASSERT_EQ(f.error, 0) << std::strerror(f.error);
  EXPECT_TRUE(f.stalled) << "the server kept reading: " << f.sent << " bytes went out";
  tcp_connection_actor conn;
  size_t held_bytes = 0;
  {
    std::unique_lock<std::mutex> guard{h->mtx};
    ASSERT_TRUE(h->cv.wait_for(guard, 5s, [&] { return h->conn != nullptr; }));
    conn = h->conn;
    held_bytes = h->data.size();
  }
  auto info = info_of(conn);
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->reading);
  EXPECT_EQ(info->read_window, options.read_window);
  // What the owner holds unconsumed: at most the window and one read.
  EXPECT_LE(held_bytes, options.read_window + 64 * kib);
  EXPECT_EQ(info->unconsumed_bytes, held_bytes);
  EXPECT_GT(f.sent, held_bytes + 64 * kib) << "the rest waits in the kernel";
  std::printf("peer sent %llu bytes before blocking; owner holds %zu (window %llu)\n",
              static_cast<unsigned long long>(f.sent), held_bytes,
              static_cast<unsigned long long>(options.read_window));
  // Consuming lets the rest in, in order, a window at a time.
  for (int round = 0; round < 10000; ++round) {
    caf::anon_send(owner, release_atom::value);
    std::unique_lock<std::mutex> guard{h->mtx};
    auto before = h->data.size();
    if (before == f.sent) break;
    ASSERT_TRUE(h->cv.wait_for(guard, 10s, [&] { return h->data.size() > before; }))
        << "no more bytes after an ack; " << before << " of " << f.sent;
  }
  std::lock_guard<std::mutex> guard{h->mtx};
  EXPECT_EQ(h->data.size(), f.sent);
  EXPECT_EQ(first_pattern_mismatch(0, h->data), std::string::npos);
}

TEST_F(echo_service, an_idle_connection_ends_with_etimedout_after_its_idle_timeout) {
  tcp_connection_options options;
  options.idle_timeout_ms = 200;
  start_runtime(1, options);
  auto ep = listen_ok("127.0.0.1:0");
  std::string err;
  auto fd = connect_tcp(ep.sockaddr_ptr(), ep.sockaddr_len(), &err);
  ASSERT_TRUE(fd) << err;
  auto r = exchange(fd.get(), "ping", 4, false, test_clock::now() + 10s);
  ASSERT_EQ(r.received, "ping") << describe(r);
  auto rec = rec_->by_peer_port(local_port(fd.get()), 5s);
  ASSERT_TRUE(rec);
  auto id = rec->id;
  // Then nothing: the server ends the connection and tells its owner.
  ASSERT_TRUE(rec_->wait(30s, [id](const conn_map& m) {
    auto it = m.find(id);
    return it != m.end() && it->second.closed;
  }));
  EXPECT_EQ(rec_->snapshot()[id].close_reason, "ETIMEDOUT");
  auto end = read_to_end(fd.get(), test_clock::now() + 10s);
  EXPECT_TRUE(end.eof || end.error != 0) << describe(end);
}

// The listener sets both on its own socket, and accepted sockets inherit them.
TEST_F(echo_service, accepted_connections_have_keepalive_and_nodelay_on) {
  start_runtime(1);
  auto ep = listen_ok("127.0.0.1:0");
  std::string err;
  auto fd = connect_tcp(ep.sockaddr_ptr(), ep.sockaddr_len(), &err);
  ASSERT_TRUE(fd) << err;
  auto r = exchange(fd.get(), "ping", 4, false, test_clock::now() + 10s);
  ASSERT_EQ(r.received, "ping") << describe(r);
  // The server's socket is in this process: find it by its peer's port.
  auto client_port = local_port(fd.get());
  int keepalive = -1, idle = -1, interval = -1, count = -1, nodelay = -1;
  DIR* dir = ::opendir("/proc/self/fd");
  ASSERT_NE(dir, nullptr);
  while (auto* entry = ::readdir(dir)) {
    int s = std::atoi(entry->d_name);
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (s <= 2 || s == fd.get() ||
        ::getpeername(s, reinterpret_cast<sockaddr*>(&ss), &len) != 0 ||
        ss.ss_family != AF_INET ||
        ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port) != client_port)
      continue;
    socklen_t il = sizeof(int);
    ::getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &keepalive, &il);
    ::getsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &idle, &il);
    ::getsockopt(s, IPPROTO_TCP, TCP_KEEPINTVL, &interval, &il);
    ::getsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, &count, &il);
    ::getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &nodelay, &il);
  }
  ::closedir(dir);
  EXPECT_EQ(keepalive, 1);
  EXPECT_EQ(idle, 60);
  EXPECT_EQ(interval, 10);
  EXPECT_EQ(count, 6);
  EXPECT_EQ(nodelay, 1);
}

TEST_F(echo_service, an_unconnected_connection_whose_handle_is_dropped_ends) {
  start_runtime(1);
  caf::scoped_actor self{rt_->system()};
  {
    auto conn = spawn_tcp_connection(*rt_, owners_[0]);
    self->monitor(conn);
  }  // nobody holds it now, and it never connected
  bool ended = false;
  self->receive([&](caf::down_msg&) { ended = true; },
                caf::after(std::chrono::seconds(30)) >> [] {});
  EXPECT_TRUE(ended);
}

}  // namespace
