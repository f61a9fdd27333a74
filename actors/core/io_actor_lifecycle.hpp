// How an actor that owns a socket (TCP connection, UDP socket) ends when its
// owner ends or when it is sent an exit message: through the same `finish`
// that every other end takes, so waiting requests and the owner learn why.
// The owner is watched through the socket state's owner_link
// (actors/core/owner_watch.hpp: one attachable per owner, not one CAF monitor
// per socket); `finish` calls stop_watching_owner(), so an owner that lives
// on keeps nothing of an ended socket.
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
#include <utility>

#include "actors/messages/net_error.hpp"
#include "actors/core/owner_watch.hpp"
#include "actors/core/tell.hpp"

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

/// Watches `owner`: when it ends, `Finish(self, {})` runs with nobody left to
/// tell (state.closed_event_sent is set). An exit message runs
/// `Finish(self, reason)`. `Self` is a stateful actor whose state has `owner`,
/// `watching_owner` (an owner_link) and `closed_event_sent`; `what` must be a string literal. (Finish is a
/// template argument and the handlers capture two pointers at most, so that
/// CAF's std::function handlers need no allocation per actor: idle memory per
/// connection counts.)
template <auto Finish, class Self>
void end_with_owner_or_exit(Self* self, const char* what) {
  self->state.watching_owner.link(self->state.owner, self->ctrl());
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

/// Undoes end_with_owner_or_exit's watch; call it from `finish`.
template <class Self>
void stop_watching_owner(Self* self) {
  self->state.watching_owner.unlink();
}

/// What a request still waiting when a socket actor ends learns: the reason
/// it ended, or ECANCELED `closed_what` ("connection closed") when it ended
/// cleanly.
inline caf::error waiting_request_error(const net_error& reason,
                                        const char* closed_what) {
  return make_caf_error(reason.ok() ? net_error::of(UV_ECANCELED, closed_what)
                                    : reason);
}

/// The common end of a socket actor's `finish` (TCP connection, UDP socket),
/// after its waiting requests were answered: the owner gets `closed` (once),
/// the io closes, the owner's watch forgets it, the actor quits with `reason` and
/// drops its keep-alive. `Self`'s state has owner, closed_event_sent, io and
/// keep_alive.
template <class Self, class Closed>
void end_socket_actor(Self* self, const net_error& reason, Closed closed) {
  auto& st = self->state;
  if (!st.closed_event_sent && st.owner) {
    st.closed_event_sent = true;
    tell(self, st.owner, std::move(closed));
  }
  st.io->close();
  stop_watching_owner(self);
  self->quit(reason.ok() ? caf::error{} : make_caf_error(reason));
  st.keep_alive = nullptr;
}

}  // namespace netactors
