// netactors::shared_behavior_actor: one behavior for every actor of a kind.
//
// CAF 0.17 builds an actor's behavior from its handlers when the actor
// starts: one allocation holding every match case (656 bytes for the 15
// handlers of a connection actor), per actor, because each handler captures
// `self`. Actors with many instances (a connection per client) share one
// behavior instead, built once with handlers that capture nothing and ask
// bound_self<Self>() whom they are running for. The actor type names itself
// around each of its turns (shared_behavior_actor::resume), so an actor
// holds nothing for it: no per-actor behavior object, no allocation.
// What a CAF upgrade must re-check (CAF 0.17.6, src/scheduled_actor.cpp):
// an event-based actor's behavior, its response handlers and its timeouts
// run only inside scheduled_actor::resume (activate, reactivate and consume
// are called from nowhere else but brokers); tests/actors:shared_behavior_test
// fails if an actor sees another's state.
// Thread safety: the shared behavior is invoked from many threads at once;
// its handlers must keep no state of their own (captureless lambdas). The
// current actor is a thread_local, saved and restored around each turn.
#pragma once

#include <caf/behavior.hpp>
#include <caf/resumable.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_behavior.hpp>

#include <cassert>
#include <cstddef>

namespace netactors {

namespace detail {

template <class Self>
struct shared_behavior_current {
  static inline thread_local Self current = nullptr;
};

}  // namespace detail

/// The actor whose message the calling handler of a shared behavior is
/// handling (in a continuation of request(...).then too). Only valid while
/// a shared_behavior_actor runs a turn.
template <class Self>
Self bound_self() noexcept {
  auto self = detail::shared_behavior_current<Self>::current;
  assert(self != nullptr);
  return self;
}

/// An actor of type Base whose handlers find it with bound_self(): it names
/// itself for the length of each turn.
template <class Base>
class shared_behavior_actor : public Base {
 public:
  using Base::Base;

  caf::resumable::resume_result resume(caf::execution_unit* unit,
                                       size_t max_throughput) override {
    binding scope{this};
    return Base::resume(unit, max_throughput);
  }

 private:
  // Restores the previous actor, should one actor's turn ever run inside
  // another's on the same thread.
  struct binding {
    explicit binding(shared_behavior_actor* self)
        : previous(detail::shared_behavior_current<shared_behavior_actor*>::current) {
      detail::shared_behavior_current<shared_behavior_actor*>::current = self;
    }
    ~binding() {
      detail::shared_behavior_current<shared_behavior_actor*>::current = previous;
    }
    shared_behavior_actor* previous;
  };
};

/// The self pointer of a function-based actor of typed handle Handle with
/// state State that shares its behavior (Handle::stateful_pointer<State>
/// for actors that do not).
template <class Handle, class State>
using shared_stateful_pointer =
    shared_behavior_actor<caf::stateful_actor<State, typename Handle::base>>*;

/// `self`'s behavior: `shared`, built once (e.g. in a function-local
/// static) and used by every actor of self's type.
template <class Base, class... Sigs>
caf::typed_behavior<Sigs...> use_shared_behavior(
    shared_behavior_actor<Base>*, const caf::typed_behavior<Sigs...>& shared) {
  return shared;
}

}  // namespace netactors
