// netactors::runtime: owns the libuv loops and the CAF actor system, and
// tears them down in the one order that is safe (see "Teardown" below).
// It registers the framework's message types itself (actors/messages.hpp;
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
// above (net/resolver.hpp), so it does not delay any step.
//
// Service actors (resolver, dns_connect) spawned from inside another actor
// end with it unless spawned service_life::own; every netactors actor also
// ends when nobody holds a handle to it any more.
// Thread safety: all members are thread-safe; destroy the runtime from a
// thread that is not one of its loops.
#pragma once

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include "actors/loop_context.hpp"
#include "net/loop_group.hpp"

namespace netactors {

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
