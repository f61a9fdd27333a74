// net::udp_socket on a real loop thread over 127.0.0.1 and ::1: datagrams
// with their sender, empty and truncated datagrams, the named errors, the
// options as the far end (a plain POSIX socket) sees them, and a loop that
// closes clean. No CAF here, so TSan runs it.
#include "net/udp/udp_socket.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/core/loop.hpp"
#include "tests/udp/posix_udp.hpp"

namespace {

using netactors::testing::posix_udp;

// One observer callback, as the test thread sees it.
struct event {
  std::string kind;  // "datagram", "receive_error", "send_done", "closing"
  std::string sender;
  std::string bytes;
  bool truncated = false;
  uint64_t token = 0;
  std::string error;  // "" for success, else the uv error name
};

event make_event(std::string kind, std::string sender = {},
                 std::string bytes = {}, bool truncated = false,
                 uint64_t token = 0, std::string error = {}) {
  return event{std::move(kind), std::move(sender), std::move(bytes),
               truncated, token, std::move(error)};
}

// Events from the loop thread, waited for (bounded) on the test thread.
class recorder {
 public:
  void push(event e) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      events_.push_back(std::move(e));
    }
    cv_.notify_all();
  }

  /// The next event of `kind` not yet taken, waiting at most `timeout`.
  std::optional<event> next(const std::string& kind,
                            std::chrono::milliseconds timeout =
                                std::chrono::seconds(5)) {
    std::unique_lock<std::mutex> lock{mtx_};
    std::optional<event> found;
    cv_.wait_for(lock, timeout, [&] {
      for (auto& e : events_)
        if (e.kind == kind && !taken(e)) {
          found = e;
          e.kind = "taken " + e.kind;
          return true;
        }
      return false;
    });
    return found;
  }

  size_t count(const std::string& kind) {
    std::lock_guard<std::mutex> guard{mtx_};
    size_t n = 0;
    for (auto& e : events_) n += e.kind == kind || e.kind == "taken " + kind;
    return n;
  }

 private:
  static bool taken(const event& e) { return e.kind.rfind("taken ", 0) == 0; }

  std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<event> events_;
};

class recording_observer : public net::udp_socket::observer {
 public:
  explicit recording_observer(std::shared_ptr<recorder> r) : r_(std::move(r)) {}
  void on_datagram(net::endpoint sender, net::byte_buffer bytes,
                   bool truncated) override {
    r_->push(make_event("datagram", sender.to_string(), bytes.to_string(),
                        truncated));
  }
  void on_receive_error(net::uv_error reason) override {
    r_->push(make_event("receive_error", "", "", false, 0, reason.name()));
  }
  void on_send_done(uint64_t token, net::result<void> status) override {
    r_->push(make_event("send_done", "", "", false, token,
                        status ? "" : status.error().name()));
  }
  void on_closing() override { r_->push(make_event("closing")); }

 private:
  std::shared_ptr<recorder> r_;
};

template <class F>
auto on_loop(net::loop& l, F f) {
  std::promise<decltype(f(l))> p;
  auto fut = p.get_future();
  l.post([&](net::loop& lp) { p.set_value(f(lp)); });
  return fut.get();
}

net::endpoint ep(const char* text) { return *net::endpoint::parse(text); }

class udp_socket_test : public ::testing::Test {
 protected:
  ~udp_socket_test() override { EXPECT_EQ(lp.stop(), 0) << "a handle leaked"; }

  /// Opens a socket bound to `local`, receiving unless told otherwise.
  /// Returns its id; fails the test on error.
  net::handle_id open(const char* local, bool receive = true,
                      size_t buffer = net::loop::read_buffer_size,
                      net::udp_socket::bind_options opts = {}) {
    auto where = ep(local);
    return on_loop(lp, [&](net::loop& l) -> net::handle_id {
      auto s = net::udp_socket::create(
          l, where.family(), std::make_unique<recording_observer>(events));
      EXPECT_TRUE(s) << s.error().to_string();
      if (!s) return 0;
      auto bound = (*s)->bind(where, opts);
      EXPECT_TRUE(bound) << bound.error().to_string();
      if (receive) {
        auto started = (*s)->receive_start(buffer);
        EXPECT_TRUE(started) << started.error().to_string();
      }
      return (*s)->id();
    });
  }

