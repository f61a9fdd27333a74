// netactors::bind_shared_behavior: one behavior for every actor of a kind.
//
// CAF 0.17 builds an actor's behavior from its handlers when the actor
// starts: one allocation holding every match case (656 bytes for the 15
// handlers of a connection actor), per actor, because each handler captures
// `self`. Actors with many instances (a connection per client) share one
// behavior instead, built once with handlers that capture nothing and ask
// bound_self<Self>() whom they are running for; each actor holds only a
// bound_behavior (self + the shared behavior, 64 bytes), which names the
// actor around every call into the shared one.
// What a CAF upgrade must re-check (CAF 0.17.6, detail/behavior_impl.cpp):
// every way a behavior is invoked goes through the virtual invoke(visitor,
// type_erased_tuple&), invoke_empty or handle_timeout, which bound_behavior
// overrides; and behavior_impl's begin_/end_ (left empty here) are read only
// by behavior_impl::invoke itself.
// Thread safety: the shared behavior is invoked from many threads at once;
// its handlers must keep no state of their own (captureless lambdas). The
// current actor is a thread_local, saved and restored around each call.
#pragma once

#include <caf/behavior.hpp>
#include <caf/detail/behavior_impl.hpp>
#include <caf/intrusive_ptr.hpp>
#include <caf/make_counted.hpp>
#include <caf/typed_behavior.hpp>

#include <cassert>
#include <utility>

namespace netactors {

namespace detail {

template <class Self>
struct shared_behavior_current {
  static inline thread_local Self current = nullptr;
};

}  // namespace detail

/// The actor whose message the calling handler of a shared behavior is
/// handling. Only valid inside such a handler (not in a continuation of
/// request(...).then: capture the pointer there).
template <class Self>
Self bound_self() noexcept {
  auto self = detail::shared_behavior_current<Self>::current;
  assert(self != nullptr);
  return self;
}

/// One actor's behavior: `shared`, run with bound_self<Self>() == self.
template <class Self>
class bound_behavior final : public caf::detail::behavior_impl {
 public:
  bound_behavior(Self self, caf::intrusive_ptr<caf::detail::behavior_impl> shared)
      : caf::detail::behavior_impl(shared->timeout()),
        self_(self),
        shared_(std::move(shared)) {}

  caf::match_case::result invoke_empty(
      caf::detail::invoke_result_visitor& f) override {
    binding scope{self_};
    return shared_->invoke_empty(f);
  }

  caf::match_case::result invoke(caf::detail::invoke_result_visitor& f,
                                 caf::type_erased_tuple& xs) override {
    binding scope{self_};
    return shared_->invoke(f, xs);
  }

  void handle_timeout() override {
    binding scope{self_};
    shared_->handle_timeout();
  }

 private:
  // Sets the current actor for one call; restores the previous one, should
  // a handler ever run another actor's behavior on the same thread.
  struct binding {
    explicit binding(Self self)
        : previous(detail::shared_behavior_current<Self>::current) {
      detail::shared_behavior_current<Self>::current = self;
    }
    ~binding() { detail::shared_behavior_current<Self>::current = previous; }
    Self previous;
  };

  Self self_;  // the actor holds this behavior, so it outlives it
  caf::intrusive_ptr<caf::detail::behavior_impl> shared_;
};

/// `self`'s behavior: `shared` (built once, e.g. in a function-local
/// static), bound to `self`.
template <class Self, class... Sigs>
caf::typed_behavior<Sigs...> bind_shared_behavior(
    Self self, caf::typed_behavior<Sigs...>& shared) {
  using result = caf::typed_behavior<Sigs...>;
  auto impl = caf::make_counted<bound_behavior<Self>>(
      self, shared.unbox().as_behavior_impl());
  return result{typename result::unsafe_init{},
                caf::behavior{caf::intrusive_ptr<caf::detail::behavior_impl>{
                    std::move(impl)}}};
}

}  // namespace netactors
