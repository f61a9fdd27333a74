// The loop adapter's contract: tasks posted from any thread run exactly once
// on the loop thread; stop() runs what was posted, closes every handle and
// leaves a loop that uv_loop_close accepts.
#include "net/core/loop.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "net/core/handle.hpp"

namespace {

TEST(loop, runs_tasks_posted_from_many_threads_exactly_once_on_its_thread) {
  constexpr int threads = 8;
  constexpr int per_thread = 5000;
  net::loop lp{"test"};
  // Written only on the loop thread: TSan checks that claim.
  std::vector<int> seen(threads * per_thread, 0);
  std::atomic<int> off_thread{0};
  std::vector<std::thread> posters;
  for (int t = 0; t < threads; ++t) {
    posters.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        bool ok = lp.post([&, idx = t * per_thread + i](net::loop& l) {
          if (!l.on_loop_thread()) ++off_thread;
          ++seen[idx];
        });
        ASSERT_TRUE(ok);
      }
    });
  }
  for (auto& th : posters) th.join();
  EXPECT_EQ(lp.stop(), 0);
  EXPECT_EQ(off_thread.load(), 0);
  for (size_t i = 0; i < seen.size(); ++i)
    ASSERT_EQ(seen[i], 1) << "task " << i;
}

TEST(loop, keeps_per_thread_posting_order) {
  net::loop lp;
  std::vector<int> order;
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(lp.post([&order, i](net::loop&) { order.push_back(i); }));
  EXPECT_EQ(lp.stop(), 0);
  ASSERT_EQ(order.size(), 1000u);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(order[i], i);
}

TEST(loop, tasks_posted_on_the_loop_thread_run_later_not_inline) {
  net::loop lp;
  std::vector<std::string> log;
  lp.post([&log](net::loop& l) {
    l.post([&log](net::loop&) { log.push_back("inner"); });
    log.push_back("outer done");
  });
  EXPECT_EQ(lp.stop(), 0);
  EXPECT_EQ(log, (std::vector<std::string>{"outer done", "inner"}));
}

// Counts loop turns: an idle handle runs once per turn, before poll (and
// while active keeps poll from blocking, so a test keeps it only briefly).
// Created and closed by tasks (so on the loop thread); stop() runs the close
// callback before it returns.
struct turn_counter {
  uv_idle_t idle;
  int turns = 0;  // loop thread only

  void start(net::loop& l) {
    uv_idle_init(l.raw(), &idle);
    idle.data = this;
    uv_idle_start(&idle, [](uv_idle_t* h) {
      ++static_cast<turn_counter*>(h->data)->turns;
    });
  }
  void close() { uv_close(reinterpret_cast<uv_handle_t*>(&idle), nullptr); }
};

// Posts `left` more tasks, each from the one before; each logs its turn and
// the last one sets `done`.
void post_chain(net::loop& l, turn_counter* counter, std::vector<int>* turns,
                size_t left, std::promise<void>* done) {
  l.post([counter, turns, left, done](net::loop& l) {
    turns->push_back(counter->turns);
    if (left == 1)
      done->set_value();
    else
      post_chain(l, counter, turns, left - 1, done);
  });
}

TEST(loop, tasks_posted_by_tasks_run_in_the_same_turn_in_order) {
  net::loop lp;
  turn_counter counter;
  std::vector<std::string> log;
  std::promise<void> started;
  lp.post([&](net::loop& l) {
    counter.start(l);
    started.set_value();
  });
  started.get_future().wait();
  std::promise<void> done;
  lp.post([&](net::loop& l) {
    // Runs from the remote queue; everything below from the local list.
    l.post([&](net::loop& l) {
      int turn = counter.turns;
      l.post([&, turn](net::loop& l) {
        log.push_back("a1 same turn: " + std::to_string(counter.turns == turn));
        l.post([&, turn](net::loop&) {
          log.push_back("a2 same turn: " + std::to_string(counter.turns == turn));
          done.set_value();
        });
      });
      l.post([&, turn](net::loop&) {
        log.push_back("b1 same turn: " + std::to_string(counter.turns == turn));
      });
      log.push_back("a0");
    });
  });
  done.get_future().wait();
  lp.post([&](net::loop&) { counter.close(); });
  EXPECT_EQ(lp.stop(), 0);
  // Posting order kept: a1 and b1 were posted by a0, a2 by a1.
  EXPECT_EQ(log, (std::vector<std::string>{"a0", "a1 same turn: 1",
                                           "b1 same turn: 1",
                                           "a2 same turn: 1"}));
}

