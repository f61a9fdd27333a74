// net/ Unix-domain stream sockets (libuv pipes) on a real loop thread, under
// TEST_TMPDIR: the socket file (mode, stale and live files, other files,
// removal), an echo through half-close, named errors. No CAF, so TSan runs it.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <memory>
#include <string>

#include "net/core/loop.hpp"
#include "net/unix/pipe_listener.hpp"
#include "net/unix/pipe_stream.hpp"
#include "tests/net/stream_peers.hpp"

namespace {

using stream_peers::client_observer;
using stream_peers::echo_observer;

constexpr auto hang_guard = std::chrono::seconds(20);

// A fresh path in the test's temporary directory, relative to it: Bazel's
// TEST_TMPDIR alone is longer than sun_path's 107 bytes, so the test works
// from inside it.
std::string socket_path(const std::string& name) {
  static bool inside = [] {
    const char* dir = std::getenv("TEST_TMPDIR");
    return ::chdir(dir ? dir : "/tmp") == 0;
  }();
  EXPECT_TRUE(inside);
  ::unlink(name.c_str());
  return name;
}

net::endpoint at(const std::string& path) { return *net::endpoint::from_path(path); }

template <class T>
T wait(std::future<T> f) {
  if (f.wait_for(hang_guard) != std::future_status::ready) {
    ADD_FAILURE() << "no answer within the hang guard";
    std::abort();
  }
  return f.get();
}

template <class F>
auto on_loop(net::loop& l, F f) {
  std::promise<decltype(f(l))> p;
  auto fut = p.get_future();
  l.post([&](net::loop& lp) { p.set_value(f(lp)); });
  return wait(std::move(fut));
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

// A plain POSIX Unix socket bound to `path`; listening when `listen` is set.
int posix_socket_at(const std::string& path, bool listen) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0)
      << std::strerror(errno);
  if (listen) {
    EXPECT_EQ(::listen(fd, 4), 0);
  }
  return fd;
}

int posix_connect(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0)
      << std::strerror(errno);
  return fd;
}

// Accepts into echo_observer; records the accepted stream's two names.
class echo_acceptor : public net::pipe_listener::observer {
 public:
  std::string accepted_local, accepted_peer;
  void on_accept(net::result<net::pipe_stream*> s) override {
    ASSERT_TRUE(s) << s.error().to_string();
    auto* stream = *s;
    accepted_local = stream->local_endpoint()->to_string();
    accepted_peer = stream->peer_endpoint()->to_string();
    stream->set_observer(
        std::make_unique<echo_observer>(stream->owner(), stream->id()));
    ASSERT_TRUE(stream->read_start());
  }
  void on_closing() override {}
};

// Runs one client exchange against `path` on `lp`; the echo, or the error.
std::string exchange(net::loop& lp, const std::string& path,
                     const std::string& payload) {
  std::promise<std::string> done;
  lp.post([&](net::loop& l) {
    auto obs = std::make_unique<client_observer>(l, payload, &done);
    auto* raw = obs.get();
    auto s = net::pipe_stream::create(l, std::move(obs));
    ASSERT_TRUE(s);
    raw->id = (*s)->id();
    ASSERT_TRUE((*s)->connect(at(path)));
  });
  return wait(done.get_future());
}

// Creates a listener at `path` on `lp`: its id, or the error as text.
struct listen_outcome {
  net::handle_id id = 0;
  std::string error;
  echo_acceptor* acceptor = nullptr;
};

listen_outcome listen_at(net::loop& lp, const std::string& path) {
  return on_loop(lp, [&](net::loop& l) {
    auto acceptor = std::make_unique<echo_acceptor>();
    auto* raw = acceptor.get();
    auto lis = net::pipe_listener::create(l, at(path), {}, std::move(acceptor));
    if (!lis) return listen_outcome{0, lis.error().to_string(), nullptr};
    return listen_outcome{(*lis)->id(), "", raw};
  });
}

