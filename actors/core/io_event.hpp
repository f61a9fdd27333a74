// Sealed io events: how the libuv seam of a socket or service actor tells the
// actor that something finished (tcp connect, write done, lookup done, ...)
// without those events being part of the public protocol.
//
// - An io event is a plain struct declared next to its seam (tcp_io.hpp, ...)
//   with NETACTORS_IO_EVENT: it has CAF's inspect() (so tests and CAF's log
//   can print it) but it is never registered with the actor system and has no
//   JSON form, so neither the middleman nor the JSON envelope can create one.
// - The seam delivers it with deliver_io_event(): the actor sends it to
//   itself, so its sender is the actor. Its handler starts with
//   `if (!from_own_io(self)) return;`: an event from any other sender (another
//   actor, anon_send) is dropped, so no one but the seam can forge it.
// Thread safety: deliver_io_event is thread-safe (a CAF send).
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/send.hpp>
#include <caf/weak_intrusive_ptr.hpp>

#include <nlohmann/json.hpp>

#include <utility>

#define NETACTORS_IO_EVENT_FIELD(field) , x.field

/// Gives an io event struct inspect() (printing only), nothing else.
#define NETACTORS_IO_EVENT(type, ...)                                   \
  template <class Inspector>                                            \
  typename Inspector::result_type inspect(Inspector& f, type& x) {      \
    return f(caf::meta::type_name(#type) NLOHMANN_JSON_EXPAND(          \
        NLOHMANN_JSON_PASTE(NETACTORS_IO_EVENT_FIELD, __VA_ARGS__)));   \
  }

namespace netactors {

/// Sends `event` to `self` as `self`. `self` is weak: a seam must never keep
/// its own actor alive (an actor nobody can reach must be able to end); once
/// the actor is gone the event is dropped.
template <class Event>
void deliver_io_event(const caf::weak_actor_ptr& self, Event&& event) {
  if (auto strong = self.lock()) {
    auto hdl = caf::actor_cast<caf::actor>(std::move(strong));
    caf::send_as(hdl, hdl, std::forward<Event>(event));
  }
}

/// Sends `msg` to `to` as if from `self` (the seam's straight path to an
/// actor's owner: one mailbox hop instead of two); dropped once `self` is
/// gone, like deliver_io_event.
template <class Message>
void send_as_self(const caf::weak_actor_ptr& self, const caf::actor& to,
                  Message&& msg) {
  if (auto strong = self.lock())
    caf::send_as(caf::actor_cast<caf::actor>(std::move(strong)), to,
                 std::forward<Message>(msg));
}

/// True when the message being handled came from the actor's own seam.
template <class Self>
bool from_own_io(Self* self) {
  return self->current_sender() == self->ctrl();
}

}  // namespace netactors