  /// Runs `f` on the socket on the loop thread and returns the error name
  /// ("" for success).
  std::string with(net::handle_id id,
                   std::function<net::result<void>(net::udp_socket&)> f) {
    return on_loop(lp, [&](net::loop& l) -> std::string {
      auto* s = l.find_as<net::udp_socket>(id);
      if (s == nullptr) return "gone";
      auto r = f(*s);
      return r ? "" : r.error().name();
    });
  }

  net::endpoint local_of(net::handle_id id) {
    return on_loop(lp, [&](net::loop& l) {
      return *l.find_as<net::udp_socket>(id)->local_endpoint();
    });
  }

  std::string send(net::handle_id id, const std::string& to,
                   const std::string& bytes, uint64_t token) {
    auto peer = ep(to.c_str());
    return with(id, [&](net::udp_socket& s) {
      return s.send(peer, net::byte_buffer::copy_of(bytes), token);
    });
  }

  net::loop lp;
  std::shared_ptr<recorder> events = std::make_shared<recorder>();
};

TEST_F(udp_socket_test, port_zero_binds_a_real_port) {
  auto id = open("127.0.0.1:0");
  auto local = local_of(id);
  EXPECT_EQ(local.address(), "127.0.0.1");
  EXPECT_GT(local.port(), 0);
}

TEST_F(udp_socket_test, receives_a_datagram_with_its_senders_address) {
  auto id = open("127.0.0.1:0");
  posix_udp peer{AF_INET, "127.0.0.1"};
  ASSERT_TRUE(peer.send_to(std::string{"\x00\xffhello", 7}, "127.0.0.1",
                           local_of(id).port()));
  auto got = events->next("datagram");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->bytes, std::string("\x00\xffhello", 7));
  EXPECT_EQ(got->sender, "127.0.0.1:" + std::to_string(peer.port()));
  EXPECT_FALSE(got->truncated);
}

TEST_F(udp_socket_test, sends_a_datagram_and_reports_its_completion) {
  auto id = open("127.0.0.1:0", false);
  posix_udp peer{AF_INET, "127.0.0.1"};
  auto to = "127.0.0.1:" + std::to_string(peer.port());
  ASSERT_EQ(send(id, to, "first", 41), "");
  ASSERT_EQ(send(id, to, std::string(20000, 'x'), 42), "");
  auto first = peer.receive();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->bytes, "first");
  EXPECT_EQ(first->sender, local_of(id).to_string());
  auto second = peer.receive();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->bytes, std::string(20000, 'x'));
  auto done1 = events->next("send_done");
  auto done2 = events->next("send_done");
  ASSERT_TRUE(done1 && done2);
  EXPECT_EQ(done1->token, 41u);
  EXPECT_EQ(done1->error, "");
  EXPECT_EQ(done2->token, 42u);
  EXPECT_EQ(done2->error, "");
}

