#include "actors/runtime.hpp"

#include <caf/exit_reason.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include <condition_variable>
#include <mutex>
#include <set>

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
  loops_.stop();
}

loop_context& runtime::next_loop() noexcept {
  auto i = next_.fetch_add(1, std::memory_order_relaxed);
  return *contexts_[i % contexts_.size()];
}

bool runtime::shutdown(std::chrono::steady_clock::time_point deadline) {
  // Counts the asked actors that have not ended; attach_functor calls back
  // at once for one that has.
  struct countdown {
    std::mutex mtx;
    std::condition_variable ended;
    size_t left = 0;  // guarded by mtx
  };
  std::set<caf::actor_addr> asked;
  for (;;) {
    auto c = std::make_shared<countdown>();
    std::vector<caf::actor> fresh;
    for (auto& ctx : contexts_)
      for (auto& a : ctx->live_actors())
        if (asked.insert(a.address()).second) fresh.push_back(std::move(a));
    // Done when a round finds nobody new: what ended the asked actors may
    // have spawned more (a listener's last accept).
    if (fresh.empty()) return true;
    c->left = fresh.size();
    for (auto& a : fresh) {
      caf::actor_cast<caf::abstract_actor*>(a)->attach_functor([c] {
        std::lock_guard<std::mutex> guard{c->mtx};
        if (--c->left == 0) c->ended.notify_all();
      });
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    }
    fresh.clear();  // no handle of ours may keep one alive
    std::unique_lock<std::mutex> lock{c->mtx};
    if (!c->ended.wait_until(lock, deadline, [&] { return c->left == 0; }))
      return false;
  }
}

}  // namespace netactors
