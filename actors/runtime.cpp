#include "actors/runtime.hpp"

namespace netactors {

runtime::runtime(caf::actor_system_config& cfg, size_t loops)
    : loops_(loops), sys_(cfg) {
  for (size_t i = 0; i < loops_.size(); ++i)
    contexts_.push_back(std::make_unique<loop_context>(sys_, loops_.at(i)));
}

loop_context& runtime::next_loop() noexcept {
  auto i = next_.fetch_add(1, std::memory_order_relaxed);
  return *contexts_[i % contexts_.size()];
}

}  // namespace netactors
