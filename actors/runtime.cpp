#include "actors/runtime.hpp"

#include <future>

namespace netactors {

runtime::runtime(caf::actor_system_config& cfg, size_t loops)
    : loops_(loops), sys_(cfg) {
  for (size_t i = 0; i < loops_.size(); ++i)
    contexts_.push_back(std::make_unique<loop_context>(sys_, loops_.at(i)));
}

runtime::~runtime() {
  // The last actor to end decrements CAF's running count from inside its
  // cleanup, which continues (clock, logger) after the count reached zero.
  // CAF joins its own workers before tearing the system down; loop threads
  // it does not know, so wait here until each loop has finished what it was
  // running: a task posted now runs after that cleanup returned.
  sys_.await_all_actors_done();
  for (auto& ctx : contexts_) {
    std::promise<void> done;
    auto finished = done.get_future();
    if (ctx->loop().post([&done](net::loop&) { done.set_value(); }))
      finished.wait();
  }
}

loop_context& runtime::next_loop() noexcept {
  auto i = next_.fetch_add(1, std::memory_order_relaxed);
  return *contexts_[i % contexts_.size()];
}

}  // namespace netactors