TEST_F(udp_socket_test, sends_past_the_send_queue_limit_are_enobufs_until_the_queue_drains) {
  auto id = open("127.0.0.1:0", false);
  posix_udp peer{AF_INET, "127.0.0.1"};
  auto to = ep(("127.0.0.1:" + std::to_string(peer.port())).c_str());
  // One loop task: no send callback can run between the sends.
  auto names = on_loop(lp, [&](net::loop& l) -> std::string {
    auto* s = l.find_as<net::udp_socket>(id);
    s->set_send_queue_limit(100);
    std::string out;
    for (uint64_t token : {1, 2, 3}) {
      auto r = s->send(to, net::byte_buffer::copy_of(std::string(40, 'x')), token);
      out += r ? "ok " : r.error().name() + " ";
    }
    out += std::to_string(s->send_queue_bytes());
    return out;
  });
  EXPECT_EQ(names, "ok ok ENOBUFS 80");
  ASSERT_TRUE(events->next("send_done"));
  ASSERT_TRUE(events->next("send_done"));
  EXPECT_EQ(send(id, to.to_string(), std::string(40, 'y'), 4), "");  // drained
  ASSERT_TRUE(events->next("send_done"));
  EXPECT_EQ(with(id, [](net::udp_socket& s) -> net::result<void> {
              if (s.send_queue_bytes() != 0) return net::uv_error{UV_EINVAL, "queue not empty"};
              return {};
            }),
            "");
}

TEST_F(udp_socket_test, a_datagram_over_65535_bytes_is_emsgsize_and_nothing_is_sent) {
  auto id = open("127.0.0.1:0", false);
  posix_udp peer{AF_INET, "127.0.0.1"};
  auto to = "127.0.0.1:" + std::to_string(peer.port());
  EXPECT_EQ(send(id, to, std::string(65536, 'x'), 1), "EMSGSIZE");
  EXPECT_EQ(events->count("send_done"), 0u);
}

TEST_F(udp_socket_test, exchanges_datagrams_over_ipv6_only_sockets) {
  net::udp_socket::bind_options v6only;
  v6only.ipv6_only = true;
  auto a = open("[::1]:0", true, net::loop::read_buffer_size, v6only);
  auto b = open("[::1]:0", true, net::loop::read_buffer_size, v6only);
  ASSERT_EQ(send(a, local_of(b).to_string(), "over v6", 1), "");
  auto got = events->next("datagram");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->bytes, "over v6");
  EXPECT_EQ(got->sender, local_of(a).to_string());
}

TEST_F(udp_socket_test, ipv6_only_lets_an_ipv4_socket_share_the_port) {
  // Dual-stack [::]:P also takes IPv4 port P; IPv6-only leaves it free.
  auto dual = open("[::]:0", false);
  auto port = local_of(dual).port();
  auto v4 = ep("0.0.0.0:0");
  v4.set_port(port);
  auto clash = on_loop(lp, [&](net::loop& l) -> std::string {
    auto s = net::udp_socket::create(l, net::ip_family::v4, nullptr);
    auto r = (*s)->bind(v4, {});
    (*s)->close();
    return r ? "bound" : r.error().name() + " " + r.error().context();
  });
  EXPECT_EQ(clash, "EADDRINUSE bind " + v4.to_string());

  net::udp_socket::bind_options v6only;
  v6only.ipv6_only = true;
  auto only = open("[::]:0", false, net::loop::read_buffer_size, v6only);
  v4.set_port(local_of(only).port());
  auto shared = on_loop(lp, [&](net::loop& l) -> std::string {
    auto s = net::udp_socket::create(l, net::ip_family::v4, nullptr);
    auto r = (*s)->bind(v4, {});
    (*s)->close();
    return r ? "bound" : r.error().name();
  });
  EXPECT_EQ(shared, "bound");
}

TEST_F(udp_socket_test, reuse_address_lets_two_sockets_bind_one_port) {
  net::udp_socket::bind_options reuse;
  reuse.reuse_address = true;
  auto first = open("127.0.0.1:0", false, net::loop::read_buffer_size, reuse);
  auto taken = local_of(first);
  auto without = on_loop(lp, [&](net::loop& l) -> std::string {
    auto s = net::udp_socket::create(l, net::ip_family::v4, nullptr);
    auto r = (*s)->bind(taken, {});
    (*s)->close();
    return r ? "bound" : r.error().name();
  });
  EXPECT_EQ(without, "EADDRINUSE");
  auto with_reuse = on_loop(lp, [&](net::loop& l) -> std::string {
    auto s = net::udp_socket::create(l, net::ip_family::v4, nullptr);
    auto r = (*s)->bind(taken, reuse);
    (*s)->close();
    return r ? "bound" : r.error().name();
  });
  EXPECT_EQ(with_reuse, "bound");
}