TEST(loop, a_chain_of_tasks_longer_than_the_budget_yields_to_the_next_turn) {
  net::loop lp;
  turn_counter counter;
  std::vector<int> turns;
  const size_t budget = net::loop::local_task_budget;
  std::promise<void> done;
  lp.post([&](net::loop& l) {
    // Runs from the remote queue (in poll); the chain from the local list.
    counter.start(l);
    post_chain(l, &counter, &turns, budget + 10, &done);
  });
  done.get_future().wait();
  lp.post([&](net::loop&) { counter.close(); });
  EXPECT_EQ(lp.stop(), 0);
  ASSERT_EQ(turns.size(), budget + 10);
  // Exactly `budget` tasks ran in the turn of the poll that started the
  // chain; the other 10 after the next poll.
  for (size_t i = 0; i < budget; ++i) ASSERT_EQ(turns[i], turns[0]) << i;
  for (size_t i = budget; i < turns.size(); ++i)
    ASSERT_EQ(turns[i], turns[0] + 1) << i;
}

TEST(loop, a_self_reposting_task_does_not_starve_timers_or_remote_posts) {
  net::loop lp;
  uv_timer_t timer;
  bool timer_fired = false;  // loop thread only
  size_t reposts = 0;        // loop thread only
  std::promise<void> remote_ran;
  std::promise<void> all_done;
  // Keeps reposting itself until both the timer and a remote post have been
  // served; without the budget it would run forever inside one check phase.
  struct spinner {
    static void post(net::loop& l, bool* timer_fired, size_t* reposts,
                     std::shared_future<void> remote, std::promise<void>* done) {
      l.post([=](net::loop& l) {
        ++*reposts;
        bool remote_seen = remote.wait_for(std::chrono::seconds(0)) ==
                           std::future_status::ready;
        if (*timer_fired && remote_seen) {
          done->set_value();
          return;
        }
        post(l, timer_fired, reposts, remote, done);
      });
    }
  };
  std::shared_future<void> remote = remote_ran.get_future().share();
  lp.post([&](net::loop& l) {
    uv_timer_init(l.raw(), &timer);
    timer.data = &timer_fired;
    uv_timer_start(&timer, [](uv_timer_t* t) {
      *static_cast<bool*>(t->data) = true;
    }, 1, 0);
    spinner::post(l, &timer_fired, &reposts, remote, &all_done);
  });
  // Posted from this thread while the spinner runs: served by the async
  // handle, i.e. by poll.
  lp.post([&](net::loop&) { remote_ran.set_value(); });
  all_done.get_future().wait();
  lp.post([&](net::loop&) {
    uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
  });
  EXPECT_EQ(lp.stop(), 0);
  EXPECT_TRUE(timer_fired);
  EXPECT_GT(reposts, 0u);
}

TEST(loop, keeps_a_bounded_pool_of_read_buffers_and_reuses_the_latest) {
  net::loop lp;
  const size_t cap = net::loop::read_buffer_pool_size;
  std::promise<void> done;
  lp.post([&](net::loop& l) {
    EXPECT_EQ(l.pooled_read_buffers(), 0u);
    std::vector<net::byte_buffer> taken;
    for (size_t i = 0; i < cap + 2; ++i) {
      taken.push_back(l.take_read_buffer());
      EXPECT_EQ(taken.back().capacity(), net::loop::read_buffer_size);
    }
    // Given back in order: the first `cap` are kept, the last two freed.
    const char* kept_last = taken[cap - 1].data();
    for (auto& b : taken) l.give_back_read_buffer(std::move(b));
    EXPECT_EQ(l.pooled_read_buffers(), cap);
    l.give_back_read_buffer(net::byte_buffer{100});  // not a read buffer
    EXPECT_EQ(l.pooled_read_buffers(), cap);
    // The pool is a stack: the buffer given back last is taken first.
    auto again = l.take_read_buffer();
    EXPECT_EQ(l.pooled_read_buffers(), cap - 1);
    EXPECT_EQ(again.data(), kept_last);
    done.set_value();
  });
  done.get_future().wait();
  EXPECT_EQ(lp.stop(), 0);
}

