// netactors::resolver_io: what the resolver actor asks of the system
// resolver. The real implementation (actors/dns/uv_resolver_io.hpp) calls
// net::resolver on the loop thread the actor runs on; tests substitute a
// fake so the actor's logic runs under CAF's deterministic scheduler.
//
// Results come back to the attached actor as sealed io events
// (actors/core/io_event.hpp): dns_io_lookup_done or dns_io_reverse_done, carrying
// the request id lookup() returned. The io holds its actor weakly: a
// resolver nobody can reach ends, and its lookups with it.
// Thread safety: only from the actor that holds it (on its loop thread).
// Ownership: held by that actor's state, whose destructor calls close().
#pragma once

#include <caf/fwd.hpp>

#include <cstdint>

#include "actors/core/io_event.hpp"
#include "actors/messages/dns_messages.hpp"
#include "actors/messages/net_error.hpp"

namespace netactors {

/// A getaddrinfo the resolver started finished (error or result).
struct dns_io_lookup_done {
  uint64_t request = 0;
  dns_addresses result;
  net_error error;
};
NETACTORS_IO_EVENT(dns_io_lookup_done, request, result, error)

/// A getnameinfo the resolver started finished.
struct dns_io_reverse_done {
  uint64_t request = 0;
  dns_name result;
  net_error error;
};
NETACTORS_IO_EVENT(dns_io_reverse_done, request, result, error)

class resolver_io {
 public:
  /// A started request's id, or why nothing was started.
  struct started {
    uint64_t request = 0;
    net_error error;
  };

  /// What cancel() did (see net::resolver::cancel_outcome).
  enum class cancel_outcome { cancelled, abandoned, unknown };

  virtual ~resolver_io() = default;

  /// Routes results to `self` (deliver_io_event). Called once, from the
  /// actor's initialisation.
  virtual void attach(caf::weak_actor_ptr self) = 0;

  /// Starts getaddrinfo; dns_io_lookup_done{request, ...} follows unless
  /// an error is returned or the request is cancelled.
  virtual started lookup(const dns_lookup& what) = 0;

  /// Starts getnameinfo; dns_io_reverse_done{request, ...} follows.
  virtual started reverse_lookup(const dns_reverse_lookup& what) = 0;

  /// Cancels a request; no message follows for it.
  virtual cancel_outcome cancel(uint64_t request) = 0;

  /// Cancels everything; no message follows. Idempotent.
  virtual void close() = 0;
};

}  // namespace netactors
