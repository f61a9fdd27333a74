// epoll_echo_server: the machine's limit for tools/bench.sh and
// tools/soak.sh. One thread, one level-triggered epoll loop, raw non-blocking
// sockets, no libuv: what any echo server on this box could reach at best.
// Each read goes into one shared 256 KiB buffer and is written back at once;
// only what the socket would not take is kept, and the connection stops
// reading until that is flushed. So it holds at most 256 KiB per connection
// and nothing for an idle one. Keep it plain: no tricks beyond that.
//
//   epoll_echo_server [--listen HOST:PORT]   (default 127.0.0.1:0, [v6]:port)
//
// The first stdout line is {"event":"listening","address":...,"port":N};
// SIGINT or SIGTERM closes every socket and exits 0.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "tools/hostport.hpp"

namespace {

constexpr int backlog = 128;  // as tools/ref_echo_server
// 256 KiB reads cost less than half the CPU per byte of 64 KiB ones in
// bench.sh's bulk200 (fewer wake-ups and epoll_ctl calls per byte).
constexpr size_t read_size = 256 * 1024;

const char* errno_name(int err) {
  const char* name = strerrorname_np(err);
  return name ? name : "E?";
}

// Bytes the socket did not take yet; empty while the connection is reading.
struct conn {
  std::vector<char> pending;
  size_t pending_pos = 0;
};

class server {
 public:
  int run(int listener, int sigfd);

 private:
  void watch(int fd, uint32_t events, int op) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    epoll_ctl(ep_, op, fd, &ev);
  }
  void accept_all(int listener);
  void drop(int fd) {
    close(fd);  // also leaves the epoll set
    conns_.erase(fd);
  }
  void on_readable(int fd, conn& c);
  void on_writable(int fd, conn& c);

  int ep_ = -1;
  std::unordered_map<int, conn> conns_;
  std::vector<char> buf_ = std::vector<char>(read_size);
};

void server::accept_all(int listener) {
  for (;;) {
    int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
        fprintf(stderr, "epoll_echo_server: accept: %s\n", errno_name(errno));
      return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    conns_.emplace(fd, conn{});
    watch(fd, EPOLLIN, EPOLL_CTL_ADD);
  }
}

void server::on_readable(int fd, conn& c) {
  ssize_t n = read(fd, buf_.data(), buf_.size());
  if (n == 0) return drop(fd);  // EOF: everything read was echoed already
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    if (errno != ECONNRESET)
      fprintf(stderr, "epoll_echo_server: read: %s\n", errno_name(errno));
    return drop(fd);
  }
  ssize_t w = write(fd, buf_.data(), static_cast<size_t>(n));
  if (w < 0) {
    if (errno != EAGAIN && errno != EINTR) {
      if (errno != ECONNRESET && errno != EPIPE)
        fprintf(stderr, "epoll_echo_server: write: %s\n", errno_name(errno));
      return drop(fd);
    }
    w = 0;
  }
  if (w == n) return;
  // The socket is full: keep the rest and stop reading until it is flushed.
  c.pending.assign(buf_.data() + w, buf_.data() + n);
  c.pending_pos = 0;
  watch(fd, EPOLLOUT, EPOLL_CTL_MOD);
}

void server::on_writable(int fd, conn& c) {
  ssize_t w = write(fd, c.pending.data() + c.pending_pos,
                    c.pending.size() - c.pending_pos);
  if (w < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    if (errno != ECONNRESET && errno != EPIPE)
      fprintf(stderr, "epoll_echo_server: write: %s\n", errno_name(errno));
    return drop(fd);
  }
  c.pending_pos += static_cast<size_t>(w);
  if (c.pending_pos < c.pending.size()) return;
  std::vector<char>().swap(c.pending);  // give the memory back
  watch(fd, EPOLLIN, EPOLL_CTL_MOD);
}

int server::run(int listener, int sigfd) {
  ep_ = epoll_create1(EPOLL_CLOEXEC);
  if (ep_ < 0) {
    fprintf(stderr, "epoll_echo_server: epoll_create1: %s\n",
            errno_name(errno));
    return 1;
  }
  watch(listener, EPOLLIN, EPOLL_CTL_ADD);
  watch(sigfd, EPOLLIN, EPOLL_CTL_ADD);
  std::vector<epoll_event> events(1024);
  for (;;) {
    int n = epoll_wait(ep_, events.data(), static_cast<int>(events.size()), -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      fprintf(stderr, "epoll_echo_server: epoll_wait: %s\n", errno_name(errno));
      return 1;
    }
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == sigfd) {
        for (auto& [cfd, c] : conns_) close(cfd);
        conns_.clear();
        close(ep_);
        return 0;
      }
      if (fd == listener) {
        accept_all(listener);
        continue;
      }
      auto it = conns_.find(fd);
      if (it == conns_.end()) continue;  // dropped earlier in this batch
      if (it->second.pending.empty())
        on_readable(fd, it->second);
      else
        on_writable(fd, it->second);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto where = tools::parse_listen_args(argc, argv, "epoll_echo_server");
  signal(SIGPIPE, SIG_IGN);
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop, nullptr);
  int sigfd = signalfd(-1, &stop, SFD_NONBLOCK | SFD_CLOEXEC);

  int listener = socket(where.addr.ss_family,
                        SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  if (listener >= 0)
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  auto* addr = reinterpret_cast<sockaddr*>(&where.addr);
  if (sigfd < 0 || listener < 0 || bind(listener, addr, where.len) < 0 ||
      ::listen(listener, backlog) < 0) {
    fprintf(stderr, "epoll_echo_server: listen %s: %s\n", where.text.c_str(),
            errno_name(errno));
    return 1;
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  getsockname(listener, reinterpret_cast<sockaddr*>(&bound), &len);
  tools::print_listening(where.host, reinterpret_cast<sockaddr*>(&bound));
  server s;
  return s.run(listener, sigfd);
}
