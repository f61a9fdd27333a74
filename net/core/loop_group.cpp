#include "net/core/loop_group.hpp"

#include <string>

namespace net {

loop_group::loop_group(size_t count) {
  if (count == 0) count = 1;
  loops_.reserve(count);
  for (size_t i = 0; i < count; ++i)
    loops_.push_back(std::make_unique<loop>("netactors-" + std::to_string(i)));
}

loop_group::~loop_group() { stop(); }

loop& loop_group::next() noexcept {
  auto i = next_.fetch_add(1, std::memory_order_relaxed);
  return *loops_[i % loops_.size()];
}

int loop_group::stop() {
  int first = 0;
  for (auto& l : loops_) {
    int rc = l->stop();
    if (first == 0) first = rc;
  }
  return first;
}

}  // namespace net
