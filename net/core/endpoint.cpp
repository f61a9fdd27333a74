#include "net/core/endpoint.hpp"

#include <net/if.h>
#include <sys/un.h>
#include <uv.h>

#include <cstring>

namespace net {

namespace {

uv_error invalid(std::string what, std::string_view text) {
  return uv_error{UV_EINVAL, what + " in \"" + std::string{text} + "\""};
}

}  // namespace

endpoint::endpoint() {
  std::memset(&storage_, 0, sizeof(storage_));
  storage_.ss_family = AF_INET;
}

result<uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5)
    return invalid("port must be 0..65535", text);
  uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return invalid("port must be 0..65535", text);
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > 65535) return invalid("port must be 0..65535", text);
  return static_cast<uint16_t>(value);
}

result<endpoint> endpoint::from_ip(std::string_view address, uint16_t port) {
  // uv_ip*_addr need a NUL-terminated string; addresses are short.
  if (address.empty() || address.size() > INET6_ADDRSTRLEN + IF_NAMESIZE)
    return invalid("not an IP address", address);
  std::string host{address};
  endpoint ep;
  std::memset(&ep.storage_, 0, sizeof(ep.storage_));
  if (host.find(':') != std::string::npos) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&ep.storage_);
    if (uv_ip6_addr(host.c_str(), port, sa) != 0)
      return invalid("not an IPv6 address", address);
  } else {
    auto* sa = reinterpret_cast<sockaddr_in*>(&ep.storage_);
    // inet_pton (behind uv_ip4_addr) accepts only dotted quads; good.
    if (uv_ip4_addr(host.c_str(), port, sa) != 0)
      return invalid("not an IPv4 address", address);
  }
  return ep;
}

namespace {
constexpr std::string_view unix_prefix = "unix:";
}  // namespace

result<endpoint> endpoint::from_path(std::string_view path) {
  if (path.find('\0') != std::string_view::npos)
    return invalid("NUL byte in a Unix socket path", path);
  endpoint ep;
  auto* sa = reinterpret_cast<sockaddr_un*>(&ep.storage_);
  // One byte stays for the terminating NUL.
  if (path.size() >= sizeof(sa->sun_path))
    return uv_error{UV_ENAMETOOLONG,
                    "Unix socket path of " + std::to_string(path.size()) +
                        " bytes (at most " +
                        std::to_string(sizeof(sa->sun_path) - 1) + ")"};
  std::memset(&ep.storage_, 0, sizeof(ep.storage_));
  sa->sun_family = AF_UNIX;
  std::memcpy(sa->sun_path, path.data(), path.size());
  return ep;
}

result<endpoint> endpoint::parse(std::string_view text) {
  if (text.empty()) return invalid("empty endpoint, expected HOST:PORT", text);
  if (text.substr(0, unix_prefix.size()) == unix_prefix) {
    // "unix:" alone is an unnamed socket, as to_string() writes it; binding
    // or connecting to it is refused there.
    return from_path(text.substr(unix_prefix.size()));
  }
  std::string_view host;
  std::string_view port;
  if (text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos)
      return invalid("missing ']' after IPv6 address", text);
    host = text.substr(1, close - 1);
    auto rest = text.substr(close + 1);
    if (rest.size() < 2 || rest.front() != ':')
      return invalid("missing :PORT after ']'", text);
    port = rest.substr(1);
    if (host.find(':') == std::string_view::npos)
      return invalid("brackets are only for IPv6 addresses", text);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return invalid("missing :PORT", text);
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return invalid("IPv6 addresses need brackets: [ADDR]:PORT", text);
  }
  auto p = parse_port(port);
  if (!p) return invalid("port must be 0..65535", text);
  auto ep = from_ip(host, *p);
  if (!ep) return invalid("not an IP address", text);
  return ep;
}

