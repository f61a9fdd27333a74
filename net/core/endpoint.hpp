// net::endpoint: an IPv4 or IPv6 socket address (address + port), parsed from
// and formatted to "1.2.3.4:80" / "[::1]:80" in the spirit of uv_ip4_addr,
// uv_ip6_addr, uv_ip4_name and uv_ip6_name. A value type; thread-safe.
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

/// An IP address and port; stored as the sockaddr libuv takes.
class endpoint {
 public:
  /// 0.0.0.0:0.
  endpoint();

  /// Parses "host:port" or "[v6host]:port" with a numeric host, e.g.
  /// "127.0.0.1:7000", "[::1]:0", "[fe80::1%eth0]:80". A missing or bad part
  /// is UV_EINVAL with a context that names it.
  static result<endpoint> parse(std::string_view text);

  /// Builds an endpoint from a numeric address ("::1", "10.0.0.1") and port.
  static result<endpoint> from_ip(std::string_view address, uint16_t port);

  /// Copies an AF_INET or AF_INET6 sockaddr; UV_EAFNOSUPPORT otherwise.
  static result<endpoint> from_sockaddr(const sockaddr* addr);

  /// Pointer suitable for uv_tcp_bind, uv_tcp_connect, uv_udp_send, ...
  const sockaddr* sockaddr_ptr() const noexcept;
  /// sizeof the underlying sockaddr_in / sockaddr_in6.
  socklen_t sockaddr_len() const noexcept;

  ip_family family() const noexcept;
  uint16_t port() const noexcept;
  void set_port(uint16_t port) noexcept;

  /// The numeric address alone: "127.0.0.1", "::1", "fe80::1%eth0".
  std::string address() const;

  /// "127.0.0.1:80" or "[::1]:80".
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
