// netactors::connect_io: the sockets of a dns_connect actor's connection
// attempts. The real implementation (actors/dns/uv_connect_io.hpp) drives
// net::tcp_stream on the loop thread the actor runs on; tests substitute a
// fake so the Happy Eyeballs logic runs under CAF's deterministic scheduler.
//
// Each attempt's outcome comes back to the attached actor as the sealed io
// event dns_io_attempt_done{attempt, status} (actors/core/io_event.hpp); the io
// holds its actor weakly, so a dns_connect nobody can reach ends. The winner's socket is handed to a new
// tcp_connection actor (actors/tcp/tcp_connection.hpp) exactly as an accepted
// socket is: its owner gets tcp_connection_opened and then its bytes.
// Thread safety: only from the actor that holds it (on its loop thread).
// Ownership: held by that actor's state, whose destructor calls close().
#pragma once

#include <caf/actor.hpp>

#include <cstdint>

#include "actors/core/io_event.hpp"
#include "actors/messages/net_error.hpp"
#include "actors/tcp/tcp_connection.hpp"
#include "net/core/endpoint.hpp"

namespace netactors {

/// A connection attempt of a dns_connect actor finished: connected (no
/// status) or failed.
struct dns_io_attempt_done {
  uint32_t attempt = 0;
  net_error status;
};
NETACTORS_IO_EVENT(dns_io_attempt_done, attempt, status)

class connect_io {
 public:
  /// A connection actor made from a won attempt, and its connection id.
  struct adopted {
    tcp_connection_actor connection;
    uint64_t id = 0;
  };

  virtual ~connect_io() = default;

  /// Routes attempt outcomes to `self` (deliver_io_event). Called once, from
  /// the actor's initialisation.
  virtual void attach(caf::weak_actor_ptr self) = 0;

  /// Starts connecting attempt `attempt` to `peer`. dns_io_attempt_done
  /// follows unless an error is returned or the attempt is cancelled.
  virtual net_error start(uint32_t attempt, const net::endpoint& peer) = 0;

  /// Closes the attempt's socket; no message follows. Idempotent.
  virtual void cancel(uint32_t attempt) = 0;

  /// Hands the connected socket of `attempt` to a new connection actor
  /// owned by `owner`. An invalid handle if the socket is gone.
  virtual adopted adopt(uint32_t attempt, caf::actor owner,
                        const tcp_connection_options& options) = 0;

  /// Closes every socket not adopted. Idempotent.
  virtual void close() = 0;
};

}  // namespace netactors
