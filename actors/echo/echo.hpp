// netactors echo: the owner side of TCP echo, as reusable actors.
//
// echo_handler: owns any number of connections and writes back every byte
// each one receives. It pauses a connection's reading while that
// connection's write queue is above its high-water mark, and acknowledges the
// peer's half-close so the connection flushes, shuts down and ends (a
// half-open connection, whose tcp_read_closed is no request, is sent
// tcp_shutdown instead). It keeps
// no per-connection state, so one handler per loop serves every connection
// on that loop. With `log` set, it sends one JSON line per connection event
// to `log` (a std::string message), for --verbose servers.
//
// echo_client_session: connects, sends messages, verifies every echoed byte,
// and replies with the measurements (see echo_client_result).
// Thread safety: actors.
#pragma once

#include <caf/actor.hpp>
#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "actors/messages/echo_messages.hpp"
#include "actors/core/runtime.hpp"
#include "net/core/endpoint.hpp"

namespace netactors {

struct echo_handler_state {
  caf::actor log;
  static const char* name;
};

caf::behavior echo_handler(caf::stateful_actor<echo_handler_state>* self,
                           caf::actor log);

/// What one client session should do.
struct echo_client_job {
  net::endpoint server;
  /// Messages to send in order; each must come back byte for byte before
  /// the next is sent (ping-pong), then the session half-closes.
  std::vector<std::string> messages;
  uint32_t connect_timeout_ms = 5000;
};

/// Spawns a session on the runtime's next loop; it replies to `reply_to`
/// with echo_client_result when done, then ends. The session takes no
/// commands (it owns its connection: tcp_connection_owner), so its handle
/// stays a caf::actor. Thread-safe.
caf::actor spawn_echo_client(runtime& rt, caf::actor reply_to,
                             echo_client_job job);

}  // namespace netactors