TEST_F(udp_socket_test, an_empty_datagram_arrives_as_an_empty_datagram) {
  auto id = open("127.0.0.1:0");
  posix_udp peer{AF_INET, "127.0.0.1"};
  ASSERT_TRUE(peer.send_to("", "127.0.0.1", local_of(id).port()));
  ASSERT_TRUE(peer.send_to("after", "127.0.0.1", local_of(id).port()));
  auto empty = events->next("datagram");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->bytes, "");
  EXPECT_FALSE(empty->truncated);
  EXPECT_EQ(empty->sender, "127.0.0.1:" + std::to_string(peer.port()));
  auto after = events->next("datagram");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->bytes, "after");
}

TEST_F(udp_socket_test, sends_an_empty_datagram) {
  auto id = open("127.0.0.1:0", false);
  posix_udp peer{AF_INET, "127.0.0.1"};
  ASSERT_EQ(send(id, "127.0.0.1:" + std::to_string(peer.port()), "", 5), "");
  auto got = peer.receive();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->bytes, "");
  auto done = events->next("send_done");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->error, "");
}

TEST_F(udp_socket_test, a_datagram_larger_than_the_buffer_is_flagged_truncated) {
  auto id = open("127.0.0.1:0", true, 16);
  posix_udp peer{AF_INET, "127.0.0.1"};
  auto port = local_of(id).port();
  ASSERT_TRUE(peer.send_to("0123456789abcdefOVERFLOW", "127.0.0.1", port));
  ASSERT_TRUE(peer.send_to("0123456789abcdef", "127.0.0.1", port));
  auto cut = events->next("datagram");
  ASSERT_TRUE(cut);
  EXPECT_TRUE(cut->truncated);
  EXPECT_EQ(cut->bytes, "0123456789abcdef");
  auto whole = events->next("datagram");
  ASSERT_TRUE(whole);
  EXPECT_FALSE(whole->truncated);
  EXPECT_EQ(whole->bytes, "0123456789abcdef");
}

TEST_F(udp_socket_test, a_receive_buffer_outside_1_to_64k_is_einval) {
  auto id = open("127.0.0.1:0", false);
  EXPECT_EQ(with(id, [](net::udp_socket& s) { return s.receive_start(0); }),
            "EINVAL");
  EXPECT_EQ(with(id, [](net::udp_socket& s) {
              return s.receive_start(net::loop::read_buffer_size + 1);
            }),
            "EINVAL");
}

TEST_F(udp_socket_test, broadcast_without_the_option_is_eacces_and_with_it_arrives) {
  // 127.255.255.255 is lo's broadcast address: the datagram stays on lo.
  auto listener = open("0.0.0.0:0");
  auto to = "127.255.255.255:" + std::to_string(local_of(listener).port());
  auto sender = open("127.0.0.1:0", false);
  ASSERT_EQ(send(sender, to, "denied", 1), "");
  auto denied = events->next("send_done");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->token, 1u);
  EXPECT_EQ(denied->error, "EACCES");

  ASSERT_EQ(with(sender, [](net::udp_socket& s) { return s.set_broadcast(true); }), "");
  ASSERT_EQ(send(sender, to, "allowed", 2), "");
  auto allowed = events->next("send_done");
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->error, "");
  auto got = events->next("datagram");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->bytes, "allowed");
  EXPECT_EQ(got->sender, local_of(sender).to_string());

  ASSERT_EQ(with(sender, [](net::udp_socket& s) { return s.set_broadcast(false); }), "");
  ASSERT_EQ(send(sender, to, "denied again", 3), "");
  auto again = events->next("send_done");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->error, "EACCES");
  EXPECT_EQ(events->count("datagram"), 1u);
}

