// Messages of the supervisor (actors/supervisor/supervisor.hpp): the requests it
// answers, its stats, the events it reports to its observer, and its errors
// (caf::error category "supervisor"). Plain structs; JSON and CAF forms come
// from NETACTORS_MESSAGE (see tcp_messages.hpp for the conventions).
#pragma once

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/detail/type_list.hpp>
#include <caf/error.hpp>
#include <caf/message.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "actors/messages/message_macros.hpp"
#include "actors/messages/message_instances.hpp"

namespace netactors {

// -- requests to the supervisor ---------------------------------------------

/// Reply: the child's current incarnation (caf::actor), or an error
/// (unknown_child naming it; child_unavailable while it is not running).
struct supervisor_which {
  std::string name;
};
NETACTORS_MESSAGE(supervisor_which, name)

/// Reply: the child's stable handle (caf::actor), the one that always
/// reaches the current incarnation; or unknown_child.
struct supervisor_stable_handle {
  std::string name;
};
NETACTORS_MESSAGE(supervisor_stable_handle, name)

/// Reply: supervisor_stats.
struct supervisor_get_stats {};
NETACTORS_EMPTY_MESSAGE(supervisor_get_stats)

// -- replies ----------------------------------------------------------------

/// One child, as supervisor_stats reports it.
struct supervisor_child_stats {
  std::string name;
  std::string restart;   ///< "permanent", "transient" or "temporary"
  std::string state;     ///< "running", "restarting", "exited" or "stopped"
  uint32_t restarts = 0;  ///< restarts of this child since the supervisor began
};
NETACTORS_MESSAGE(supervisor_child_stats, name, restart, state, restarts)

/// The children in start order.
struct supervisor_stats {
  std::string supervisor;  ///< the supervisor's name
  std::vector<supervisor_child_stats> children;
};
NETACTORS_MESSAGE(supervisor_stats, supervisor, children)

// -- events to the observer -------------------------------------------------

/// One thing that happened to a child, sent to the supervisor's observer:
/// event is one of
///   "started"       the first incarnation runs
///   "exited"        an incarnation ended by itself; reason says why ("" for
///                   a normal exit); a "restarted" follows if it restarts
///   "restarted"     a new incarnation runs; restarts counts them
///   "start_failed"  the factory gave no actor (reason says why)
///   "gave_up"       this child's exit exceeded the restart intensity; the
///                   supervisor stops every child and ends (reason: the error)
///   "stopped"       the supervisor stopped the child while shutting down;
///                   reason is how it ended ("user_shutdown", or "kill" after
///                   its shutdown timeout)
struct supervisor_event {
  std::string supervisor;  ///< the supervisor's name
  std::string child;
  std::string event;
  std::string reason;      ///< "" or the rendering of the exit reason
  uint32_t restarts = 0;   ///< the child's restarts so far
};
NETACTORS_MESSAGE(supervisor_event, supervisor, child, event, reason,
                  restarts)

// The capability's message types, listed once (message_instances.hpp).
#define NETACTORS_SUPERVISOR_MESSAGES(X) \
    X(supervisor_which) X(supervisor_stable_handle) X(supervisor_get_stats) \
    X(supervisor_stats) X(supervisor_event)

using supervisor_message_types = NETACTORS_TYPE_LIST(NETACTORS_SUPERVISOR_MESSAGES);

// -- errors -----------------------------------------------------------------

/// caf::error category of the supervisor's errors.
using supervisor_error_atom = caf::atom_constant<caf::atom("supervisor")>;

enum class supervisor_errc : uint8_t {
  too_many_restarts = 1,  ///< the supervisor's exit reason after giving up
  start_failed,           ///< a child's first start failed (exit reason)
  unknown_child,          ///< no child of that name
  child_unavailable,      ///< the child is not running (restarting, ended)
  invalid_spec,           ///< spawn_supervisor's child specs are unusable
};

inline const char* to_string(supervisor_errc x) {
  switch (x) {
    case supervisor_errc::too_many_restarts:
      return "too_many_restarts";
    case supervisor_errc::start_failed:
      return "start_failed";
    case supervisor_errc::unknown_child:
      return "unknown_child";
    case supervisor_errc::child_unavailable:
      return "child_unavailable";
    case supervisor_errc::invalid_spec:
      return "invalid_spec";
  }
  return "unknown_supervisor_error";
}

/// A "supervisor" caf::error; `what` names the child and the circumstances.
inline caf::error make_supervisor_error(supervisor_errc x, std::string what) {
  return caf::error{static_cast<uint8_t>(x), supervisor_error_atom::value,
                    caf::make_message(std::move(what))};
}

/// "too_many_restarts: <what>".
inline std::string render_supervisor_error(uint8_t code,
                                           const caf::message& ctx) {
  std::string out = to_string(static_cast<supervisor_errc>(code));
  if (ctx.match_elements<std::string>())
    out += ": " + ctx.get_as<std::string>(0);
  return out;
}

/// Registers the category's renderer: actor_system::render gives
/// "supervisor: too_many_restarts: child resolver ...". add_message_types
/// calls it.
inline void add_supervisor_error_category(caf::actor_system_config& cfg) {
  cfg.add_error_category(
      supervisor_error_atom::value,
      [](uint8_t code, caf::atom_value, const caf::message& ctx) {
        return "supervisor: " + render_supervisor_error(code, ctx);
      });
}

}  // namespace netactors

// CAF's per-type instances are in supervisor_catalogue.cpp.
NETACTORS_SUPERVISOR_MESSAGES(NETACTORS_EXTERN_MESSAGE_INSTANCES)
