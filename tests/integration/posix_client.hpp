// Plain POSIX TCP clients for the integration tests. They use nothing of
// netactors, so they judge the server independently. Every loop here is
// bounded by a deadline. Thread safety: the functions are thread-safe; a
// unique_fd belongs to one thread at a time. Ownership: unique_fd closes its
// descriptor.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace integration {

using test_clock = std::chrono::steady_clock;

/// Owns one file descriptor; closes it on destruction.
class unique_fd {
 public:
  unique_fd() noexcept = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& other) noexcept : fd_(other.release()) {}
  unique_fd& operator=(unique_fd&& other) noexcept;
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd() { reset(); }

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  int release() noexcept;
  void reset() noexcept;

 private:
  int fd_ = -1;
};

/// A socket connected to `addr` with a blocking connect (bounded by a 5 s
/// send timeout), or an invalid fd with `*error` set to strerror.
unique_fd connect_tcp(const sockaddr* addr, socklen_t len, std::string* error);

/// A socket bound to `addr` (port 0: any free port) that is *not* listening;
/// `listen_backlog` >= 0 makes it listen with that backlog.
unique_fd bind_tcp(const sockaddr* addr, socklen_t len, int listen_backlog,
                   std::string* error);

/// The port a socket is bound to, or 0.
uint16_t local_port(int fd);

/// Whether ::1 can be bound on this machine.
bool ipv6_loopback_available();

struct exchange_result {
  std::string received;
  size_t sent = 0;
  bool eof = false;        ///< the peer's FIN arrived
  int error = 0;           ///< errno of a failed send/recv/poll, else 0
  bool timed_out = false;  ///< the deadline passed first
};

/// Sends `out` while reading whatever comes back (so a flow-controlled echo
/// never deadlocks). With `shut_after_send`, half-closes once every byte is
/// sent and reads until EOF; otherwise stops as soon as `expect` bytes came.
exchange_result exchange(int fd, std::string_view out, size_t expect,
                         bool shut_after_send, test_clock::time_point deadline);

/// Reads until EOF, an error or the deadline (never half-closes).
exchange_result read_to_end(int fd, test_clock::time_point deadline);

/// `n` bytes of a deterministic, non-periodic pattern starting at `offset`.
std::string pattern_bytes(uint64_t offset, size_t n);

/// Index of the first byte of `bytes` (starting at pattern `offset`) that
/// differs from the pattern, or std::string_view::npos.
size_t first_pattern_mismatch(uint64_t offset, std::string_view bytes);

/// Index of the first differing byte of two strings (a length difference
/// counts at the shorter length), or std::string_view::npos if equal.
size_t first_mismatch(std::string_view a, std::string_view b);

struct flood_result {
  uint64_t sent = 0;
  bool stalled = false;  ///< the kernel took nothing for `stall` at the end
  int error = 0;
};

/// Writes pattern bytes without ever reading, non-blocking, until `limit`
/// bytes went out, the socket took nothing for `stall`, or the deadline.
flood_result flood(int fd, uint64_t limit, std::chrono::milliseconds stall,
                   test_clock::time_point deadline);

/// This process's resident set size in KiB (from /proc/self/status), or -1.
long rss_kib();

}  // namespace integration
