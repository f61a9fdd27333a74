#include "net/interfaces/interfaces.hpp"
#include "net/interfaces/mac_address.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#ifdef __linux__
#include <linux/if_packet.h>
#endif

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <map>
#include <tuple>

namespace net {

namespace {

// Numeric form of an address for ordering; zeros if it does not parse
// (snapshots only hold what uv_ip*_name produced, which always parses).
std::array<unsigned char, 16> address_bytes(const interface_address& a) {
  std::array<unsigned char, 16> out{};
  inet_pton(a.family == ip_family::v4 ? AF_INET : AF_INET6, a.address.c_str(),
            out.data());
  return out;
}

int count_leading_ones(const unsigned char* bytes, size_t n) {
  int ones = 0;
  for (size_t i = 0; i < n; ++i) {
    for (int bit = 7; bit >= 0; --bit) {
      if ((bytes[i] >> bit & 1) == 0) return ones;
      ++ones;
    }
  }
  return ones;
}

// Closes a descriptor on every path out of snapshot_interfaces().
class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {}
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

void copy_name(ifreq& req, const std::string& name) {
  std::memset(&req, 0, sizeof(req));
  std::strncpy(req.ifr_name, name.c_str(), IFNAMSIZ - 1);
}

// IFF_UP, IFF_RUNNING and IFF_LOOPBACK of `name`; false if the interface is
// gone (ENODEV: it vanished between if_nameindex and now).
bool read_flags(int sock, interface_info& info) {
  ifreq req;
  copy_name(req, info.name);
  if (::ioctl(sock, SIOCGIFFLAGS, &req) < 0) return false;
  info.up = (req.ifr_flags & IFF_UP) != 0;
  info.running = (req.ifr_flags & IFF_RUNNING) != 0;
  info.internal = (req.ifr_flags & IFF_LOOPBACK) != 0;
  return true;
}

// The link-layer address of an interface getifaddrs gave none for (on
// Linux every link has an AF_PACKET entry; elsewhere none has).
void read_mac(int sock, interface_info& info) {
#ifdef SIOCGIFHWADDR
  ifreq req;
  copy_name(req, info.name);
  if (::ioctl(sock, SIOCGIFHWADDR, &req) < 0) return;
  mac_address bytes;
  std::memcpy(bytes.data(), req.ifr_hwaddr.sa_data, bytes.size());
  info.mac = format_mac(bytes);
#else
  // Without SIOCGIFHWADDR (the BSDs, macOS) the MAC stays all zeros.
  (void)sock;
  (void)info;
#endif
}

std::string address_text(const sockaddr* sa) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (sa->sa_family == AF_INET)
    uv_ip4_name(reinterpret_cast<const sockaddr_in*>(sa), text, sizeof(text));
  else
    uv_ip6_name(reinterpret_cast<const sockaddr_in6*>(sa), text, sizeof(text));
  return text;
}

// An AF_INET or AF_INET6 entry of getifaddrs (the netmask is always there
// on Linux; a missing one reads as prefix 0).
interface_address convert(const ifaddrs& entry) {
  interface_address out;
  auto* sa = entry.ifa_addr;
  out.family = sa->sa_family == AF_INET ? ip_family::v4 : ip_family::v6;
  out.address = address_text(sa);
  if (sa->sa_family == AF_INET6)
    out.scope_id = reinterpret_cast<const sockaddr_in6*>(sa)->sin6_scope_id;
  if (entry.ifa_netmask != nullptr &&
      entry.ifa_netmask->sa_family == sa->sa_family) {
    out.netmask = address_text(entry.ifa_netmask);
    out.prefix = netmask_prefix_length(entry.ifa_netmask);
  } else {
    out.netmask = sa->sa_family == AF_INET ? "0.0.0.0" : "::";
  }
  return out;
}

}  // namespace

bool operator==(const interface_address& a,
                const interface_address& b) noexcept {
  return a.family == b.family && a.address == b.address &&
         a.netmask == b.netmask && a.prefix == b.prefix &&
         a.scope_id == b.scope_id;
}

bool address_less(const interface_address& a, const interface_address& b) {
  auto fa = a.family == ip_family::v4 ? 0 : 1;
  auto fb = b.family == ip_family::v4 ? 0 : 1;
  return std::make_tuple(fa, address_bytes(a), a.prefix, a.scope_id,
                         a.netmask) <
         std::make_tuple(fb, address_bytes(b), b.prefix, b.scope_id,
                         b.netmask);
}

bool interface_info::same_link(const interface_info& other) const noexcept {
  return name == other.name && index == other.index && mac == other.mac &&
         internal == other.internal && up == other.up &&
         running == other.running;
}

bool operator==(const interface_info& a, const interface_info& b) noexcept {
  return a.same_link(b) && a.addresses == b.addresses;
}

const interface_info* interface_snapshot::find(std::string_view name) const {
  for (auto& i : interfaces)
    if (i.name == name) return &i;
  return nullptr;
}

uint8_t netmask_prefix_length(const sockaddr* netmask) {
  if (netmask->sa_family == AF_INET) {
    auto* sin = reinterpret_cast<const sockaddr_in*>(netmask);
    return static_cast<uint8_t>(count_leading_ones(
        reinterpret_cast<const unsigned char*>(&sin->sin_addr), 4));
  }
  if (netmask->sa_family == AF_INET6) {
    auto* sin6 = reinterpret_cast<const sockaddr_in6*>(netmask);
    return static_cast<uint8_t>(count_leading_ones(sin6->sin6_addr.s6_addr, 16));
  }
  return 0;
}

