// net::loop_group: N loops, one thread each; new connections are spread over
// them round robin. Thread safety: all members are thread-safe.
// Ownership: the group owns its loops.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "net/core/loop.hpp"

namespace net {

class loop_group {
 public:
  /// Starts `count` loops (at least 1), named "netactors-0", ...
  explicit loop_group(size_t count = 1);

  /// Calls stop().
  ~loop_group();

  loop_group(const loop_group&) = delete;
  loop_group& operator=(const loop_group&) = delete;

  size_t size() const noexcept { return loops_.size(); }
  loop& at(size_t i) { return *loops_.at(i); }

  /// The next loop in round-robin order.
  loop& next() noexcept;

  /// Stops every loop; returns the first non-zero uv_loop_close result, or 0.
  int stop();

 private:
  std::vector<std::unique_ptr<loop>> loops_;
  std::atomic<size_t> next_{0};
};

}  // namespace net
