// netactors::supervisor: keeps a fixed set of child actors running, as an
// Erlang/OTP one_for_one supervisor does (CAF 0.17 has none).
//
// - Children start in spec order, each from its factory. A child whose first
//   start fails ends the supervisor (start_failed), after it has stopped the
//   children already started.
// - When a child ends, its restart type decides (OTP's): permanent children
//   are always restarted, transient ones only after an abnormal exit (any
//   exit reason but normal and user_shutdown), temporary ones never. Only
//   that child restarts.
// - Restart intensity: more than max_restarts restarts (of all children
//   together, as in OTP) within `period` and the supervisor gives up: it
//   stops every child and ends with too_many_restarts naming the child whose
//   exit was one too many. A restart whose factory fails counts as a restart
//   and is retried after retry_delay, so a child that cannot start again
//   also ends in a give-up.
// - Shutdown: on an exit message (of any reason but kill), or after giving
//   up, the children are stopped in REVERSE start order, one at a time: exit
//   message user_shutdown, then wait for its down message; after the child's
//   shutdown_timeout it gets exit_reason::kill. Then the supervisor ends with
//   the exit message's reason (or the give-up error). A supervisor that ends
//   otherwise (killed, or an exception) kills every child left, in reverse
//   order, without waiting.
// - Reaching children: each child has a stable handle (a small proxy actor)
//   that forwards every message to the current incarnation with the original
//   sender and request id, so request/response works through it as with the
//   child itself. While the child is down and about to restart, the proxy
//   holds up to pending_limit messages and forwards them, in order, to the new
//   incarnation; past that limit a request is answered with
//   child_unavailable naming the child (an asynchronous message beyond the
//   limit has nobody to tell and is dropped). Once the child will not come
//   back (temporary, transient after a normal exit, supervisor shutting
//   down), requests get child_unavailable. A message that the proxy had
//   already forwarded to an incarnation that then died is lost as with any
//   actor that ends (a request gets CAF's request_receiver_down).
//   supervisor_which{name} answers the current incarnation itself. Exit
//   messages to a stable handle are ignored: it ends with its supervisor.
// - Every start, exit, restart, failed start, give-up and stop goes to the
//   observer as a supervisor_event (actors/messages/supervisor_messages.hpp);
//   supervisor_get_stats answers the restarts per child.
// Lifetime: the supervisor is an application root. It keeps no handle to
// itself; the actor system's registry holds it (by actor id) while it runs,
// so it goes on supervising when nobody else holds its handle. It ends only
// by an exit message or by giving up (or when killed); its children and
// their stable handles end with it. ~actor_system waits for it, so send it an
// exit message before the system shuts down.
// Thread safety: an actor; spawn_supervisor is thread-safe.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/local_actor.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "actors/messages/supervisor_messages.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace netactors {

enum class restart_type : uint8_t { permanent, transient, temporary };

/// "permanent", "transient", "temporary".
const char* to_string(restart_type x);

struct child_spec {
  /// Unique among the supervisor's children; named in events and errors.
  std::string name;
  /// Spawns one incarnation; runs in the supervisor's handler, with the
  /// supervisor as `self` (self->spawn(...), or a loop_context's spawn for a
  /// loop-affine child). Must not block. An invalid handle or an exception
  /// is a failed start. The supervisor monitors the child; do not link them.
  std::function<caf::actor(caf::local_actor* self)> start;
  restart_type restart = restart_type::permanent;
  /// How long a stopped child may take to end before it is killed; 0 kills
  /// it at once (OTP's brutal_kill).
  std::chrono::milliseconds shutdown_timeout{5000};
};

struct supervisor_config {
  /// Named in events, stats and errors.
  std::string name = "supervisor";
  /// Restart intensity: at most max_restarts within period.
  uint32_t max_restarts = 3;
  std::chrono::milliseconds period{5000};
  /// Gets every supervisor_event; may be invalid (no events).
  caf::actor observer;
  /// Messages a stable handle holds while its child restarts.
  size_t pending_limit = 64;
  /// After a restart whose factory failed, the wait before the next attempt
  /// (each attempt counts as a restart).
  std::chrono::milliseconds retry_delay{100};
};

/// The handle of a supervisor: what anyone may send it. (Its children are
/// caf::actor: a supervisor keeps actors of any protocol; cast a stable
/// handle to the child's protocol, e.g. caf::actor_cast<resolver_actor>.)
using supervisor_actor = caf::typed_actor<
    caf::replies_to<supervisor_which>::with<caf::actor>,
    caf::replies_to<supervisor_stable_handle>::with<caf::actor>,
    caf::replies_to<supervisor_get_stats>::with<supervisor_stats>>;

/// What the observer gets. It is a caf::actor; a typed one may implement
/// this.
using supervisor_observer = caf::typed_actor<caf::reacts_to<supervisor_event>>;

struct supervisor_handles {
  supervisor_actor supervisor;
  /// Child name -> stable handle (forwards to the current incarnation).
  std::map<std::string, caf::actor> children;
};

/// Spawns the supervisor and the children's stable handles; the supervisor
/// then starts the children. Unusable specs (no children, an empty or
/// duplicate name, a missing factory, a period of zero) are
/// invalid_spec errors and nothing is spawned.
caf::expected<supervisor_handles> spawn_supervisor(
    caf::actor_system& sys, supervisor_config cfg,
    std::vector<child_spec> children);

}  // namespace netactors
