// net/ TCP on a real loop thread over 127.0.0.1: a whole exchange, the named
// errors, then a loop that closes clean. No CAF here, so TSan runs it.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <future>
#include <memory>
#include <string>

#include "net/core/loop.hpp"
#include "net/tcp/tcp_listener.hpp"
#include "net/tcp/tcp_stream.hpp"
#include "tests/net/stream_peers.hpp"

namespace {

using stream_peers::client_observer;
using stream_peers::echo_observer;

class echo_acceptor : public net::tcp_listener::observer {
 public:
  void on_accept(net::result<net::tcp_stream*> s) override {
    ASSERT_TRUE(s) << s.error().to_string();
    auto* stream = *s;
    stream->set_observer(
        std::make_unique<echo_observer>(stream->owner(), stream->id()));
    ASSERT_TRUE(stream->read_start());
  }
  void on_closing() override {}
};

template <class F>
auto on_loop(net::loop& l, F f) {
  std::promise<decltype(f(l))> p;
  auto fut = p.get_future();
  l.post([&](net::loop& lp) { p.set_value(f(lp)); });
  return fut.get();
}

TEST(tcp, echoes_a_large_payload_through_half_close_and_closes_clean) {
  net::loop lp;
  auto port = on_loop(lp, [](net::loop& l) -> int {
    auto ep = net::endpoint::parse("127.0.0.1:0");
    auto lis = net::tcp_listener::create(l, *ep, {},
                                         std::make_unique<echo_acceptor>());
    EXPECT_TRUE(lis);
    return (*lis)->local_endpoint()->port();
  });
  ASSERT_GT(port, 0);
  std::string payload(3 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < payload.size(); ++i)
    payload[i] = static_cast<char>(i * 131 + (i >> 9));
  std::promise<std::string> done;
  lp.post([&](net::loop& l) {
    auto obs = std::make_unique<client_observer>(l, payload, &done);
    auto* raw = obs.get();
    auto s = net::tcp_stream::create(l, std::move(obs));
    ASSERT_TRUE(s);
    raw->id = (*s)->id();
    ASSERT_TRUE((*s)->connect(*net::endpoint::from_ip("127.0.0.1", port)));
  });
  auto echoed = done.get_future().get();
  EXPECT_EQ(echoed.size(), payload.size());
  EXPECT_TRUE(echoed == payload);
  EXPECT_EQ(lp.stop(), 0);
}

TEST(tcp, reports_eaddrinuse_for_a_taken_port) {
  net::loop lp;
  auto names = on_loop(lp, [](net::loop& l) -> std::string {
    auto first = net::tcp_listener::create(l, *net::endpoint::parse("127.0.0.1:0"),
                                           {}, std::make_unique<echo_acceptor>());
    if (!first) return "first failed";
    auto taken = (*first)->local_endpoint();
    auto second = net::tcp_listener::create(l, *taken, {},
                                            std::make_unique<echo_acceptor>());
    if (second) return "second succeeded";
    return second.error().name() + " " + second.error().context();
  });
  EXPECT_EQ(names.rfind("EADDRINUSE listen on 127.0.0.1:", 0), 0u) << names;
  EXPECT_EQ(lp.stop(), 0);
}

class connect_result : public net::tcp_stream::observer {
 public:
  explicit connect_result(std::promise<std::string>* p) : p_(p) {}
  net::handle_id id = 0;
  net::loop* l = nullptr;
  void on_connect(net::result<void> st) override {
    p_->set_value(st ? "connected" : st.error().name());
    l->find(id)->close();
  }
  void on_read(net::byte_buffer) override {}
  void on_read_end(net::uv_error) override {}
  void on_write_done(uint64_t, net::result<void>) override {}
  void on_shutdown(net::result<void>) override {}
  void on_closing() override {}

