#include "actors/runtime.hpp"

#include <caf/exit_reason.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include "actors/messages.hpp"

namespace netactors {

namespace {

// Runs before the actor system is built from `cfg` (member order).
size_t prepare(caf::actor_system_config& cfg, const runtime_options& options) {
  add_message_types(cfg);
  if (options.middleman) cfg.load<caf::io::middleman>();
  return options.loops;
}

}  // namespace

runtime::runtime(caf::actor_system_config& cfg, const runtime_options& options)
    : loops_(prepare(cfg, options)), sys_(cfg) {
  for (size_t i = 0; i < loops_.size(); ++i)
    contexts_.push_back(std::make_unique<loop_context>(sys_, loops_.at(i)));
}

runtime::runtime(caf::actor_system_config& cfg, size_t loops)
    : runtime(cfg, runtime_options{loops, false}) {}

runtime::~runtime() {
  // Steps 1 to 3 of the teardown argued in runtime.hpp.
  sys_.await_all_actors_done();
  {
    std::lock_guard<std::mutex> guard{shutdown_mtx_};
    if (all_done_.valid()) all_done_.wait();  // its thread waits on sys_
  }
  loops_.stop();
}

loop_context& runtime::next_loop() noexcept {
  auto i = next_.fetch_add(1, std::memory_order_relaxed);
  return *contexts_[i % contexts_.size()];
}

bool runtime::shutdown(std::chrono::steady_clock::time_point deadline) {
  for (auto& ctx : contexts_)
    for (auto& a : ctx->live_actors())
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  std::shared_future<void> done;
  {
    std::lock_guard<std::mutex> guard{shutdown_mtx_};
    // CAF can only wait without a bound: one thread does, the first time.
    if (!all_done_.valid())
      all_done_ = std::async(std::launch::async, [this] {
                    sys_.await_all_actors_done();
                  }).share();
    done = all_done_;
  }
  return done.wait_until(deadline) == std::future_status::ready;
}

}  // namespace netactors
