#include "actors/core/loop_context.hpp"

#include <caf/logger.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

#include <algorithm>
#include <cstdio>

namespace netactors {

loop_context::loop_context(caf::actor_system& sys, net::loop& l)
    : sys_(sys), loop_(l), affine_unit_(*this), resume_unit_(sys) {}

loop_context::affine_unit::affine_unit(loop_context& ctx)
    : caf::execution_unit(&ctx.sys_), ctx_(ctx) {}

void loop_context::affine_unit::exec_later(caf::resumable* job) {
  // The scheduler's reference (taken by CAF before calling us) travels with
  // the task and is released in resume().
  auto* ctx = &ctx_;
  if (!ctx_.loop_.post([ctx, job](net::loop&) { ctx->resume(job); })) {
    // Only possible when a loop is stopped before the actor system, which
    // runtime's member order rules out. Say so instead of hanging silently.
    std::fprintf(stderr,
                 "netactors: loop %s stopped before its actors; a message "
                 "was dropped\n",
                 ctx_.loop_.name().c_str());
    caf::intrusive_ptr_release(job);
  }
}

loop_context::resume_unit::resume_unit(caf::actor_system& sys)
    : caf::execution_unit(&sys) {}

void loop_context::resume_unit::exec_later(caf::resumable* job) {
  system().scheduler().enqueue(job);
}

void loop_context::release_thread_logger() {
  if (caf::logger::current_logger() != nullptr)
    caf::logger::set_current_actor_system(nullptr);
}

void loop_context::remember(caf::weak_actor_ptr a) {
  std::lock_guard<std::mutex> guard{spawned_mtx_};
  spawned_.push_back(std::move(a));
  if (spawned_.size() < prune_at_) return;
  spawned_.erase(std::remove_if(spawned_.begin(), spawned_.end(),
                                [](const caf::weak_actor_ptr& w) {
                                  // Not lock(): dropping that reference
                                  // could destroy the actor under our lock.
                                  return w->strong_refs.load() == 0;
                                }),
                 spawned_.end());
  prune_at_ = std::max<size_t>(64, 2 * spawned_.size());
}

std::vector<caf::actor> loop_context::live_actors() {
  std::vector<caf::actor> out;
  std::lock_guard<std::mutex> guard{spawned_mtx_};
  for (auto& w : spawned_)
    if (auto strong = w.lock())
      out.push_back(caf::actor_cast<caf::actor>(std::move(strong)));
  return out;
}

loop_actor_counters loop_context::counters() {
  loop_actor_counters c;
  c.actors_spawned = actors_spawned_.load(std::memory_order_relaxed);
  c.messages = home_.messages.load(std::memory_order_relaxed);
  c.actor_turns = actor_turns_.load(std::memory_order_relaxed);
  std::lock_guard<std::mutex> guard{spawned_mtx_};
  for (auto& w : spawned_)
    // Not lock(): dropping that reference could destroy the actor here.
    c.actors_alive += w->strong_refs.load() > 0;
  return c;
}

void loop_context::resume(caf::resumable* job) {
  actor_turns_.fetch_add(1, std::memory_order_relaxed);
  // CAF 0.17.6's resume itself never pins the logger; only what spawns does
  // (actor_system::spawn_impl, scoped_actor), and each of those takes a new
  // actor id. So a turn that took none has nothing to release, and the
  // check is two atomic loads instead of a thread-local lookup per resume.
  auto ids_before = sys_.latest_actor_id();
  auto result = job->resume(&resume_unit_, max_throughput);
  if (sys_.latest_actor_id() != ids_before) release_thread_logger();
  switch (result) {
    case caf::resumable::resume_later:
      // More messages wait: queue behind what else is ready on this loop.
      affine_unit_.exec_later(job);
      break;
    case caf::resumable::done:
    case caf::resumable::awaiting_message:
    case caf::resumable::shutdown_execution_unit:
      caf::intrusive_ptr_release(job);
      break;
  }
}

}  // namespace netactors