TEST_F(udp_socket_test, ttl_is_what_the_receiver_sees) {
  auto id = open("127.0.0.1:0", false);
  posix_udp peer{AF_INET, "127.0.0.1"};
  auto to = "127.0.0.1:" + std::to_string(peer.port());
  for (int ttl : {7, 1, 255}) {
    ASSERT_EQ(with(id, [ttl](net::udp_socket& s) { return s.set_ttl(ttl); }), "");
    ASSERT_EQ(send(id, to, "ttl", static_cast<uint64_t>(ttl)), "");
    auto got = peer.receive();
    ASSERT_TRUE(got);
    EXPECT_EQ(got->ttl, ttl);
  }
  EXPECT_EQ(with(id, [](net::udp_socket& s) { return s.set_ttl(0); }), "EINVAL");
  EXPECT_EQ(with(id, [](net::udp_socket& s) { return s.set_ttl(256); }), "EINVAL");
}

TEST_F(udp_socket_test, ipv6_hop_limit_is_what_the_receiver_sees) {
  auto id = open("[::1]:0", false);
  posix_udp peer{AF_INET6, "::1"};
  ASSERT_EQ(with(id, [](net::udp_socket& s) { return s.set_ttl(9); }), "");
  ASSERT_EQ(send(id, "[::1]:" + std::to_string(peer.port()), "hops", 1), "");
  auto got = peer.receive();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->ttl, 9);
}

TEST_F(udp_socket_test, bad_multicast_arguments_are_named_errors) {
  auto id = open("0.0.0.0:0", false);
  EXPECT_EQ(with(id, [](net::udp_socket& s) {
              return s.set_membership("not-a-group", "", true);
            }),
            "EINVAL");
  EXPECT_EQ(with(id, [](net::udp_socket& s) {
              return s.set_membership("239.1.2.3", "127.0.0.1", false);
            }),
            "EADDRNOTAVAIL");  // never joined
  EXPECT_EQ(with(id, [](net::udp_socket& s) {
              return s.set_multicast_interface("nonsense");
            }),
            "EINVAL");
  EXPECT_EQ(with(id, [](net::udp_socket& s) { return s.set_multicast_ttl(256); }),
            "EINVAL");
  EXPECT_EQ(with(id, [](net::udp_socket& s) { return s.set_multicast_ttl(3); }), "");
  EXPECT_EQ(with(id, [](net::udp_socket& s) { return s.set_multicast_loop(false); }),
            "");
  EXPECT_EQ(with(id, [](net::udp_socket& s) {
              return s.set_multicast_interface("127.0.0.1");
            }),
            "");
}

TEST_F(udp_socket_test, bind_to_device_names_an_unknown_interface_enodev) {
  auto id = open("127.0.0.1:0", false);
  EXPECT_EQ(with(id, [](net::udp_socket& s) {
              return s.bind_to_device("no-such-if0");
            }),
            "ENODEV");
  EXPECT_EQ(with(id, [](net::udp_socket& s) {
              return s.bind_to_device(std::string(40, 'x'));
            }),
            "EINVAL");
  EXPECT_EQ(with(id, [](net::udp_socket& s) { return s.bind_to_device("lo"); }), "");
}

TEST_F(udp_socket_test, a_socket_bound_to_lo_still_talks_over_lo) {
  auto id = on_loop(lp, [&](net::loop& l) -> net::handle_id {
    auto s = net::udp_socket::create(l, net::ip_family::v4,
                                     std::make_unique<recording_observer>(events));
    EXPECT_TRUE((*s)->bind_to_device("lo"));  // before bind, as DHCP does
    EXPECT_TRUE((*s)->bind(ep("127.0.0.1:0"), {}));
    EXPECT_TRUE((*s)->receive_start());
    return (*s)->id();
  });
  posix_udp peer{AF_INET, "127.0.0.1"};
  ASSERT_TRUE(peer.send_to("via lo", "127.0.0.1", local_of(id).port()));
  auto got = events->next("datagram");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->bytes, "via lo");
}

