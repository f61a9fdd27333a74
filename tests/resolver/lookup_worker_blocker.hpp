// Holds a lookup worker (net::lookup_workers) busy until released, so that
// the lookups queued behind it stay in flight: tests of cancellation,
// teardown and abandonment need lookups that certainly have not run yet.
// Run them with a single worker (the test's main() sets it).
#pragma once

#include <future>
#include <memory>

#include "net/dns/resolver.hpp"

namespace netactors::test_support {

class lookup_worker_blocker {
 public:
  /// Returns once the worker runs the blocking task.
  lookup_worker_blocker() {
    struct hold final : net::lookup_workers::work {
      std::promise<void> started;
      std::shared_future<void> release;
      void run() override {
        started.set_value();
        release.wait();
      }
    };
    auto w = std::make_shared<hold>();
    w->release = release_.get_future().share();
    auto started = w->started.get_future();
    net::lookup_workers::submit(std::move(w));
    started.wait();
  }
  lookup_worker_blocker(const lookup_worker_blocker&) = delete;
  lookup_worker_blocker& operator=(const lookup_worker_blocker&) = delete;
  ~lookup_worker_blocker() { release(); }

  /// Lets the worker go on (once; the destructor does it otherwise).
  void release() {
    if (!released_) release_.set_value();
    released_ = true;
  }

 private:
  std::promise<void> release_;
  bool released_ = false;
};

}  // namespace netactors::test_support