// Closes handle `id` and waits until the loop has run the close.
void close_on_loop(net::loop& lp, net::handle_id id) {
  on_loop(lp, [id](net::loop& l) {
    l.close_handle(id);
    return 0;
  });
  on_loop(lp, [](net::loop&) { return 0; });  // after the close callbacks
}

TEST(unix_socket, creates_its_file_with_mode_0600_whatever_the_umask) {
  auto path = socket_path("mode.sock");
  net::loop lp;
  auto old_umask = ::umask(0);  // the most permissive: 0600 is not the umask's doing
  auto lis = listen_at(lp, path);
  ::umask(old_umask);
  ASSERT_EQ(lis.error, "");
  struct stat st;
  ASSERT_EQ(::lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  auto bound = on_loop(lp, [&](net::loop& l) {
    return l.find_as<net::pipe_listener>(lis.id)->local_endpoint()->to_string();
  });
  EXPECT_EQ(bound, "unix:" + path);
  EXPECT_EQ(lp.stop(), 0);
}

TEST(unix_socket, echoes_a_large_payload_through_half_close_and_names_both_ends) {
  auto path = socket_path("echo.sock");
  net::loop lp;
  auto lis = listen_at(lp, path);
  ASSERT_EQ(lis.error, "");
  std::string payload(3 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < payload.size(); ++i)
    payload[i] = static_cast<char>(i * 131 + (i >> 9));
  auto echoed = exchange(lp, path, payload);
  EXPECT_EQ(echoed.size(), payload.size());
  EXPECT_TRUE(echoed == payload);
  auto names = on_loop(lp, [&](net::loop&) {
    return lis.acceptor->accepted_local + " " + lis.acceptor->accepted_peer;
  });
  // The listening side is named by its path; the client's end is unnamed.
  EXPECT_EQ(names, "unix:" + path + " unix:");
  EXPECT_EQ(lp.stop(), 0);
}

TEST(unix_socket, removes_its_file_when_the_listener_closes) {
  auto path = socket_path("removed.sock");
  net::loop lp;
  auto lis = listen_at(lp, path);
  ASSERT_EQ(lis.error, "");
  ASSERT_TRUE(exists(path));
  close_on_loop(lp, lis.id);
  EXPECT_FALSE(exists(path));
  EXPECT_EQ(lp.stop(), 0);
}

TEST(unix_socket, leaves_a_file_that_replaced_its_socket_when_closing) {
  auto path = socket_path("replaced.sock");
  net::loop lp;
  auto lis = listen_at(lp, path);
  ASSERT_EQ(lis.error, "");
  ASSERT_EQ(::unlink(path.c_str()), 0);
  std::ofstream{path} << "someone else's";
  close_on_loop(lp, lis.id);
  std::ifstream in{path};
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "someone else's");
  EXPECT_EQ(lp.stop(), 0);
}

TEST(unix_socket, replaces_a_stale_socket_file) {
  auto path = socket_path("stale.sock");
  ::close(posix_socket_at(path, false));  // bound, closed: the file stays
  ASSERT_TRUE(exists(path));
  net::loop lp;
  auto lis = listen_at(lp, path);
  ASSERT_EQ(lis.error, "");
  EXPECT_EQ(exchange(lp, path, "after the stale one"), "after the stale one");
  EXPECT_EQ(lp.stop(), 0);
}

TEST(unix_socket, does_not_replace_a_live_listener) {
  auto path = socket_path("live.sock");
  int live = posix_socket_at(path, true);
  struct stat before;
  ASSERT_EQ(::lstat(path.c_str(), &before), 0);
  net::loop lp;
  auto lis = listen_at(lp, path);
  EXPECT_EQ(lis.error.rfind("EADDRINUSE", 0), 0u) << lis.error;
  EXPECT_NE(lis.error.find(path), std::string::npos) << lis.error;
  struct stat after;
  ASSERT_EQ(::lstat(path.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);
  // The live listener still gets connections at its path.
  int client = posix_connect(path);
  EXPECT_GE(client, 0);
  ::close(client);
  ::close(live);
  ::unlink(path.c_str());
  EXPECT_EQ(lp.stop(), 0);
}

TEST(unix_socket, leaves_a_file_that_is_not_a_socket_alone_and_says_what_it_is) {
  auto path = socket_path("regular");
  std::ofstream{path} << "keep me";
  net::loop lp;
  auto lis = listen_at(lp, path);
  EXPECT_EQ(lis.error.rfind("ENOTSOCK", 0), 0u) << lis.error;
  EXPECT_NE(lis.error.find("a regular file"), std::string::npos) << lis.error;
  std::ifstream in{path};
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "keep me");
  auto dir = socket_path("a_directory");
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  auto on_dir = listen_at(lp, dir);
  EXPECT_NE(on_dir.error.find("a directory"), std::string::npos) << on_dir.error;
  EXPECT_TRUE(exists(dir));
  ::rmdir(dir.c_str());
  EXPECT_EQ(lp.stop(), 0);
}