result<interface_snapshot> snapshot_interfaces() {
  // getifaddrs itself, not uv_interface_addresses: libuv drops every
  // interface that is not up and running, and with it the addresses a down
  // or carrier-less link keeps (a flapping link would seem to lose and
  // regain them).
  ifaddrs* entries = nullptr;
  if (::getifaddrs(&entries) < 0)
    return uv_error{uv_translate_sys_error(errno), "getifaddrs"};
  std::map<std::string, interface_info> by_name;
  std::map<std::string, bool> has_mac;
  for (auto* e = entries; e != nullptr; e = e->ifa_next) {
    if (e->ifa_name == nullptr) continue;
    auto& info = by_name[e->ifa_name];
    if (info.name.empty()) info.name = e->ifa_name;
    if (e->ifa_addr == nullptr) continue;
    auto fam = e->ifa_addr->sa_family;
    if (fam == AF_INET || fam == AF_INET6) {
      info.addresses.push_back(convert(*e));
#ifdef __linux__
    } else if (fam == AF_PACKET) {
      auto* ll = reinterpret_cast<const sockaddr_ll*>(e->ifa_addr);
      mac_address mac{};
      std::memcpy(mac.data(), ll->sll_addr,
                  std::min<size_t>(ll->sll_halen, mac.size()));
      info.mac = format_mac(mac);
      has_mac[info.name] = true;
#endif
    }
  }
  ::freeifaddrs(entries);

  fd_guard sock{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  if (sock.get() < 0)
    return uv_error{uv_translate_sys_error(errno), "socket for SIOCGIFFLAGS"};

  interface_snapshot out;
  auto* names = ::if_nameindex();
  if (names == nullptr)
    return uv_error{uv_translate_sys_error(errno), "if_nameindex"};
  for (auto* n = names; n->if_index != 0 && n->if_name != nullptr; ++n) {
    // The link dump behind if_nameindex is not atomic either: a concurrent
    // change can list an interface twice.
    bool seen = false;
    for (auto& known : out.interfaces) seen = seen || known.name == n->if_name;
    if (seen) continue;
    interface_info info;
    auto it = by_name.find(n->if_name);
    bool listed = it != by_name.end();
    if (listed) {
      info = std::move(it->second);
      by_name.erase(it);
    } else {
      info.name = n->if_name;
    }
    info.index = n->if_index;
    if (!read_flags(sock.get(), info)) {
      // Gone since if_nameindex: report it only if getifaddrs had it.
      if (!listed) continue;
    }
    if (!has_mac[info.name]) read_mac(sock.get(), info);
    out.interfaces.push_back(std::move(info));
  }
  ::if_freenameindex(names);
  // Names getifaddrs listed that if_nameindex did not: an interface added
  // in between, or a Linux IPv4 alias label ("eth0:1").
  for (auto& [name, info] : by_name) {
    info.index = ::if_nametoindex(name.c_str());
    read_flags(sock.get(), info);
    out.interfaces.push_back(std::move(info));
  }
  // A change while getifaddrs dumps the addresses can list one twice.
  for (auto& info : out.interfaces) {
    auto& list = info.addresses;
    std::sort(list.begin(), list.end(), address_less);
    list.erase(std::unique(list.begin(), list.end()), list.end());
  }
  std::stable_sort(out.interfaces.begin(), out.interfaces.end(),
                   [](const interface_info& a, const interface_info& b) {
                     return std::make_tuple(a.index == 0, a.index, a.name) <
                            std::make_tuple(b.index == 0, b.index, b.name);
                   });
  return out;
}

const char* to_string(interface_change::kind k) noexcept {
  switch (k) {
    case interface_change::kind::interface_added:
      return "interface_added";
    case interface_change::kind::interface_removed:
      return "interface_removed";
    case interface_change::kind::interface_changed:
      return "interface_changed";
    case interface_change::kind::address_added:
      return "address_added";
    case interface_change::kind::address_removed:
      return "address_removed";
  }
  return "unknown";
}

std::vector<interface_change> diff_interfaces(const interface_snapshot& before,
                                              const interface_snapshot& after) {
  using kind = interface_change::kind;
  std::vector<interface_change> out;
  for (auto& old_if : before.interfaces) {
    if (after.find(old_if.name) == nullptr) {
      interface_change c;
      c.what = kind::interface_removed;
      c.interface = old_if;
      out.push_back(std::move(c));
    }
  }
  // Both address lists are sorted (address_less): one merge finds what
  // left and what came, even for thousands of addresses.
  auto minus = [](const std::vector<interface_address>& a,
                  const std::vector<interface_address>& b) {
    std::vector<interface_address> out;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(),
                        std::back_inserter(out), address_less);
    return out;
  };
  for (auto& new_if : after.interfaces) {
    auto* old_if = before.find(new_if.name);
    if (old_if == nullptr) {
      interface_change c;
      c.what = kind::interface_added;
      c.interface = new_if;
      out.push_back(std::move(c));
      continue;
    }
    if (!old_if->same_link(new_if)) {
      interface_change c;
      c.what = kind::interface_changed;
      c.interface = new_if;
      c.previous = *old_if;
      out.push_back(std::move(c));
    }
    for (auto& a : minus(old_if->addresses, new_if.addresses)) {
      interface_change c;
      c.what = kind::address_removed;
      c.interface = new_if;
      c.address = std::move(a);
      out.push_back(std::move(c));
    }
    for (auto& a : minus(new_if.addresses, old_if->addresses)) {
      interface_change c;
      c.what = kind::address_added;
      c.interface = new_if;
      c.address = std::move(a);
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace net
