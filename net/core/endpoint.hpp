// net::endpoint: an IPv4 or IPv6 socket address (address + port), parsed from
// and formatted to "1.2.3.4:80" / "[::1]:80" in the spirit of uv_ip4_addr,
// uv_ip6_addr, uv_ip4_name and uv_ip6_name; or a Unix-domain socket path,
// "unix:/run/x.sock" (net/unix/). A value type; thread-safe.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "net/core/result.hpp"

namespace net {

/// The family of an endpoint's address.
enum class ip_family { v4, v6 };

/// An IP address and port, or a Unix socket path; stored as the sockaddr
/// libuv takes.
class endpoint {
 public:
  /// 0.0.0.0:0.
  endpoint();

  /// Parses "host:port" or "[v6host]:port" with a numeric host, e.g.
  /// "127.0.0.1:7000", "[::1]:0", "[fe80::1%eth0]:80". A missing or bad part
  /// is UV_EINVAL with a context that names it. "unix:PATH" is a Unix
  /// socket path (from_path; "unix:" alone an unnamed socket).
  static result<endpoint> parse(std::string_view text);

  /// A Unix-domain socket path. Empty (an unnamed socket: the peer of an
  /// accepted connection usually is one) or a path without NUL bytes that
  /// fits sockaddr_un (at most 107 bytes: UV_ENAMETOOLONG otherwise).
  static result<endpoint> from_path(std::string_view path);

  /// Builds an endpoint from a numeric address ("::1", "10.0.0.1") and port.
  static result<endpoint> from_ip(std::string_view address, uint16_t port);

  /// Copies an AF_INET, AF_INET6 or AF_UNIX sockaddr; UV_EAFNOSUPPORT
  /// otherwise. An AF_UNIX one must be NUL-terminated within sun_path (as
  /// getsockname stores it) or fill it.
  static result<endpoint> from_sockaddr(const sockaddr* addr);

  /// Pointer suitable for uv_tcp_bind, uv_tcp_connect, uv_udp_send, ...
  const sockaddr* sockaddr_ptr() const noexcept;
  /// sizeof the underlying sockaddr_in / sockaddr_in6 / sockaddr_un.
  socklen_t sockaddr_len() const noexcept;

  /// A Unix socket path rather than an IP address and port.
  bool is_unix() const noexcept;
  /// The Unix socket path; empty for an IP endpoint or an unnamed socket.
  std::string path() const;

  /// The IP family; v4 for a Unix endpoint (check is_unix() first).
  ip_family family() const noexcept;
  /// The port; 0 for a Unix endpoint.
  uint16_t port() const noexcept;
  /// Sets the port; no effect on a Unix endpoint.
  void set_port(uint16_t port) noexcept;

  /// The numeric address alone: "127.0.0.1", "::1", "fe80::1%eth0"; a Unix
  /// endpoint's path.
  std::string address() const;

  /// "127.0.0.1:80", "[::1]:80" or "unix:/run/x.sock" (parse() takes each).
  std::string to_string() const;

  friend bool operator==(const endpoint& a, const endpoint& b) noexcept;
  friend bool operator!=(const endpoint& a, const endpoint& b) noexcept {
    return !(a == b);
  }

 private:
  sockaddr_storage storage_;
};

/// Parses a decimal port "0".."65535"; UV_EINVAL otherwise.
result<uint16_t> parse_port(std::string_view text);

/// The address a getsockname-like call stores for `handle`: `get` is
/// uv_tcp_getsockname, uv_tcp_getpeername or uv_udp_getsockname. A failed call
/// is its libuv error with `what` ("getsockname") as context. The one
/// sockaddr-to-endpoint path of the TCP stream, TCP listener and UDP socket.
template <class Handle, class Getter>
result<endpoint> endpoint_of(const Handle* handle, Getter get,
                             const char* what) {
  sockaddr_storage ss{};
  int len = sizeof(ss);
  if (int rc = get(handle, reinterpret_cast<sockaddr*>(&ss), &len); rc < 0)
    return uv_error{rc, what};
  return endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss));
}

}  // namespace net
