#include "actors/core/runtime.hpp"

#include <caf/config_value.hpp>
#include <caf/defaults.hpp>
#include <caf/exit_reason.hpp>
#include <caf/io/middleman.hpp>
#include <caf/policy/work_sharing.hpp>
#include <caf/policy/work_stealing.hpp>
#include <caf/scheduler/coordinator.hpp>
#include <caf/send.hpp>

#include <condition_variable>
#include <mutex>
#include <set>

#include "actors/messages/messages.hpp"

namespace netactors {

namespace {

// CAF's coordinator with `Policy`, unchanged but for clock(): the same
// workers and the same caf.clock thread, which dispatches CAF's own clock;
// actors reach that clock through the tracking one. actor_system builds its
// default scheduler only when none was loaded (actor_system.cpp, 0.17.6).
template <class Policy>
class tracking_coordinator final : public caf::scheduler::coordinator<Policy> {
 public:
  using super = caf::scheduler::coordinator<Policy>;

  explicit tracking_coordinator(caf::actor_system& sys)
      : super(sys), clock_(super::clock()) {}

  static caf::actor_system::module* make(caf::actor_system& sys,
                                         caf::detail::type_list<>) {
    return new tracking_coordinator(sys);
  }

  timeout_tracking_clock& clock() noexcept override { return clock_; }

 private:
  timeout_tracking_clock clock_;
};

// Loads the tracking scheduler for the policies CAF's default scheduler
// would use; CAF's testing and profiling schedulers are left as they are.
void load_scheduler(caf::actor_system_config& cfg) {
  namespace sr = caf::defaults::scheduler;
  if (caf::get_or(cfg, "scheduler.enable-profiling", false)) return;
  auto policy = caf::get_or(cfg, "scheduler.policy", sr::policy);
  if (policy == caf::atom("sharing"))
    cfg.load<tracking_coordinator<caf::policy::work_sharing>>();
  else if (policy == caf::atom("stealing"))
    cfg.load<tracking_coordinator<caf::policy::work_stealing>>();
}

// Runs before the actor system is built from `cfg` (member order).
size_t prepare(caf::actor_system_config& cfg, const runtime_options& options) {
  add_message_types(cfg);
  load_scheduler(cfg);
  if (options.middleman) cfg.load<caf::io::middleman>();
  return options.loops;
}

}  // namespace

auto timeout_tracking_clock::now() const noexcept -> time_point {
  return inner_.now();
}

auto timeout_tracking_clock::difference(caf::atom_value measurement,
                                        long units, time_point t0,
                                        time_point t1) const noexcept
    -> duration_type {
  return inner_.difference(measurement, units, t0, t1);
}

void timeout_tracking_clock::remember(caf::abstract_actor* self) {
  std::lock_guard<std::mutex> guard{mtx_};
  with_timeouts_.insert(self->id());
}

void timeout_tracking_clock::set_ordinary_timeout(time_point t,
                                                  caf::abstract_actor* self,
                                                  caf::atom_value type,
                                                  uint64_t id) {
  remember(self);
  inner_.set_ordinary_timeout(t, self, type, id);
}

void timeout_tracking_clock::set_request_timeout(time_point t,
                                                 caf::abstract_actor* self,
                                                 caf::message_id id) {
  remember(self);
  inner_.set_request_timeout(t, self, id);
}

void timeout_tracking_clock::set_multi_timeout(time_point t,
                                               caf::abstract_actor* self,
                                               caf::atom_value type,
                                               uint64_t id) {
  remember(self);
  inner_.set_multi_timeout(t, self, type, id);
}

void timeout_tracking_clock::cancel_ordinary_timeout(caf::abstract_actor* self,
                                                     caf::atom_value type) {
  inner_.cancel_ordinary_timeout(self, type);
}

void timeout_tracking_clock::cancel_request_timeout(caf::abstract_actor* self,
                                                    caf::message_id id) {
  inner_.cancel_request_timeout(self, id);
}

void timeout_tracking_clock::cancel_timeouts(caf::abstract_actor* self) {
  // Called by the actor's own cleanup, after every set_*_timeout it made
  // (each from its own handlers), so the lookup sees them all. Not found:
  // CAF's clock holds no timeout under this id, and cancelling would only
  // wake its thread to find that out.
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (with_timeouts_.erase(self->id()) == 0) return;
  }
  forwarded_.fetch_add(1, std::memory_order_relaxed);
  inner_.cancel_timeouts(self);
}

void timeout_tracking_clock::schedule_message(time_point t,
                                              caf::strong_actor_ptr receiver,
                                              caf::mailbox_element_ptr content) {
  inner_.schedule_message(t, std::move(receiver), std::move(content));
}

void timeout_tracking_clock::schedule_message(time_point t, caf::group target,
                                              caf::strong_actor_ptr sender,
                                              caf::message content) {
  inner_.schedule_message(t, std::move(target), std::move(sender),
                          std::move(content));
}

void timeout_tracking_clock::cancel_all() {
  // Ids stay remembered: cancelling them again at exit is harmless.
  inner_.cancel_all();
}

size_t timeout_tracking_clock::actors_with_timeouts() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return with_timeouts_.size();
}

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