result<endpoint> endpoint::from_sockaddr(const sockaddr* addr) {
  endpoint ep;
  if (addr == nullptr) return uv_error{UV_EINVAL, "null sockaddr"};
  if (addr->sa_family == AF_INET) {
    std::memcpy(&ep.storage_, addr, sizeof(sockaddr_in));
  } else if (addr->sa_family == AF_INET6) {
    std::memcpy(&ep.storage_, addr, sizeof(sockaddr_in6));
  } else if (addr->sa_family == AF_UNIX) {
    const auto* un = reinterpret_cast<const sockaddr_un*>(addr);
    return from_path({un->sun_path, strnlen(un->sun_path, sizeof(un->sun_path))});
  } else {
    return uv_error{UV_EAFNOSUPPORT, "sockaddr family " +
                                         std::to_string(addr->sa_family)};
  }
  return ep;
}

const sockaddr* endpoint::sockaddr_ptr() const noexcept {
  return reinterpret_cast<const sockaddr*>(&storage_);
}

socklen_t endpoint::sockaddr_len() const noexcept {
  if (is_unix()) return sizeof(sockaddr_un);
  return family() == ip_family::v4 ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
}

bool endpoint::is_unix() const noexcept { return storage_.ss_family == AF_UNIX; }

std::string endpoint::path() const {
  if (!is_unix()) return {};
  const auto* sa = reinterpret_cast<const sockaddr_un*>(&storage_);
  return {sa->sun_path, strnlen(sa->sun_path, sizeof(sa->sun_path))};
}

ip_family endpoint::family() const noexcept {
  return storage_.ss_family == AF_INET6 ? ip_family::v6 : ip_family::v4;
}

uint16_t endpoint::port() const noexcept {
  if (is_unix()) return 0;
  if (family() == ip_family::v4)
    return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
}

void endpoint::set_port(uint16_t port) noexcept {
  if (is_unix()) return;
  if (family() == ip_family::v4)
    reinterpret_cast<sockaddr_in*>(&storage_)->sin_port = htons(port);
  else
    reinterpret_cast<sockaddr_in6*>(&storage_)->sin6_port = htons(port);
}

std::string endpoint::address() const {
  if (is_unix()) return path();
  char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = {0};
  if (family() == ip_family::v4) {
    uv_ip4_name(reinterpret_cast<const sockaddr_in*>(&storage_), buf,
                sizeof(buf));
    return buf;
  }
  const auto* sa = reinterpret_cast<const sockaddr_in6*>(&storage_);
  uv_ip6_name(sa, buf, sizeof(buf));
  std::string text = buf;
  if (sa->sin6_scope_id != 0) {
    char name[IF_NAMESIZE] = {0};
    text += '%';
    if (if_indextoname(sa->sin6_scope_id, name) != nullptr)
      text += name;
    else
      text += std::to_string(sa->sin6_scope_id);
  }
  return text;
}

std::string endpoint::to_string() const {
  if (is_unix()) return std::string{unix_prefix} + path();
  if (family() == ip_family::v4)
    return address() + ":" + std::to_string(port());
  return "[" + address() + "]:" + std::to_string(port());
}

bool operator==(const endpoint& a, const endpoint& b) noexcept {
  if (a.is_unix() || b.is_unix())
    return a.is_unix() && b.is_unix() && a.path() == b.path();
  if (a.family() != b.family() || a.port() != b.port()) return false;
  if (a.family() == ip_family::v4) {
    const auto* x = reinterpret_cast<const sockaddr_in*>(&a.storage_);
    const auto* y = reinterpret_cast<const sockaddr_in*>(&b.storage_);
    return x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  const auto* x = reinterpret_cast<const sockaddr_in6*>(&a.storage_);
  const auto* y = reinterpret_cast<const sockaddr_in6*>(&b.storage_);
  return std::memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(in6_addr)) == 0 &&
         x->sin6_scope_id == y->sin6_scope_id;
}

}  // namespace net
