// net::happy_eyeballs: Happy Eyeballs v2 (RFC 8305) as a pure state machine.
// It decides which address to try when; the caller does the I/O (two
// getaddrinfo queries, one per family, and TCP connects), reports what
// happened, and carries out the returned step: start these attempts, cancel
// those, call tick() again at this time. Times are milliseconds on any
// monotonic clock, counted from the construction of the machine; nothing here
// reads a clock, so every schedule is reproducible in a unit test.
//
// What it implements:
// - §3 asynchronous resolution: AAAA and A answers arrive separately; an
//   answer for the preferred family (IPv6 by default) starts connecting at
//   once; an answer for the other family first waits `resolution_delay_ms`
//   for it. Addresses that arrive while connecting join the queue.
// - §4 ordering: families interleaved, the preferred one first
//   (`first_family_count` of it before the first of the other); within a
//   family the resolver's (RFC 6724) order is kept; duplicates dropped.
// - §5 attempts: the next attempt starts `attempt_delay_ms` after the
//   previous one started, or at once when the most recent one fails; earlier
//   attempts keep racing; the first connection wins and every other attempt
//   still running is cancelled.
// - An overall timeout (`timeout_ms`, 0 for none) from construction: it ends
//   resolution or the race with ETIMEDOUT.
// Thread safety: a value type; not synchronised.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/core/endpoint.hpp"

namespace net {

struct happy_eyeballs_options {
  /// RFC 8305 §5 "Connection Attempt Delay" (recommended 250 ms).
  uint64_t attempt_delay_ms = 250;
  /// RFC 8305 §3 "Resolution Delay" (recommended 50 ms).
  uint64_t resolution_delay_ms = 50;
  /// Overall limit for resolving and connecting; 0: none.
  uint64_t timeout_ms = 0;
  /// RFC 8305 §4 "First Address Family Count" (at least 1).
  size_t first_family_count = 1;
  /// Which family goes first: IPv6 (as RFC 8305 recommends) or IPv4.
  bool prefer_ipv6 = true;
};

/// RFC 8305 §4: `addresses` with families interleaved, `first_family_count`
/// addresses of `first` leading, each family in its original order, exact
/// duplicates removed. A family that runs out leaves the rest to the other.
std::vector<endpoint> interleave_families(
    const std::vector<endpoint>& addresses, ip_family first,
    size_t first_family_count = 1);

class happy_eyeballs {
 public:
  enum class phase { resolving, connecting, connected, failed };

  /// One connection attempt. `result` is empty while it runs, then
  /// "connected", "cancelled" or the error's name ("ECONNREFUSED", ...).
  struct attempt {
    endpoint peer;
    std::string result;
    uint64_t started_ms = 0;
    uint64_t ended_ms = 0;
  };

  /// What the caller must do now. Indices refer to attempts().
  struct step {
    std::vector<size_t> start;   ///< connect attempts()[i].peer
    std::vector<size_t> cancel;  ///< close attempt i's socket
    /// Call tick() at this time (if nothing else happens first).
    std::optional<uint64_t> wake_ms;
  };

  explicit happy_eyeballs(happy_eyeballs_options options = {});

  /// The query for `family` answered with `addresses` (an empty list counts
  /// as an answer without addresses).
  step resolved(ip_family family, const std::vector<endpoint>& addresses,
                uint64_t now_ms);
  /// The query for `family` failed with `error` ("EAI_NONAME", ...).
  step resolve_failed(ip_family family, const std::string& error,
                      uint64_t now_ms);
  step attempt_connected(size_t index, uint64_t now_ms);
  step attempt_failed(size_t index, const std::string& error, uint64_t now_ms);
  /// Time passed: start what is due, or end with ETIMEDOUT. Spurious calls
  /// are harmless.
  step tick(uint64_t now_ms);

  phase state() const noexcept { return phase_; }
  bool finished() const noexcept {
    return phase_ == phase::connected || phase_ == phase::failed;
  }

  /// The attempt that connected.
  std::optional<size_t> winner() const noexcept { return winner_; }

  const std::vector<attempt>& attempts() const noexcept { return attempts_; }

  /// Every address known: attempted ones in attempt order, then the rest
  /// in the order they would have been tried.
  std::vector<endpoint> addresses() const;

  /// After failing: true if no address was ever known (resolution failed,
  /// or the timeout came first), false if every attempt failed.
  bool resolution_failure() const noexcept { return resolution_failure_; }

  /// After failing: the error to report. ETIMEDOUT after the overall
  /// timeout; for a resolution failure the more telling of the two
  /// families' errors (EAI_AGAIN over EAI_NONAME, say); otherwise the error
  /// of the attempt that failed last.
  const std::string& error() const noexcept { return error_; }

  /// The error of `family`'s query, or "" if it succeeded or is pending.
  const std::string& resolve_error(ip_family family) const noexcept {
    return family_of(family).error;
  }

 private:
  struct family_state {
    bool done = false;
    std::string error;
  };

  family_state& family_of(ip_family f) noexcept {
    return f == ip_family::v6 ? v6_ : v4_;
  }
  const family_state& family_of(ip_family f) const noexcept {
    return f == ip_family::v6 ? v6_ : v4_;
  }
  ip_family preferred() const noexcept {
    return options_.prefer_ipv6 ? ip_family::v6 : ip_family::v4;
  }
  bool all_resolved() const noexcept { return v6_.done && v4_.done; }
  size_t in_flight() const noexcept;
  bool known(const endpoint& ep) const;

  void after_resolution_event(step& s, uint64_t now);
  void begin_connecting(step& s, uint64_t now);
  void start_next(step& s, uint64_t now);
  void fail_if_exhausted();
  void fail(std::string error, bool resolution);
  step finish(step s) const;

  happy_eyeballs_options options_;
  phase phase_ = phase::resolving;
  family_state v6_;
  family_state v4_;
  std::vector<endpoint> resolved_;  // before connecting: every answer so far
  std::vector<endpoint> queue_;     // while connecting: not yet attempted
  std::vector<attempt> attempts_;
  std::optional<uint64_t> resolution_deadline_;
  uint64_t last_start_ms_ = 0;
  std::optional<size_t> winner_;
  bool resolution_failure_ = false;
  std::string error_;
};

}  // namespace net