TEST_F(udp_socket_test, stopped_receiving_delivers_nothing_until_started_again) {
  auto id = open("127.0.0.1:0");
  ASSERT_EQ(with(id, [](net::udp_socket& s) { return s.receive_stop(); }), "");
  posix_udp peer{AF_INET, "127.0.0.1"};
  ASSERT_TRUE(peer.send_to("queued", "127.0.0.1", local_of(id).port()));
  EXPECT_FALSE(events->next("datagram", std::chrono::milliseconds(200)));
  ASSERT_EQ(with(id, [](net::udp_socket& s) { return s.receive_start(); }), "");
  auto got = events->next("datagram");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->bytes, "queued");
}

TEST_F(udp_socket_test, closing_with_sends_in_flight_reports_closing_and_nothing_after) {
  auto id = open("127.0.0.1:0");
  posix_udp peer{AF_INET, "127.0.0.1"};
  auto to = ep(("127.0.0.1:" + std::to_string(peer.port())).c_str());
  on_loop(lp, [&](net::loop& l) {
    auto* s = l.find_as<net::udp_socket>(id);
    for (uint64_t i = 0; i < 100; ++i)
      EXPECT_TRUE(s->send(to, net::byte_buffer::copy_of("x"), i));
    // Their callbacks are still to come (libuv runs them on a later turn).
    s->close();
    auto after = s->send(to, net::byte_buffer::copy_of("late"), 999);
    EXPECT_FALSE(after);
    if (!after) {
      EXPECT_EQ(after.error().name(), "ECANCELED");
    }
    return 0;
  });
  ASSERT_TRUE(events->next("closing"));
  size_t left = 1;
  for (int i = 0; i < 200 && left != 0; ++i) {
    left = on_loop(lp, [](net::loop& l) { return l.handle_count(); });
    if (left != 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(left, 0u) << "the socket was not freed by its close callback";
  EXPECT_EQ(events->count("send_done"), 0u);
}

TEST_F(udp_socket_test, many_datagrams_both_ways_arrive_intact) {
  // Two sockets on one loop, 100 datagrams each way (well inside the default
  // receive buffer), every payload checked.
  auto a = open("127.0.0.1:0");
  auto b = open("127.0.0.1:0");
  auto to_a = local_of(a).to_string();
  auto to_b = local_of(b).to_string();
  on_loop(lp, [&](net::loop& l) {
    for (int i = 0; i < 100; ++i) {
      auto payload = std::to_string(i) + std::string(static_cast<size_t>(i), 'p');
      EXPECT_TRUE(l.find_as<net::udp_socket>(a)->send(
          ep(to_b.c_str()), net::byte_buffer::copy_of(payload), 0));
      EXPECT_TRUE(l.find_as<net::udp_socket>(b)->send(
          ep(to_a.c_str()), net::byte_buffer::copy_of(payload), 0));
    }
    return 0;
  });
  std::vector<int> seen_from_a(100, 0), seen_from_b(100, 0);
  for (int i = 0; i < 200; ++i) {
    auto d = events->next("datagram");
    ASSERT_TRUE(d) << "after " << i << " datagrams";
    auto n = std::stoi(d->bytes);
    ASSERT_EQ(d->bytes, std::to_string(n) + std::string(static_cast<size_t>(n), 'p'));
    (d->sender == to_a ? seen_from_a : seen_from_b)[static_cast<size_t>(n)]++;
  }
  EXPECT_EQ(seen_from_a, std::vector<int>(100, 1));
  EXPECT_EQ(seen_from_b, std::vector<int>(100, 1));
}

}  // namespace
