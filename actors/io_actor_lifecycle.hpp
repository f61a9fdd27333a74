// How an actor that owns a socket (TCP connection, UDP socket) ends when its
// owner ends or when it is sent an exit message: through the same `finish`
// that every other end takes, so waiting requests and the owner learn why.
// `finish` calls stop_watching_owner(): CAF 0.17 keeps a monitor's record on
// the monitored actor until demonitor, and owners are long-lived (one echo
// handler serves every connection of a loop), so each ended connection would
// leave ~1.3 KiB behind on its owner.
// A stray error message (an owner whose handler returned an error for one
// of our plain messages) does not end the actor: CAF's default would quit
// silently, without `finish`.
// Thread safety: call from the actor's initialisation.
#pragma once

#include <caf/actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/system_messages.hpp>

#include <uv.h>

#include <string>

#include "actors/net_error.hpp"

namespace netactors {

/// An exit message as the reason a socket actor ended: ECANCELED naming
/// `what` when someone asked it to end, otherwise the sender's error.
inline net_error exit_as_net_error(caf::actor_system& sys,
                                   const caf::exit_msg& msg,
                                   const std::string& what) {
  if (msg.reason == caf::exit_reason::user_shutdown ||
      msg.reason == caf::exit_reason::kill)
    return net_error::of(UV_ECANCELED, what + " " + sys.render(msg.reason));
  return to_net_error(msg.reason);
}

/// Monitors `owner`: when it ends, `Finish(self, {})` runs with nobody left to
/// tell (state.closed_event_sent is set). An exit message runs
/// `Finish(self, reason)`. `Self` is a stateful actor whose state has `owner`
/// and `closed_event_sent`; `what` must be a string literal. (Finish is a
/// template argument and the handlers capture two pointers at most, so that
/// CAF's std::function handlers need no allocation per actor: idle memory per
/// connection counts.)
template <auto Finish, class Self>
void end_with_owner_or_exit(Self* self, const char* what) {
  self->monitor(self->state.owner);
  self->set_down_handler([self](const caf::down_msg& dm) {
    if (dm.source != self->state.owner.address()) return;
    self->state.closed_event_sent = true;
    Finish(self, net_error{});
  });
  self->set_exit_handler([self, what](const caf::exit_msg& msg) {
    Finish(self, exit_as_net_error(self->home_system(), msg, what));
  });
  self->set_error_handler([](caf::error&) {});
}

/// Undoes end_with_owner_or_exit's monitor; call it from `finish`.
template <class Self>
void stop_watching_owner(Self* self) {
  if (self->state.owner) self->demonitor(self->state.owner);
}

}  // namespace netactors
