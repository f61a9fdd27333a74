#include "tests/interfaces/test_namespace.hpp"

#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace interfaces_test {

namespace {

bool running(const char* name) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ifreq req;
  std::memset(&req, 0, sizeof(req));
  std::strncpy(req.ifr_name, name, IFNAMSIZ - 1);
  bool ok = ::ioctl(fd, SIOCGIFFLAGS, &req) == 0 &&
            (req.ifr_flags & IFF_RUNNING) != 0;
  ::close(fd);
  return ok;
}

}  // namespace

const char* const expected_json = R"({"interfaces":[
  {"name":"lo","mac":"00:00:00:00:00:00","internal":true,"addresses":[
    {"family":"ipv4","address":"127.0.0.1","netmask":"255.0.0.0","prefix":8},
    {"family":"ipv6","address":"::1","netmask":"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff","prefix":128}]},
  {"name":"va","mac":"02:00:00:00:00:0a","internal":false,"addresses":[
    {"family":"ipv4","address":"192.0.2.10","netmask":"255.255.255.0","prefix":24},
    {"family":"ipv6","address":"2001:db8::10","netmask":"ffff:ffff:ffff:ffff::","prefix":64},
    {"family":"ipv6","address":"fe80::10","netmask":"ffff:ffff:ffff:ffff::","prefix":64}]},
  {"name":"vb","mac":"02:00:00:00:00:0b","internal":false,"addresses":[]}]})";

int sh(const std::string& command) {
  int status = std::system(command.c_str());
  if (status < 0 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

std::string enter_test_namespace() {
  if (::unshare(CLONE_NEWNET) != 0)
    return std::string{"unshare(CLONE_NEWNET): "} + std::strerror(errno) +
           " (these tests need root, as in CI)";
  const char* steps[] = {
      "ip link set lo up",
      ("ip link add va index 10 address 02:00:00:00:00:0a type veth "
       "peer name vb index 11 address 02:00:00:00:00:0b"),
      // No EUI-64 link-local addresses: the test adds its own, so the
      // report is exact.
      "ip link set va addrgenmode none",
      "ip link set vb addrgenmode none",
      "ip addr add 192.0.2.10/24 dev va",
      "ip -6 addr add 2001:db8::10/64 dev va nodad",
      "ip -6 addr add fe80::10/64 dev va nodad",
      "ip link set va up",
      "ip link set vb up",
  };
  for (auto* step : steps)
    if (sh(step) != 0) return std::string{"failed: "} + step;
  // Carrier comes through the kernel's link watch, asynchronously.
  // A guard against hanging, not a timing claim.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!(running("va") && running("vb"))) {
    if (std::chrono::steady_clock::now() > deadline)
      return "va/vb never became IFF_RUNNING";
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return "";
}

}  // namespace interfaces_test
