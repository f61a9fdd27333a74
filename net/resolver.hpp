// net::resolver: name resolution on one loop through libuv's thread pool
// (uv_getaddrinfo, uv_getnameinfo), with many requests in flight, explicit
// cancellation (uv_cancel) and optional per-request timeouts.
//
// getaddrinfo and getnameinfo are requests (uv_req_t), not handles, and the
// loop cannot close until libuv has called every request back. The resolver
// is therefore a handle (its embedded uv_timer_t drives the timeouts) that
// registers with its loop like any other: loop::stop() closes it, and closing
// cancels every request still pending, so a stopping loop never waits for a
// lookup that has not started. A lookup already running in the thread pool
// cannot be interrupted (uv_cancel answers EBUSY); it is *abandoned*: its
// result is discarded when it arrives, and the loop waits for it (at most the
// system resolver's own timeout, see resolv.conf(5)).
//
// Ownership: the loop owns the resolver (net/handle.hpp). Each request is a
// heap object owned by libuv from a successful uv_get*info call until its
// callback runs, which frees it; the resolver only indexes it by id. A
// request's callback runs exactly once (result, error or timeout) unless the
// request is cancelled or the resolver closes, in which case it never runs.
// Thread safety: loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "net/endpoint.hpp"
#include "net/handle.hpp"
#include "net/result.hpp"
#include "net/unique_task.hpp"

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
/// glibc), and the canonical name when AI_CANONNAME was asked for.
struct addrinfo_result {
  std::vector<resolved_address> addresses;
  std::string canonical_name;
};

/// getnameinfo(3)'s answer: host name and service name (or numbers).
struct nameinfo_result {
  std::string host;
  std::string service;
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
    cancelled,  ///< uv_cancel took it off the thread pool's queue
    abandoned,  ///< already running; its result will be discarded
    unknown,    ///< no such request pending (finished, or never existed)
  };

  /// Counts since creation.
  struct counters {
    uint64_t started = 0;
    uint64_t succeeded = 0;
    uint64_t failed = 0;     ///< errors from getaddrinfo/getnameinfo
    uint64_t timed_out = 0;  ///< also counted as cancelled or abandoned
    /// Taken off the thread pool's queue by cancel(), close() or a timeout.
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
  template <class Uv, class Callback>
  struct typed_request;
  using addrinfo_request = typed_request<uv_getaddrinfo_t, addrinfo_callback>;
  using nameinfo_request = typed_request<uv_getnameinfo_t, nameinfo_callback>;

  explicit resolver(loop& l);

  request_id admit(request* req, uint64_t timeout_ms);
  // Removes `req` from the index and the timeout set; it stays alive until
  // libuv calls it back.
  void forget(request* req);
  // forget() + uv_cancel(); counts the outcome.
  cancel_outcome detach(request* req);
  void arm_timer();
  void on_timer();

  static void on_addrinfo(uv_getaddrinfo_t* req, int status, addrinfo* res);
  static void on_nameinfo(uv_getnameinfo_t* req, int status, const char* host,
                          const char* service);

  uv_timer_t timer_;
  request_id next_id_ = 1;
  std::unordered_map<request_id, request*> pending_;
  // (deadline in uv_now() milliseconds, id) of requests with a timeout.
  std::set<std::pair<uint64_t, request_id>> deadlines_;
  counters stats_;
};

}  // namespace net
