#include "tests/integration/posix_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace integration {

unique_fd& unique_fd::operator=(unique_fd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = other.release();
  }
  return *this;
}

int unique_fd::release() noexcept {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void unique_fd::reset() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

unique_fd connect_tcp(const sockaddr* addr, socklen_t len, std::string* error) {
  unique_fd fd{::socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (!fd) {
    *error = std::string{"socket: "} + std::strerror(errno);
    return {};
  }
  // Linux bounds a blocking connect by the send timeout.
  timeval tv{5, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd.get(), addr, len) != 0) {
    *error = std::string{"connect: "} + std::strerror(errno);
    return {};
  }
  return fd;
}

unique_fd bind_tcp(const sockaddr* addr, socklen_t len, int listen_backlog,
                   std::string* error) {
  unique_fd fd{::socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (!fd) {
    *error = std::string{"socket: "} + std::strerror(errno);
    return {};
  }
  if (::bind(fd.get(), addr, len) != 0) {
    *error = std::string{"bind: "} + std::strerror(errno);
    return {};
  }
  if (listen_backlog >= 0 && ::listen(fd.get(), listen_backlog) != 0) {
    *error = std::string{"listen: "} + std::strerror(errno);
    return {};
  }
  return fd;
}

uint16_t local_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET)
    return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return 0;
}

bool ipv6_loopback_available() {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  std::string ignored;
  return static_cast<bool>(
      bind_tcp(reinterpret_cast<sockaddr*>(&a), sizeof a, -1, &ignored));
}

namespace {

int millis_until(test_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - test_clock::now())
                  .count();
  return static_cast<int>(std::clamp<long long>(left, 0, 100));
}

}  // namespace

exchange_result exchange(int fd, std::string_view out, size_t expect,
                         bool shut_after_send,
                         test_clock::time_point deadline) {
  exchange_result r;
  bool shut = false;
  char buf[64 * 1024];
  for (;;) {
    if (r.sent == out.size() && shut_after_send && !shut) {
      if (::shutdown(fd, SHUT_WR) != 0) {
        r.error = errno;
        return r;
      }
      shut = true;
    }
    if (!shut_after_send && r.received.size() >= expect) return r;
    if (test_clock::now() >= deadline) {
      r.timed_out = true;
      return r;
    }
    pollfd p{fd, POLLIN, 0};
    if (r.sent < out.size()) p.events |= POLLOUT;
    int n = ::poll(&p, 1, millis_until(deadline));
    if (n < 0) {
      if (errno == EINTR) continue;
      r.error = errno;
      return r;
    }
    if (n == 0) continue;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      auto got = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (got > 0) {
        r.received.append(buf, static_cast<size_t>(got));
      } else if (got == 0) {
        r.eof = true;
        return r;
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        r.error = errno;
        return r;
      }
    }
    if ((p.revents & POLLOUT) && r.sent < out.size()) {
      auto chunk = std::min<size_t>(out.size() - r.sent, 256 * 1024);
      auto put =
          ::send(fd, out.data() + r.sent, chunk, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (put > 0) {
        r.sent += static_cast<size_t>(put);
      } else if (put < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
                 errno != EINTR) {
        r.error = errno;
        return r;
      }
    }
  }
}

exchange_result read_to_end(int fd, test_clock::time_point deadline) {
  return exchange(fd, {}, std::string_view::npos, false, deadline);
}

namespace {

char pattern_at(uint64_t i) {
  // Mixes the offset so that neither a shifted nor a repeated 64 KiB block
  // matches: reordered or duplicated chunks show up as mismatches.
  uint64_t x = i * 0x9E3779B97F4A7C15ull;
  return static_cast<char>((x >> 56) ^ (i >> 16));
}

}  // namespace

std::string pattern_bytes(uint64_t offset, size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = pattern_at(offset + i);
  return s;
}

size_t first_pattern_mismatch(uint64_t offset, std::string_view bytes) {
  for (size_t i = 0; i < bytes.size(); ++i)
    if (bytes[i] != pattern_at(offset + i)) return i;
  return std::string_view::npos;
}

size_t first_mismatch(std::string_view a, std::string_view b) {
  auto n = std::min(a.size(), b.size());
  auto it = std::mismatch(a.begin(), a.begin() + n, b.begin());
  if (it.first != a.begin() + n)
    return static_cast<size_t>(it.first - a.begin());
  return a.size() == b.size() ? std::string_view::npos : n;
}

flood_result flood(int fd, uint64_t limit, std::chrono::milliseconds stall,
                   test_clock::time_point deadline) {
  flood_result r;
  auto last_progress = test_clock::now();
  std::string chunk;
  while (r.sent < limit) {
    auto now = test_clock::now();
    if (now >= deadline) return r;
    if (now - last_progress >= stall) {
      r.stalled = true;
      return r;
    }
    auto n = std::min<uint64_t>(limit - r.sent, 64 * 1024);
    chunk = pattern_bytes(r.sent, n);
    auto put =
        ::send(fd, chunk.data(), chunk.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (put > 0) {
      r.sent += static_cast<uint64_t>(put);
      last_progress = test_clock::now();
      continue;
    }
    if (put < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      r.error = errno;
      return r;
    }
    pollfd p{fd, POLLOUT, 0};
    ::poll(&p, 1, 20);
  }
  return r;
}

long rss_kib() {
  std::ifstream in{"/proc/self/status"};
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      long kib = -1;
      in >> kib;
      return kib;
    }
    in.ignore(1 << 16, '\n');
  }
  return -1;
}

}  // namespace integration
