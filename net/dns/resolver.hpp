// net::resolver: name resolution on one loop (getaddrinfo, getnameinfo),
// with many requests in flight, explicit cancellation and optional
// per-request timeouts.
//
// Where lookups run. getaddrinfo and getnameinfo block, and one that is
// running cannot be interrupted (a silent DNS server holds it for the
// system resolver's whole timeout, see resolv.conf(5)). libuv's thread pool
// would tie such a lookup to the loop (uv_loop_close fails until libuv has
// called every request back) and to the process (libuv joins its pool at
// exit). So lookups run on lookup_workers instead: detached threads that
// nobody ever waits for. A request is a heap object shared by the resolver
// and the worker, freed by whichever lets go last. The worker posts the
// answer to the loop only while the resolver still wants it (under the
// request's own lock); cancel(), a timeout or close() withdraw that wish
// first, so once the resolver has closed no worker touches the loop again,
// and loop::stop() (which closes the resolver) never waits for a lookup.
// A request still queued when it is cancelled is *cancelled* (it never
// runs); one already running is *abandoned*: it finishes on its own and its
// answer is discarded.
//
// The answers: every address getaddrinfo returned, in its order, except
// that no two answers are alike (same endpoint, socket type and protocol):
// glibc repeats an address /etc/hosts lists twice, e.g. 127.0.0.1 once for
// `127.0.0.1 localhost` and once for `::1 localhost` (mapped for an IPv4
// query); the first of each is kept.
//
// Ownership: the loop owns the resolver (net/core/handle.hpp). A request's
// callback runs exactly once (result, error or timeout) unless the request
// is cancelled or the resolver closes, in which case it never runs and is
// destroyed at once.
// Thread safety: resolver: loop thread only. lookup_workers: thread-safe.
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "net/core/endpoint.hpp"
#include "net/core/handle.hpp"
#include "net/core/result.hpp"
#include "net/core/unique_task.hpp"

namespace net {

/// getaddrinfo(3) hints: AF_UNSPEC / AF_INET / AF_INET6, SOCK_STREAM /
/// SOCK_DGRAM / 0, IPPROTO_TCP / ... / 0, and AI_* flags (AI_ADDRCONFIG,
/// AI_NUMERICHOST, AI_CANONNAME, AI_NUMERICSERV, AI_V4MAPPED, AI_ALL,
/// AI_PASSIVE).
struct addrinfo_hints {
  int family = AF_UNSPEC;
  int socktype = 0;
  int protocol = 0;
  int flags = 0;
};

/// One getaddrinfo answer: an endpoint (its family is endpoint::family())
/// with the socket type and protocol it is meant for.
struct resolved_address {
  endpoint address;
  int socktype = 0;
  int protocol = 0;
};

/// Every answer in the order getaddrinfo returned them (RFC 6724 sorted by
/// glibc), none twice, and the canonical name when AI_CANONNAME was asked
/// for.
struct addrinfo_result {
  std::vector<resolved_address> addresses;
  std::string canonical_name;
};

/// getnameinfo(3)'s answer: host name and service name (or numbers).
struct nameinfo_result {
  std::string host;
  std::string service;
};

/// The threads that run blocking lookups for every resolver of the process:
/// at most threads() at once (4 unless configure() said otherwise), the
/// rest waiting in a queue. They are detached and started on demand; an
/// idle one waits for work, and none is ever joined.
class lookup_workers {
 public:
  /// Work for a worker thread. Held by shared_ptr: whoever lets go last
  /// frees it.
  struct work {
    virtual ~work() = default;
    virtual void run() = 0;
  };

  /// Sets how many threads may run lookups at once (at least 1). Only
  /// before the first submit(); false afterwards.
  static bool configure(size_t threads);

  static size_t threads();

  /// Queues `w` to run on a worker thread.
  static void submit(std::shared_ptr<work> w);

  /// Takes `w` off the queue if it has not started; true if it was queued.
  static bool withdraw(const work* w);

  /// How many works are running now.
  static size_t busy();
};

class resolver : public handle_base {
 public:
  /// Identifies a request on this resolver; never 0, never reused.
  using request_id = uint64_t;

  /// Called with the addresses or the error: a UV_EAI_* code (EAI_NONAME,
  /// EAI_AGAIN, ...), or UV_ETIMEDOUT when the request's timeout passed.
  using addrinfo_callback = unique_task<void(result<addrinfo_result>)>;
  using nameinfo_callback = unique_task<void(result<nameinfo_result>)>;

  /// What cancel() did.
  enum class cancel_outcome {
    cancelled,  ///< taken off the workers' queue before it ran
    abandoned,  ///< already running; its result will be discarded
    unknown,    ///< no such request pending (finished, or never existed)
  };

  /// Counts since creation.
  struct counters {
    uint64_t started = 0;
    uint64_t succeeded = 0;
    uint64_t failed = 0;     ///< errors from getaddrinfo/getnameinfo
    uint64_t timed_out = 0;  ///< also counted as cancelled or abandoned
    /// Taken off the workers' queue by cancel(), close() or a timeout.
    uint64_t cancelled = 0;
    /// Already running then: the answer is discarded when it comes.
    uint64_t abandoned = 0;
  };

  static result<resolver*> create(loop& l);

  /// Starts getaddrinfo(host, service, hints). `host` or `service` may be
  /// empty (not both). timeout_ms == 0: no timeout of our own. Returns the
  /// request's id; on an error the callback is never called.
  result<request_id> getaddrinfo(const std::string& host,
                                 const std::string& service,
                                 const addrinfo_hints& hints,
                                 uint64_t timeout_ms, addrinfo_callback cb);

  /// Starts getnameinfo(peer, flags) with NI_* flags (NI_NUMERICHOST,
  /// NI_NUMERICSERV, NI_NAMEREQD, NI_DGRAM, ...).
  result<request_id> getnameinfo(const endpoint& peer, int flags,
                                 uint64_t timeout_ms, nameinfo_callback cb);

  /// Cancels a pending request; its callback will not be called.
  cancel_outcome cancel(request_id id);

  /// Requests whose callback is still to come.
  size_t pending() const noexcept { return pending_.size(); }

  const counters& stats() const noexcept { return stats_; }

 protected:
  uv_handle_t* raw_handle() noexcept override {
    return reinterpret_cast<uv_handle_t*>(&timer_);
  }
  void on_close() override;

 private:
  struct request;
  template <class Result>
  struct answering_request;
  struct addrinfo_request;
  struct nameinfo_request;

  explicit resolver(loop& l);

  request_id admit(std::shared_ptr<request> req, uint64_t timeout_ms);
  // Removes `req` from the index and the timeout set and withdraws the wish
  // for its answer; a worker may still be running it.
  void forget(request& req);
  // forget() + off the workers' queue if it is still there; counts the
  // outcome.
  cancel_outcome detach(request& req);
  // Loop thread: a worker's answer arrived.
  void complete(request& req);
  void arm_timer();
  void on_timer();

  uv_timer_t timer_;
  request_id next_id_ = 1;
  std::unordered_map<request_id, std::shared_ptr<request>> pending_;
  // (deadline in uv_now() milliseconds, id) of requests with a timeout.
  std::set<std::pair<uint64_t, request_id>> deadlines_;
  counters stats_;
};

}  // namespace net
