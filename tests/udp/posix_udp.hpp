// A plain POSIX UDP socket for the tests' far end: it sends what the test
// says and receives with the datagram's TTL (IP_RECVTTL / IPV6_RECVHOPLIMIT),
// so a test checks what really went over the wire, independently of libuv.
// Every wait is bounded. Thread safety: one thread at a time.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

namespace netactors::testing {

class posix_udp {
 public:
  /// A socket of `family` (AF_INET or AF_INET6) bound to `address`:`port`
  /// (port 0 picks one), reporting each datagram's TTL.
  posix_udp(int family, const char* address, uint16_t port = 0,
            bool reuse = false)
      : family_(family) {
    fd_ = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket: " + errno_text());
    int one = 1;
    if (reuse) ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (family == AF_INET) {
      ::setsockopt(fd_, IPPROTO_IP, IP_RECVTTL, &one, sizeof one);
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(port);
      ::inet_pton(AF_INET, address, &sa.sin_addr);
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
        throw std::runtime_error("bind: " + errno_text());
    } else {
      ::setsockopt(fd_, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof one);
      sockaddr_in6 sa{};
      sa.sin6_family = AF_INET6;
      sa.sin6_port = htons(port);
      ::inet_pton(AF_INET6, address, &sa.sin6_addr);
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
        throw std::runtime_error("bind: " + errno_text());
    }
  }

  ~posix_udp() { ::close(fd_); }
  posix_udp(const posix_udp&) = delete;
  posix_udp& operator=(const posix_udp&) = delete;

  int fd() const { return fd_; }

  uint16_t port() const {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len);
    return family_ == AF_INET
               ? ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port)
               : ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  }

  /// Sends `bytes` to `address`:`port`; false (errno set) on failure.
  bool send_to(const std::string& bytes, const char* address, uint16_t port) {
    sockaddr_storage ss{};
    socklen_t len;
    if (family_ == AF_INET) {
      auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
      sa->sin_family = AF_INET;
      sa->sin_port = htons(port);
      ::inet_pton(AF_INET, address, &sa->sin_addr);
      len = sizeof(sockaddr_in);
    } else {
      auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
      sa->sin6_family = AF_INET6;
      sa->sin6_port = htons(port);
      ::inet_pton(AF_INET6, address, &sa->sin6_addr);
      len = sizeof(sockaddr_in6);
    }
    return ::sendto(fd_, bytes.data(), bytes.size(), 0,
                    reinterpret_cast<sockaddr*>(&ss), len) ==
           static_cast<ssize_t>(bytes.size());
  }

  struct datagram {
    std::string bytes;
    int ttl = -1;        ///< -1 when the kernel did not say
    std::string sender;  ///< "127.0.0.1:4000" / "[::1]:4000"
  };

  /// The next datagram, or nullopt after `timeout_ms` without one.
  std::optional<datagram> receive(int timeout_ms = 5000) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return std::nullopt;
    char buf[65536];
    char control[256];
    sockaddr_storage from{};
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(fd_, &msg, 0);
    if (n < 0) return std::nullopt;
    datagram d;
    d.bytes.assign(buf, static_cast<size_t>(n));
    for (auto* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
          (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT))
        std::memcpy(&d.ttl, CMSG_DATA(c), sizeof(int));
    }
    char text[INET6_ADDRSTRLEN] = {};
    if (from.ss_family == AF_INET) {
      auto* sa = reinterpret_cast<sockaddr_in*>(&from);
      ::inet_ntop(AF_INET, &sa->sin_addr, text, sizeof text);
      d.sender = std::string{text} + ":" + std::to_string(ntohs(sa->sin_port));
    } else {
      auto* sa = reinterpret_cast<sockaddr_in6*>(&from);
      ::inet_ntop(AF_INET6, &sa->sin6_addr, text, sizeof text);
      d.sender = "[" + std::string{text} + "]:" +
                 std::to_string(ntohs(sa->sin6_port));
    }
    return d;
  }

 private:
  static std::string errno_text() { return std::strerror(errno); }

  int family_;
  int fd_;
};

}  // namespace netactors::testing