TEST(unix_socket, names_the_errors_of_bad_paths_and_refused_connects) {
  net::loop lp;
  auto missing_dir = listen_at(lp, socket_path("no_such_dir") + "/x.sock");
  EXPECT_EQ(missing_dir.error.rfind("ENOENT", 0), 0u) << missing_dir.error;
  auto empty = on_loop(lp, [](net::loop& l) {
    auto lis = net::pipe_listener::create(l, *net::endpoint::parse("unix:"), {},
                                          std::make_unique<echo_acceptor>());
    return lis ? std::string{"listening"} : lis.error().name();
  });
  EXPECT_EQ(empty, "EINVAL");
  EXPECT_EQ(net::endpoint::from_path(std::string(200, 'a')).error().name(),
            "ENAMETOOLONG");
  EXPECT_EQ(exchange(lp, socket_path("nobody_here.sock"), "x"), "connect: ENOENT");
  auto stale = socket_path("refusing.sock");
  ::close(posix_socket_at(stale, false));
  EXPECT_EQ(exchange(lp, stale, "x"), "connect: ECONNREFUSED");
  ::unlink(stale.c_str());
  EXPECT_EQ(lp.stop(), 0);
}

// The server writes far more than the socket buffers hold; the client
// closes without reading: the pending write fails with a named error.
class flooding_acceptor : public net::pipe_listener::observer {
 public:
  std::promise<bool> write_pending;
  std::promise<std::string> write_failed;
  class flooder : public net::stream::observer {
   public:
    explicit flooder(flooding_acceptor* a) : a_(a) {}
    void on_connect(net::result<void>) override {}
    void on_read(net::byte_buffer) override {}
    void on_read_end(net::uv_error) override {}
    void on_write_done(uint64_t, net::result<void> st) override {
      a_->write_failed.set_value(st ? std::string{"ok"} : st.error().name());
    }
    void on_shutdown(net::result<void>) override {}
    void on_closing() override {}

   private:
    flooding_acceptor* a_;
  };
  void on_accept(net::result<net::pipe_stream*> s) override {
    ASSERT_TRUE(s);
    (*s)->set_observer(std::make_unique<flooder>(this));
    std::string big(16 * 1024 * 1024, 'x');
    auto r = (*s)->write(net::byte_buffer::copy_of(big), 7);
    write_pending.set_value(r && *r == net::stream::write_status::pending);
  }
  void on_closing() override {}
};

TEST(unix_socket, a_peer_that_goes_away_mid_write_fails_the_write_with_a_named_error) {
  auto path = socket_path("reset.sock");
  net::loop lp;
  flooding_acceptor* acceptor = nullptr;
  auto ok = on_loop(lp, [&](net::loop& l) {
    auto a = std::make_unique<flooding_acceptor>();
    acceptor = a.get();
    return bool(net::pipe_listener::create(l, at(path), {}, std::move(a)));
  });
  ASSERT_TRUE(ok);
  int client = posix_connect(path);
  ASSERT_TRUE(wait(acceptor->write_pending.get_future()));
  ::close(client);
  auto name = wait(acceptor->write_failed.get_future());
  EXPECT_TRUE(name == "EPIPE" || name == "ECONNRESET") << name;
  EXPECT_EQ(lp.stop(), 0);
}

}  // namespace
