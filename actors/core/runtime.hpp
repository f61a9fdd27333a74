// netactors::runtime: owns the libuv loops and the CAF actor system, and
// tears them down in the one order that is safe (see "Teardown" below).
// It registers the framework's message types itself (actors/messages/messages.hpp;
// registering them again, or your own, is harmless) and loads CAF's
// middleman (libcaf_io) when runtime_options::middleman asks for it.
//
// Teardown (~runtime), and why each step may rely on the one before:
//  1. sys_.await_all_actors_done(): every actor has ended. A loop-affine
//     actor ends on its loop thread; its state destructor closes its
//     handles (loop::close_handle, posted when off the loop thread), and the
//     last one still runs CAF code (clock, logger) after the count hit zero.
//     No actor is left to post work to a loop: a message to an ended actor
//     is dropped by CAF without scheduling it.
//  2. loops_.stop(): each loop first finishes the task it is running (so
//     the cleanup of step 1 has returned), runs every task already posted
//     (the close_handle posts of step 1 among them), closes every handle
//     still registered and runs the loop until every close callback has run
//     and no task is left; then its thread is joined. Observers and bridges
//     are freed in those close callbacks, so every actor reference they hold
//     (strong or weak) is released here, while the actor system still
//     exists; tasks that captured a loop_context& (the listener's accept
//     task) run here too, while the contexts still exist (step 4).
//  3. ~actor_system (sys_ is the last member): joins CAF's own threads. No
//     loop thread runs any more, so none can touch the system as it goes.
//  4. contexts_, then loops_ (already stopped: stop() is idempotent).
// One gap remains outside this file: a task posted before step 1 ended that
// spawns an actor (an accept handed to another loop just before its
// listener closed) runs in step 2; the actor starts and ends there with its
// socket, as long as it ends when its socket closes (tcp_connection does).
// A lookup abandoned in the resolver's worker pool holds nothing of the
// above (net/dns/resolver.hpp), so it does not delay any step.
//
// Service actors (resolver, dns_connect) spawned from inside another actor
// end with it unless spawned service_life::own; every netactors actor also
// ends when nobody holds a handle to it any more.
// Thread safety: all members are thread-safe; destroy the runtime from a
// thread that is not one of its loops.
//
// Timeouts: every actor's exit runs CAF's local_actor::cleanup, which asks
// the system clock to cancel the actor's timeouts; CAF's clock queues that
// request for its own thread and wakes it (an allocation, a mutex and a
// condition-variable broadcast per exit), even for an actor that never set
// a timeout, which is every connection actor. So the runtime loads its own
// scheduler (CAF's, unchanged, with the configured stealing or sharing
// policy) whose clock() is a timeout_tracking_clock: it passes everything
// on to CAF's clock, but a cancellation only for actors that have set a
// timeout. docs/design.md ("CAF's clock") argues why that is sound and what
// a CAF upgrade must re-check.
#pragma once

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/detail/thread_safe_actor_clock.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <vector>

#include "actors/core/loop_context.hpp"
#include "net/core/loop_group.hpp"

namespace netactors {

/// The clock of the runtime's scheduler (system().clock()). Thread-safe.
/// Forwards every call to `inner`, the clock whose thread dispatches
/// timeouts, except cancel_timeouts for an actor that never set a timeout
/// (ordinary, multi or request timeout): CAF's clock has nothing to cancel
/// for it. Delayed messages (schedule_message) are not per-actor timeouts
/// and are never cancelled by an actor's exit, in CAF's clock either.
/// It derives from CAF's thread_safe_actor_clock only because CAF's
/// coordinator declares clock() with that return type; its own queue and
/// dispatch loop stay unused.
class timeout_tracking_clock final : public caf::detail::thread_safe_actor_clock {
 public:
  explicit timeout_tracking_clock(caf::detail::thread_safe_actor_clock& inner)
      : inner_(inner) {}

  time_point now() const noexcept override;
  duration_type difference(caf::atom_value measurement, long units,
                           time_point t0, time_point t1) const noexcept override;
  void set_ordinary_timeout(time_point t, caf::abstract_actor* self,
                            caf::atom_value type, uint64_t id) override;
  void set_request_timeout(time_point t, caf::abstract_actor* self,
                           caf::message_id id) override;
  void set_multi_timeout(time_point t, caf::abstract_actor* self,
                         caf::atom_value type, uint64_t id) override;
  void cancel_ordinary_timeout(caf::abstract_actor* self,
                               caf::atom_value type) override;
  void cancel_request_timeout(caf::abstract_actor* self,
                              caf::message_id id) override;
  void cancel_timeouts(caf::abstract_actor* self) override;
  void schedule_message(time_point t, caf::strong_actor_ptr receiver,
                        caf::mailbox_element_ptr content) override;
  void schedule_message(time_point t, caf::group target,
                        caf::strong_actor_ptr sender,
                        caf::message content) override;
  void cancel_all() override;

  /// Actors that have set a timeout and not ended yet.
  size_t actors_with_timeouts() const;

  /// cancel_timeouts calls passed on to `inner` so far.
  uint64_t cancellations_forwarded() const noexcept {
    return forwarded_.load(std::memory_order_relaxed);
  }

 private:
  void remember(caf::abstract_actor* self);

  caf::detail::thread_safe_actor_clock& inner_;
  mutable std::mutex mtx_;
  std::unordered_set<caf::actor_id> with_timeouts_;  // guarded by mtx_
  std::atomic<uint64_t> forwarded_{0};
};

/// How a service actor (resolver, dns_connect) lives relative to the actor
/// that spawned it.
enum class service_life {
  with_spawner,  ///< ends when its spawner ends (the default)
  own,           ///< ends only when told to, or when nobody can reach it
};

struct runtime_options {
  size_t loops = 1;        ///< loop threads (at least 1)
  bool middleman = false;  ///< load CAF's io::middleman (remote actors)
};

class runtime {
 public:
  /// Registers the message types with `cfg` (add_message_types), loads the
  /// middleman if asked, starts the loop threads and an actor system from
  /// `cfg`. `cfg` must outlive the runtime (CAF keeps a reference).
  runtime(caf::actor_system_config& cfg, const runtime_options& options);

  /// The same with `loops` loop threads and no middleman.
  explicit runtime(caf::actor_system_config& cfg, size_t loops = 1);

  /// Waits for every actor to end (as ~actor_system does), then tears down
  /// in the order described above.
  ~runtime();

  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  caf::actor_system& system() noexcept { return sys_; }

  size_t loop_count() const noexcept { return contexts_.size(); }
  loop_context& loop_at(size_t i) { return *contexts_.at(i); }

  /// The next loop, round robin: where new connections go.
  loop_context& next_loop() noexcept;

  /// Asks every actor spawned on the runtime's loops (every netactors
  /// actor: listeners, connections, sockets, resolvers, ..., and yours
  /// spawned with loop_context::spawn) to exit (exit_reason::user_shutdown),
  /// and waits until each has ended or `deadline` has passed; actors spawned
  /// meanwhile are asked too. Returns whether every one ended. Actors of
  /// your own that are not loop-affine (and scoped actors) are neither
  /// asked nor waited for: ~runtime still waits for them. May be called
  /// again, e.g. with a later deadline.
  bool shutdown(std::chrono::steady_clock::time_point deadline);

 private:
  net::loop_group loops_;
  std::vector<std::unique_ptr<loop_context>> contexts_;
  std::atomic<size_t> next_{0};
  caf::actor_system sys_;  // last member: destroyed first
};

}  // namespace netactors