// A timer wrapper, enough to prove that stop() closes registered handles.
class test_timer : public net::handle_base {
 public:
  static test_timer* start(net::loop& l, uint64_t ms, std::atomic<int>* closed) {
    auto* t = new test_timer(l, closed);
    uv_timer_init(l.raw(), &t->timer_);
    t->timer_.data = static_cast<net::handle_base*>(t);
    uv_timer_start(&t->timer_, [](uv_timer_t*) {}, ms, ms);
    return t;
  }
  ~test_timer() override { ++*closed_; }

 protected:
  uv_handle_t* raw_handle() noexcept override {
    return reinterpret_cast<uv_handle_t*>(&timer_);
  }

 private:
  test_timer(net::loop& l, std::atomic<int>* closed)
      : handle_base(l), closed_(closed) {}
  uv_timer_t timer_;
  std::atomic<int>* closed_;
};

// Another handle type, and one derived from it, for find_as.
class test_idle : public net::handle_base {
 public:
  explicit test_idle(net::loop& l) : handle_base(l) {
    uv_idle_init(l.raw(), &idle_);
    idle_.data = static_cast<net::handle_base*>(this);
  }

 protected:
  uv_handle_t* raw_handle() noexcept override {
    return reinterpret_cast<uv_handle_t*>(&idle_);
  }

 private:
  uv_idle_t idle_;
};

class derived_idle final : public test_idle {
 public:
  using test_idle::test_idle;
};

TEST(loop, find_as_returns_a_handle_only_as_a_type_it_has) {
  net::loop lp;
  std::atomic<int> closed{0};
  std::promise<void> done;
  lp.post([&](net::loop& l) {
    auto* timer = test_timer::start(l, 1000, &closed);
    auto* idle = new test_idle(l);
    auto* derived = new derived_idle(l);
    EXPECT_EQ(l.find_as<test_timer>(timer->id()), timer);
    EXPECT_EQ(l.find_as<test_idle>(timer->id()), nullptr);
    EXPECT_EQ(l.find_as<test_idle>(idle->id()), idle);
    EXPECT_EQ(l.find_as<derived_idle>(idle->id()), nullptr);
    EXPECT_EQ(l.find_as<test_idle>(derived->id()), derived);  // base of it
    EXPECT_EQ(l.find_as<derived_idle>(derived->id()), derived);
    EXPECT_EQ(l.find_as<test_timer>(0), nullptr);
    auto id = timer->id();
    timer->close();
    EXPECT_EQ(l.find_as<test_timer>(id), timer);  // closing, not yet closed
    done.set_value();
  });
  done.get_future().wait();
  EXPECT_EQ(lp.stop(), 0);
  EXPECT_EQ(closed.load(), 1);
}

TEST(loop, counts_tasks_run_remote_posts_and_handles) {
  net::loop lp;
  // The counters as a local task sees them, posted by a remote one: after
  // every task posted before, and every local task those posted.
  auto counters_after_turn = [&lp] {
    std::promise<net::loop_counters> seen;
    lp.post([&](net::loop& l) {
      l.post([&](net::loop& l2) { seen.set_value(l2.counters()); });
    });
    return seen.get_future().get();
  };
  auto base = counters_after_turn();
  std::atomic<int> closed{0};
  std::vector<test_timer*> timers;
  for (int i = 0; i < 100; ++i)  // 100 remote tasks, each posting one local
    lp.post([&](net::loop& l) {
      l.post([&](net::loop& l2) { timers.push_back(test_timer::start(l2, 1000, &closed)); });
    });
  auto after = counters_after_turn();
  // A task counts once it has returned: the first reader (local), the 200
  // tasks, the second reader's remote half.
  EXPECT_EQ(after.tasks_run - base.tasks_run, 1u + 200u + 1u);
  EXPECT_EQ(after.remote_tasks - base.remote_tasks, 100u + 1u);
  EXPECT_EQ(after.handles_open, 100u);
  EXPECT_EQ(after.handles_opened - base.handles_opened, 100u);
  lp.post([&](net::loop&) {
    for (int i = 0; i < 40; ++i) timers[i]->close();
  });
  // Closing completes in close callbacks: ask until it did (bounded).
  auto now = counters_after_turn();
  for (int i = 0; i < 1000 && now.handles_open != 60u; ++i) now = counters_after_turn();
  EXPECT_EQ(now.handles_open, 60u);
  EXPECT_EQ(now.handles_opened - base.handles_opened, 100u);
  EXPECT_EQ(lp.stop(), 0);
  EXPECT_EQ(closed.load(), 100);
}

