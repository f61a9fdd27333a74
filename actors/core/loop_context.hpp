// netactors::loop_context: binds one net::loop to the actor system so that
// actors can be *loop-affine*: resumed on the loop thread itself, where their
// handlers may call net/ directly (docs/design.md: measured at 0.91x plain
// libuv for one connection, against 0.21x for a thread hop).
//
// Two execution units per loop:
// - affine_unit: where a loop-affine actor is always scheduled. On the loop
//   thread that is a push onto the loop's ready list (no system call); from
//   other threads a post through the loop's queue and one uv_async_send.
// - resume_unit: the context a loop-affine actor runs in. CAF schedules a
//   message's *receiver* on the *sender's* unit, so this unit hands every
//   actor that reaches it to CAF's scheduler: ordinary actors never migrate
//   onto the loop thread. (Loop-affine receivers ignore the unit they are
//   given and use their own affine_unit.)
// Thread safety: spawn() and the units are thread-safe. Ownership: the
// runtime (actors/core/runtime.hpp) owns contexts and outlives their actors.
#pragma once

#include <atomic>
#include <cstdint>

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_config.hpp>
#include <caf/actor_system.hpp>
#include <caf/detail/init_fun_factory.hpp>
#include <caf/detail/type_list.hpp>
#include <caf/detail/type_traits.hpp>
#include <caf/execution_unit.hpp>
#include <caf/infer_handle.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/spawn_options.hpp>
#include <caf/weak_intrusive_ptr.hpp>

#include <cstddef>
#include <mutex>
#include <type_traits>
#include <utility>
#include <vector>

#include "net/core/loop.hpp"

namespace netactors {

class loop_context;

namespace detail {

/// loop_context::spawn's hidden argument for functions without arguments.
struct no_arguments_tag {};

/// Calls F, a function-based actor without arguments, from a function that
/// takes no_arguments_tag besides the self pointer F may take.
template <class F,
          class Trait = typename caf::detail::get_callable_trait<F>::type,
          class First = typename caf::detail::tl_head<typename Trait::arg_types>::type,
          bool HasSelf = std::is_pointer<First>::value>
struct no_arguments {
  F fun;
  typename Trait::result_type operator()(First self, no_arguments_tag) {
    return fun(self);
  }
};

template <class F, class Trait, class First>
struct no_arguments<F, Trait, First, false> {
  F fun;
  typename Trait::result_type operator()(no_arguments_tag) { return fun(); }
};

}  // namespace detail

/// Where one loop's actors are scheduled, and the count of messages sent
/// to them: one per loop_context, shared by its actors (one pointer each).
struct loop_home {
  explicit loop_home(caf::execution_unit* u) : unit(u) {}
  caf::execution_unit* const unit;
  std::atomic<uint64_t> messages{0};  ///< relaxed
};

/// An actor of type Base that always runs on `home`'s loop thread.
template <class Base>
class loop_affine final : public Base {
 public:
  template <class... Ts>
  loop_affine(caf::actor_config& cfg, loop_home* home, Ts&&... xs)
      : Base(cfg, std::forward<Ts>(xs)...), home_(home) {}

  void enqueue(caf::mailbox_element_ptr ptr, caf::execution_unit*) override {
    home_->messages.fetch_add(1, std::memory_order_relaxed);
    Base::enqueue(std::move(ptr), home_->unit);
  }

  void launch(caf::execution_unit*, bool lazy, bool hide) override {
    Base::launch(home_->unit, lazy, hide);
  }

 private:
  loop_home* home_;
};

/// What the actors of one loop_context have done so far (relaxed counters;
/// actors_alive is counted when asked).
struct loop_actor_counters {
  uint64_t actors_spawned = 0;
  uint64_t actors_alive = 0;    ///< spawned here and not destroyed yet
  uint64_t messages = 0;        ///< enqueued to them, from any thread
  uint64_t actor_turns = 0;     ///< resumptions (each handles 1..64 messages)
};

class loop_context {
 public:
  /// Messages an actor handles per turn before others on the loop get theirs.
  static constexpr size_t max_throughput = 64;

  loop_context(caf::actor_system& sys, net::loop& l);

  loop_context(const loop_context&) = delete;
  loop_context& operator=(const loop_context&) = delete;

  net::loop& loop() noexcept { return loop_; }
  caf::actor_system& system() noexcept { return sys_; }

  /// Thread-safe. Spawns a function-based actor (as with actor_system::spawn)
  /// that runs on this loop's thread. Its handlers must never block. Unlike
  /// actor_system::spawn in CAF 0.17, `fun` may take no arguments.
  template <class F, class... Ts>
  caf::infer_handle_from_fun_t<F> spawn(F fun, Ts&&... xs) {
    using impl = caf::infer_impl_from_fun_t<F>;
    caf::actor_config cfg{&affine_unit_};
    if constexpr (sizeof...(Ts) == 0) {
      // CAF 0.17 keeps no argument tuple for a function without arguments
      // and then binds a reference to the null pointer (UBSan aborts). Pass
      // one hidden argument that the wrapper drops.
      using wrapper = detail::no_arguments<F>;
      caf::detail::init_fun_factory<impl, wrapper> factory;
      cfg.init_fun = factory(wrapper{std::move(fun)}, detail::no_arguments_tag{});
    } else {
      caf::detail::init_fun_factory<impl, F> factory;
      cfg.init_fun = factory(std::move(fun), std::forward<Ts>(xs)...);
    }
    auto handle = sys_.spawn_class<loop_affine<impl>, caf::no_spawn_options>(
        cfg, &home_);
    actors_spawned_.fetch_add(1, std::memory_order_relaxed);
    release_thread_logger();
    remember(caf::actor_cast<caf::weak_actor_ptr>(handle));
    return handle;
  }

  /// Thread-safe. Every actor spawned here that has not been destroyed yet
  /// (for runtime::shutdown, which asks them to exit).
  std::vector<caf::actor> live_actors();

  /// Thread-safe: the counters as they are now (actors_alive walks the
  /// actors spawned here, under the lock spawn takes).
  loop_actor_counters counters();

  /// CAF's spawn and resume pin the actor system's logger in a thread-local
  /// reference, and ~actor_system waits for the logger to be destroyed. A
  /// loop thread outlives the system, so it must not keep that reference.
  static void release_thread_logger();

 private:
  class affine_unit final : public caf::execution_unit {
   public:
    explicit affine_unit(loop_context& ctx);
    void exec_later(caf::resumable* job) override;

   private:
    loop_context& ctx_;
  };

  class resume_unit final : public caf::execution_unit {
   public:
    explicit resume_unit(caf::actor_system& sys);
    void exec_later(caf::resumable* job) override;
  };

  void resume(caf::resumable* job);

  // Keeps a weak reference to `a`; forgets destroyed actors now and then
  // (when the list has doubled since), so the list stays proportional to
  // the actors alive.
  void remember(caf::weak_actor_ptr a);

  std::mutex spawned_mtx_;
  std::vector<caf::weak_actor_ptr> spawned_;  // guarded by spawned_mtx_
  size_t prune_at_ = 64;                      // guarded by spawned_mtx_

  std::atomic<uint64_t> actors_spawned_{0};
  std::atomic<uint64_t> actor_turns_{0};

  caf::actor_system& sys_;
  net::loop& loop_;
  affine_unit affine_unit_;
  loop_home home_{&affine_unit_};
  resume_unit resume_unit_;
};

}  // namespace netactors