 private:
  std::promise<std::string>* p_;
};

TEST(tcp, connecting_to_a_closed_port_is_econnrefused) {
  net::loop lp;
  // Find a free port by binding and closing a listener.
  auto port = on_loop(lp, [](net::loop& l) -> int {
    auto lis = net::tcp_listener::create(l, *net::endpoint::parse("127.0.0.1:0"),
                                         {}, std::make_unique<echo_acceptor>());
    int p = (*lis)->local_endpoint()->port();
    (*lis)->close();
    return p;
  });
  std::promise<std::string> result;
  lp.post([&](net::loop& l) {
    auto obs = std::make_unique<connect_result>(&result);
    auto* raw = obs.get();
    auto s = net::tcp_stream::create(l, std::move(obs));
    raw->id = (*s)->id();
    raw->l = &l;
    ASSERT_TRUE((*s)->connect(*net::endpoint::from_ip("127.0.0.1", port)));
  });
  EXPECT_EQ(result.get_future().get(), "ECONNREFUSED");
  EXPECT_EQ(lp.stop(), 0);
}

TEST(tcp, stop_closes_open_connections_and_cancels_their_writes) {
  net::loop lp;
  auto port = on_loop(lp, [](net::loop& l) -> int {
    auto lis = net::tcp_listener::create(l, *net::endpoint::parse("127.0.0.1:0"),
                                         {}, std::make_unique<echo_acceptor>());
    return (*lis)->local_endpoint()->port();
  });
  std::promise<std::string> never;  // the echo never completes: stop first
  lp.post([&](net::loop& l) {
    auto obs = std::make_unique<client_observer>(l, std::string(8 << 20, 'x'),
                                                 &never);
    auto* raw = obs.get();
    auto s = net::tcp_stream::create(l, std::move(obs));
    raw->id = (*s)->id();
    ASSERT_TRUE((*s)->connect(*net::endpoint::from_ip("127.0.0.1", port)));
  });
  EXPECT_EQ(lp.stop(), 0);
}

// Accepts and keeps one stream, for tests that act on the server side.
class keeping_acceptor : public net::tcp_listener::observer {
 public:
  std::function<void(net::tcp_stream&)> on_stream;
  void on_accept(net::result<net::tcp_stream*> s) override {
    ASSERT_TRUE(s) << s.error().to_string();
    if (on_stream) on_stream(**s);
  }
  void on_closing() override {}
};

// A blocking POSIX client on 127.0.0.1:port (a 10 s receive timeout keeps
// a broken test from hanging).
int posix_connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int listen_with(net::loop& lp, std::unique_ptr<keeping_acceptor> acceptor) {
  return on_loop(lp, [&](net::loop& l) -> int {
    auto lis = net::tcp_listener::create(l, *net::endpoint::parse("127.0.0.1:0"),
                                         {}, std::move(acceptor));
    EXPECT_TRUE(lis);
    return (*lis)->local_endpoint()->port();
  });
}

TEST(tcp, detach_socket_without_a_free_descriptor_is_emfile_and_closes_the_stream) {
  net::loop lp;
  std::promise<std::string> outcome;
  auto acceptor = std::make_unique<keeping_acceptor>();
  acceptor->on_stream = [&](net::tcp_stream& s) {
    // Descriptors run out: the lowest free one becomes the limit.
    int lowest_free = ::dup(0);
    ::close(lowest_free);
    rlimit saved{};
    ::getrlimit(RLIMIT_NOFILE, &saved);
    rlimit tight = saved;
    tight.rlim_cur = static_cast<rlim_t>(lowest_free);
    ::setrlimit(RLIMIT_NOFILE, &tight);
    auto fd = net::detach_socket(s);
    ::setrlimit(RLIMIT_NOFILE, &saved);
    outcome.set_value(fd ? "moved" : fd.error().name() + (s.is_closing() ? " closing" : " open"));
  };
  int port = listen_with(lp, std::move(acceptor));
  int client = posix_connect(port);
  ASSERT_GE(client, 0);
  EXPECT_EQ(outcome.get_future().get(), "EMFILE closing");
  // The peer is not left waiting: its connection ends.
  char byte;
  EXPECT_EQ(::recv(client, &byte, 1, 0), 0) << std::strerror(errno);
  ::close(client);
  EXPECT_EQ(lp.stop(), 0);
}

TEST(tcp, a_write_of_more_than_4_GiB_is_queued_whole_not_truncated) {
  net::loop lp;
  std::promise<std::string> outcome;
  auto acceptor = std::make_unique<keeping_acceptor>();
  acceptor->on_stream = [&](net::tcp_stream& s) {
    // Never touched, so never resident: only what the kernel copies out.
    const size_t size = (size_t{1} << 32) + 5;
    net::byte_buffer big{size};
    big.resize(size);
    auto r = s.write(std::move(big), 1);
    if (!r) return outcome.set_value(r.error().to_string());
    auto queued = s.write_queue_size();
    // The kernel took a few MiB at most; the rest waits in libuv's queue.
    outcome.set_value(
        std::string{*r == net::tcp_stream::write_status::pending ? "pending" : "completed"} +
        (queued > size - (64u << 20) && queued < size ? " whole" : " queued " + std::to_string(queued)));
    s.close();  // cancels the write
  };
  int port = listen_with(lp, std::move(acceptor));
  int client = posix_connect(port);
  ASSERT_GE(client, 0);
  EXPECT_EQ(outcome.get_future().get(), "pending whole");
  ::close(client);
  EXPECT_EQ(lp.stop(), 0);
}

TEST(tcp, write_bufs_splits_at_the_chunk_size) {
  char data[10];
  auto bufs = net::write_bufs(data, 10, 4);
  ASSERT_EQ(bufs.size(), 3u);
  EXPECT_EQ(bufs[0].base, data);
  EXPECT_EQ(bufs[0].len, 4u);
  EXPECT_EQ(bufs[1].base, data + 4);
  EXPECT_EQ(bufs[2].base, data + 8);
  EXPECT_EQ(bufs[2].len, 2u);
  EXPECT_EQ(net::write_bufs(data, 4, 4).size(), 1u);
}

TEST(tcp, a_read_limit_caps_the_bytes_of_each_read) {
  net::loop lp;
  std::promise<size_t> largest;
  struct limited_reader : net::tcp_stream::observer {
    std::promise<size_t>* out;
    size_t total = 0, max_read = 0;
    void on_connect(net::result<void>) override {}
    void on_read(net::byte_buffer b) override {
      total += b.size();
      max_read = std::max(max_read, b.size());
      if (total == 100000) out->set_value(max_read);
    }
    void on_read_end(net::uv_error) override {}
    void on_write_done(uint64_t, net::result<void>) override {}
    void on_shutdown(net::result<void>) override {}
    void on_closing() override {}
  };
  auto acceptor = std::make_unique<keeping_acceptor>();
  acceptor->on_stream = [&](net::tcp_stream& s) {
    auto r = std::make_unique<limited_reader>();
    r->out = &largest;
    s.set_observer(std::move(r));
    s.set_read_limit(1000);
    ASSERT_TRUE(s.read_start());
  };
  int port = listen_with(lp, std::move(acceptor));
  int client = posix_connect(port);
  ASSERT_GE(client, 0);
  std::string payload(100000, 'x');
  ASSERT_EQ(::send(client, payload.data(), payload.size(), 0), 100000);
  EXPECT_EQ(largest.get_future().get(), 1000u);
  ::close(client);
  EXPECT_EQ(lp.stop(), 0);
}

}  // namespace