TEST(loop, stop_with_work_pending_runs_it_closes_handles_and_leaks_nothing) {
  std::atomic<int> closed{0};
  std::atomic<int> ran{0};
  net::loop lp;
  // Repeating timers would keep uv_run going forever if stop() forgot them.
  for (int i = 0; i < 10; ++i)
    lp.post([&](net::loop& l) { test_timer::start(l, 1000, &closed); });
  std::vector<std::thread> posters;
  for (int t = 0; t < 4; ++t)
    posters.emplace_back([&] {
      for (int i = 0; i < 1000; ++i)
        lp.post([&](net::loop&) { ++ran; });
    });
  for (auto& th : posters) th.join();
  EXPECT_EQ(lp.stop(), 0) << "uv_loop_close reported a leaked handle";
  EXPECT_EQ(ran.load(), 4000);
  EXPECT_EQ(closed.load(), 10);
}

TEST(loop, close_handle_from_another_thread_closes_it_on_the_loop) {
  std::atomic<int> closed{0};
  std::atomic<net::handle_id> id{0};
  net::loop lp;
  lp.post([&](net::loop& l) { id = test_timer::start(l, 1000, &closed)->id(); });
  while (id.load() == 0) std::this_thread::yield();
  lp.close_handle(id.load());  // not the loop thread: posted
  // Closing is asynchronous: ask the loop until the handle is gone (bounded).
  for (int i = 0; i < 1000 && closed.load() == 0; ++i) {
    std::promise<void> turn;
    lp.post([&](net::loop&) { turn.set_value(); });
    turn.get_future().wait();
  }
  EXPECT_EQ(closed.load(), 1) << "close_handle did not close it before stop";
  EXPECT_EQ(lp.stop(), 0);
  lp.close_handle(id.load());  // unknown by now: a no-op, not a crash
}

TEST(loop, refuses_tasks_once_stopped_and_destroys_them) {
  net::loop lp;
  EXPECT_EQ(lp.stop(), 0);
  auto owned = std::make_shared<int>(7);
  std::weak_ptr<int> watch = owned;
  EXPECT_FALSE(lp.post([p = std::move(owned)](net::loop&) {}));
  EXPECT_TRUE(watch.expired());
  EXPECT_EQ(lp.stop(), 0);  // idempotent
}

TEST(loop, racing_posters_and_stop_lose_no_accepted_task) {
  for (int round = 0; round < 20; ++round) {
    std::atomic<int> accepted{0};
    std::atomic<int> ran{0};
    auto lp = std::make_unique<net::loop>();
    std::vector<std::thread> posters;
    for (int t = 0; t < 4; ++t)
      posters.emplace_back([&] {
        for (int i = 0; i < 2000; ++i)
          if (lp->post([&](net::loop&) { ++ran; })) ++accepted;
      });
    std::thread stopper{[&] { EXPECT_EQ(lp->stop(), 0); }};
    for (auto& th : posters) th.join();
    stopper.join();
    EXPECT_EQ(ran.load(), accepted.load()) << "round " << round;
  }
}

TEST(loop, tasks_posted_by_close_callbacks_during_stop_still_run) {
  std::atomic<bool> ran{false};
  net::loop lp;
  class posting_timer : public net::handle_base {
   public:
    posting_timer(net::loop& l, std::atomic<bool>* ran) : handle_base(l), ran_(ran) {
      uv_timer_init(l.raw(), &t_);
      t_.data = static_cast<net::handle_base*>(this);
      uv_timer_start(&t_, [](uv_timer_t*) {}, 10000, 0);
    }
   protected:
    uv_handle_t* raw_handle() noexcept override {
      return reinterpret_cast<uv_handle_t*>(&t_);
    }
    void on_close() override {
      owner().post([r = ran_](net::loop&) { *r = true; });
    }
   private:
    uv_timer_t t_;
    std::atomic<bool>* ran_;
  };
  lp.post([&](net::loop& l) { new posting_timer(l, &ran); });
  EXPECT_EQ(lp.stop(), 0);
  EXPECT_TRUE(ran.load());
}

}  // namespace
