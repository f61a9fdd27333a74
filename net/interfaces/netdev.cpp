#include "net/interfaces/netdev.hpp"

#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <uv.h>

namespace net {

namespace {

bool valid_name(const std::string& name) {
  return !name.empty() && name.size() < IFNAMSIZ &&
         name.find('\0') == std::string::npos;
}

uv_error sys_error(int err, std::string what) {
  return uv_error{uv_translate_sys_error(err), std::move(what)};
}

}  // namespace

result<unsigned> interface_index(const std::string& name) {
  auto what = "interface " + name;
  if (!valid_name(name)) return uv_error{UV_EINVAL, what};
  unsigned index = ::if_nametoindex(name.c_str());
  if (index == 0) return sys_error(errno, what);
  return index;
}

result<mac_address> interface_hardware_address(const std::string& name) {
  auto what = "interface " + name;
  if (!valid_name(name)) return uv_error{UV_EINVAL, what};
  // Any socket serves as the ioctl's handle; it is closed before returning.
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return sys_error(errno, "socket for " + what);
  ifreq req{};
  std::memcpy(req.ifr_name, name.data(), name.size());
  int rc = ::ioctl(fd, SIOCGIFHWADDR, &req);
  int err = errno;
  ::close(fd);
  if (rc < 0) return sys_error(err, what);
  if (req.ifr_hwaddr.sa_family != ARPHRD_ETHER)
    return uv_error{UV_EAFNOSUPPORT, what + " has no Ethernet address"};
  mac_address mac;
  std::memcpy(mac.data(), req.ifr_hwaddr.sa_data, mac.size());
  return mac;
}

}  // namespace net
