// dns_lab: a private network with a real DNS server, for tests that resolve
// and connect. enter() moves the calling process into new network and mount
// namespaces (the "client": loopback up, the test's addresses on lo) and
// starts a peer network namespace (the "server", a `sleep` child of
// `unshare --net`) joined to it by a veth pair:
//
//   client  vc 198.51.100.2/24 2001:db8:100::2/64  <->  vs 198.51.100.1/24
//           lo 192.0.2.x/32, 2001:db8::x/128               2001:db8:100::1/64
//           192.0.2.0/24 and 2001:db8::/48 routed to the server, which does
//           not forward (and has a blackhole route for 2001:db8::/48): an
//           address of those not on lo silently drops SYNs.
//
// dnsmasq runs in the server namespace on 198.51.100.1:53 (authoritative for
// .test and the reverse zones, so unknown names and addresses are NXDOMAIN;
// --host-record names get their PTR records too), and the client's
// /etc/resolv.conf is a bind mount naming it (`options timeout:1 attempts:1`).
// Queries for
// *.slow.test are forwarded to 192.0.2.99, which the client drops: they get
// no answer until the system resolver gives up (EAI_AGAIN after ~1 s).
//
// Nothing outlives the test: the namespaces and the mount die with the
// process; the destructor stops dnsmasq and the peer.
// Thread safety: enter() only while the process has a single thread (first
// thing in main), since unshare(CLONE_NEWNS) refuses threaded callers.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace netactors::dns_testing {

/// The name lines of a stock Debian 12 /etc/hosts. glibc answers an IPv4
/// query for localhost from both lines (::1 mapped to 127.0.0.1).
inline const char* const stock_debian_hosts =
    "127.0.0.1\tlocalhost\n"
    "::1\t\tlocalhost ip6-localhost ip6-loopback\n";

/// Gives this process name-service files of its own: `hosts` over
/// /etc/hosts and an nsswitch.conf saying "hosts: <sources>" over
/// /etc/nsswitch.conf (bind mounts of files written in `dir`), after moving
/// into a new mount namespace if `new_namespace` (then only while the
/// process has a single thread). "" on success, else what failed.
std::string use_private_name_files(const std::string& dir,
                                   const std::string& hosts,
                                   const std::string& sources,
                                   bool new_namespace);

struct dns_lab_config {
  /// Addresses for the client's lo: "192.0.2.30/32", "2001:db8::30/128".
  std::vector<std::string> local_addresses;
  /// Destinations that fail at once with EHOSTUNREACH ("unreachable" routes).
  std::vector<std::string> unreachable;
  /// Extra dnsmasq options: "--host-record=dual.test,192.0.2.30,2001:db8::30".
  std::vector<std::string> dnsmasq_options;
  /// resolv.conf's options line: how long a silent server is waited for.
  std::string resolv_options = "timeout:1 attempts:1";
  /// The client's /etc/hosts.
  std::string hosts = stock_debian_hosts;
};

class dns_lab {
 public:
  /// Builds the lab and moves this process into it; nullptr and `*error`
  /// set when any step fails (the caller fails the test run with it).
  static std::unique_ptr<dns_lab> enter(const dns_lab_config& config,
                                        std::string* error);
  ~dns_lab();

  dns_lab(const dns_lab&) = delete;
  dns_lab& operator=(const dns_lab&) = delete;

  /// What dnsmasq logged so far (queries included), for failure messages.
  std::string dnsmasq_log() const;

 private:
  dns_lab() = default;

  pid_t peer_ = -1;
  pid_t dnsmasq_ = -1;
  std::string dir_;
};

/// Output and exit status of a finished child process.
struct process_result {
  int exit_code = -1;  ///< -1 if it was killed or could not start
  bool timed_out = false;
  std::string out;  ///< stdout
  std::string err;  ///< stderr
};

/// Runs `argv` (argv[0] looked up in PATH) and waits at most `limit`,
/// killing it after that.
process_result run_process(const std::vector<std::string>& argv,
                           std::chrono::milliseconds limit);

/// A TCP listener on `address:port` ("192.0.2.30" or "2001:db8::30") that
/// echoes every byte on a thread of its own, one connection at a time, and
/// closes each connection after its peer's EOF. Stops on destruction.
class echo_listener {
 public:
  echo_listener(const std::string& address, uint16_t port);
  ~echo_listener();
  echo_listener(const echo_listener&) = delete;
  echo_listener& operator=(const echo_listener&) = delete;

  /// Whether bind and listen succeeded (else see error()).
  bool ok() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }
  /// Connections accepted so far.
  int accepted() const;

 private:
  struct shared;
  std::shared_ptr<shared> shared_;
  int fd_ = -1;
  std::string error_;
};

}  // namespace netactors::dns_testing
