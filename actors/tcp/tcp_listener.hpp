// netactors::tcp_listener: the actor that is one listening TCP socket.
//
// Protocol (tcp_listener_actor below, a typed handle): tcp_listen ->
// tcp_listening (or an error, and the actor ends); tcp_close ends it. Each accepted connection becomes a tcp_connection actor
// on the next loop (round robin over the runtime's loops) whose owner is the
// handler's actor, or whatever its factory returns for that connection.
// Accept failures (EMFILE, ...) go to `events` as tcp_accept_failed.
// Thread safety: an actor (loop-affine). Ownership: its state owns the
// listening socket and closes it when the actor ends.
#pragma once

#include <caf/replies_to.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <functional>
#include <memory>

#include "actors/core/loop_context.hpp"
#include "actors/core/runtime.hpp"
#include "actors/tcp/tcp_connection.hpp"

namespace netactors {

/// The handle of a listener actor: what anyone may send it.
using tcp_listener_actor =
    caf::typed_actor<caf::replies_to<tcp_listen>::with<tcp_listening>,
                     caf::reacts_to<tcp_close>>;

/// What a listener sends to tcp_connection_handler::events.
using tcp_listener_events = caf::typed_actor<caf::reacts_to<tcp_accept_failed>>;

/// Who owns each accepted connection.
struct tcp_connection_handler {
  /// One owner for every connection, or...
  caf::actor actor;
  /// ...a factory called on the connection's loop thread for each one; it
  /// may spawn a loop-affine owner with ctx.spawn(). An invalid handle
  /// rejects (closes) the connection.
  std::function<caf::actor(loop_context& ctx)> factory;
  /// Options for every accepted connection.
  tcp_connection_options options;
  /// Receives tcp_accept_failed (tcp_listener_events); may be invalid (then
  /// failures go to stderr).
  caf::actor events;
};

struct tcp_listener_state {
  net::loop* loop = nullptr;
  uint64_t listener_id = 0;
  ~tcp_listener_state();
  static const char* name;
};

/// The listener actor itself (its handlers' `self`).
using tcp_listener_self = tcp_listener_actor::stateful_pointer<tcp_listener_state>;

tcp_listener_actor::behavior_type tcp_listener(
    tcp_listener_self self, runtime* rt, loop_context* home,
    std::shared_ptr<const tcp_connection_handler> handler);

/// Spawns an unbound listener on the runtime's first loop; send it
/// tcp_listen. `handler` names the owners (of the connections, of the
/// accept failures). Thread-safe.
tcp_listener_actor spawn_tcp_listener(runtime& rt, tcp_connection_handler handler);

}  // namespace netactors
