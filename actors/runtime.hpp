// netactors::runtime: owns the libuv loops and the CAF actor system, in the
// one order that tears down safely: the actor system is destroyed first (it
// waits for every actor, and loop-affine actors need their loops running to
// finish), then the loop contexts, then the loops (which close every handle
// left and check that uv_loop_close succeeds).
// Thread safety: all members are thread-safe.
#pragma once

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <memory>
#include <vector>

#include "actors/loop_context.hpp"
#include "net/loop_group.hpp"

namespace netactors {

class runtime {
 public:
  /// Starts `loops` loop threads (at least 1) and an actor system from `cfg`.
  /// Call add_message_types(cfg) (actors/messages.hpp) first.
  explicit runtime(caf::actor_system_config& cfg, size_t loops = 1);

  /// Waits for every actor to end (as ~actor_system does), then lets each
  /// loop finish the task it is running before the system is torn down.
  ~runtime();

  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  caf::actor_system& system() noexcept { return sys_; }

  size_t loop_count() const noexcept { return contexts_.size(); }
  loop_context& loop_at(size_t i) { return *contexts_.at(i); }

  /// The next loop, round robin: where new connections go.
  loop_context& next_loop() noexcept;

 private:
  net::loop_group loops_;
  std::vector<std::unique_ptr<loop_context>> contexts_;
  std::atomic<size_t> next_{0};
  caf::actor_system sys_;  // last member: destroyed first
};

}  // namespace netactors
