// loop_context's contract, on real loops (a netactors::runtime with one or
// two loop threads, CAF's real scheduler): a loop-affine actor's handlers
// always run on its loop's thread, whoever sends and from wherever; each
// sender's messages arrive in order and none is lost; a flooded actor yields
// to the others on its loop after max_throughput messages; ordinary actors
// that a loop-affine actor messages run on CAF's scheduler, never on the
// loop; loop-affine actors can quit and spawn from their handlers, and the
// runtime then tears down cleanly. spawn() also takes functions without
// arguments (CAF 0.17 itself trips UBSan on those).
#include "actors/core/loop_context.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "actors/core/runtime.hpp"

namespace {

using namespace netactors;
using namespace std::chrono_literals;

using go_atom = caf::atom_constant<caf::atom("go")>;
using seq_atom = caf::atom_constant<caf::atom("seq")>;
using where_atom = caf::atom_constant<caf::atom("where")>;

// Only a guard against a hung test; every wait below ends on an event.
constexpr auto guard = 60s;

class loop_context_test : public ::testing::Test {
 protected:
  void start(size_t loops) {
    cfg_.set("logger.verbosity", caf::atom("quiet"));
    rt_ = std::make_unique<runtime>(cfg_, loops);
    self_ = std::make_unique<caf::scoped_actor>(rt_->system());
  }

  void TearDown() override {
    self_.reset();
    rt_.reset();  // waits for every actor; a hang fails by the test timeout
  }

  caf::scoped_actor& self() { return *self_; }
  caf::actor me() { return caf::actor_cast<caf::actor>(*self_); }

  caf::actor_system_config cfg_;
  std::unique_ptr<runtime> rt_;
  std::unique_ptr<caf::scoped_actor> self_;
};

// What a receiver saw: messages, senders out of order, handlers off the loop.
struct tally {
  int64_t messages = 0;
  int64_t out_of_order = 0;
  int64_t off_loop = 0;
};

tally receive_tally(caf::scoped_actor& self) {
  tally t{-1, -1, -1};
  self->receive(
      [&](int64_t messages, int64_t out_of_order, int64_t off_loop) {
        t = {messages, out_of_order, off_loop};
      },
      caf::after(guard) >> [] { ADD_FAILURE() << "no tally"; });
  return t;
}

struct counting_state {
  std::vector<int32_t> next;  // per sender: the sequence number expected
  tally seen;
};

// Expects `(seq_atom, sender, n)` with n = 0, 1, 2, ... per sender; after
// `total` messages it reports its tally to `report`.
caf::behavior sequence_checker(caf::stateful_actor<counting_state>* self,
                               loop_context* ctx, int32_t senders,
                               int64_t total, caf::actor report) {
  self->state.next.assign(static_cast<size_t>(senders), 0);
  return {
      [=](seq_atom, int32_t sender, int32_t n) {
        auto& st = self->state;
        if (!ctx->loop().on_loop_thread()) ++st.seen.off_loop;
        if (st.next.at(static_cast<size_t>(sender)) != n) ++st.seen.out_of_order;
        st.next[static_cast<size_t>(sender)] = n + 1;
        if (++st.seen.messages == total)
          self->send(report, st.seen.messages, st.seen.out_of_order,
                     st.seen.off_loop);
      },
  };
}

TEST_F(loop_context_test, keeps_each_senders_order_and_runs_handlers_on_the_loop) {
  start(1);
  constexpr int32_t count = 10000;
  auto& ctx = rt_->loop_at(0);
  auto checker = ctx.spawn(sequence_checker, &ctx, 1, int64_t{count}, me());
  for (int32_t i = 0; i < count; ++i)
    self()->send(checker, seq_atom::value, int32_t{0}, i);
  auto t = receive_tally(self());
  EXPECT_EQ(t.messages, count);
  EXPECT_EQ(t.out_of_order, 0);
  EXPECT_EQ(t.off_loop, 0);
  self()->send_exit(checker, caf::exit_reason::user_shutdown);
}

TEST_F(loop_context_test, loses_nothing_sent_from_many_threads_at_once) {
  start(1);
  constexpr int32_t threads = 8;
  constexpr int32_t per_thread = 5000;
  auto& ctx = rt_->loop_at(0);
  auto checker = ctx.spawn(sequence_checker, &ctx, threads,
                           int64_t{threads} * per_thread, me());
  std::vector<std::thread> senders;
  for (int32_t t = 0; t < threads; ++t)
    senders.emplace_back([checker, t] {
      for (int32_t i = 0; i < per_thread; ++i)
        caf::anon_send(checker, seq_atom::value, t, i);
      loop_context::release_thread_logger();
    });
  for (auto& th : senders) th.join();
  auto t = receive_tally(self());
  EXPECT_EQ(t.messages, int64_t{threads} * per_thread);
  EXPECT_EQ(t.out_of_order, 0);
  EXPECT_EQ(t.off_loop, 0);
  self()->send_exit(checker, caf::exit_reason::user_shutdown);
}

// On go_atom, sends (seq_atom, id, 0..count-1) to `to`, then quits.
caf::behavior sequence_sender(caf::event_based_actor* self, caf::actor to,
                              int32_t id, int32_t count) {
  return {
      [=](go_atom) {
        for (int32_t i = 0; i < count; ++i) self->send(to, seq_atom::value, id, i);
        self->quit();
      },
  };
}

TEST_F(loop_context_test, keeps_order_from_actors_on_its_own_and_other_loops) {
  start(2);
  constexpr int32_t per_sender = 5000;
  auto& home = rt_->loop_at(0);
  auto checker = home.spawn(sequence_checker, &home, 2,
                            int64_t{2} * per_sender, me());
  // Sender 0 shares the checker's loop (no system call per message); sender 1
  // lives on the other loop (every message crosses threads).
  auto same_loop = home.spawn(sequence_sender, checker, 0, per_sender);
  auto other_loop = rt_->loop_at(1).spawn(sequence_sender, checker, 1, per_sender);
  self()->send(same_loop, go_atom::value);
  self()->send(other_loop, go_atom::value);
  auto t = receive_tally(self());
  EXPECT_EQ(t.messages, 2 * per_sender);
  EXPECT_EQ(t.out_of_order, 0);
  EXPECT_EQ(t.off_loop, 0);
  self()->send_exit(checker, caf::exit_reason::user_shutdown);
}

// Touched only on the loop thread, by both actors of the fairness test.
struct fairness_log {
  int32_t flood_handled = 0;
  int32_t flood_handled_before_single = -1;
};

caf::behavior flooded(caf::event_based_actor* self, fairness_log* log,
                      int32_t flood, caf::actor report) {
  return {
      [=](int32_t) {
        if (++log->flood_handled == flood)
          self->send(report, log->flood_handled_before_single);
      },
  };
}

caf::behavior single(caf::event_based_actor*, fairness_log* log) {
  return {
      [=](go_atom) { log->flood_handled_before_single = log->flood_handled; },
  };
}

TEST_F(loop_context_test, a_flooded_actor_does_not_starve_another_on_its_loop) {
  start(1);
  constexpr int32_t flood = 10000;
  auto& ctx = rt_->loop_at(0);
  fairness_log log;
  auto a = ctx.spawn(flooded, &log, flood, me());
  auto b = ctx.spawn(single, &log);
  // Hold the loop so that all of A's messages are queued before it runs, and
  // B's one message arrives behind them.
  std::promise<void> release;
  auto held = release.get_future().share();
  std::promise<void> holding;
  ASSERT_TRUE(ctx.loop().post([held, &holding](net::loop&) {
    holding.set_value();
    held.wait();
  }));
  holding.get_future().wait();
  for (int32_t i = 0; i < flood; ++i) self()->send(a, i);
  self()->send(b, go_atom::value);
  release.set_value();
  int32_t before_single = -2;
  self()->receive([&](int32_t n) { before_single = n; },
                  caf::after(guard) >> [] { ADD_FAILURE() << "flood not done"; });
  // B was handled (not -1) while A still had messages waiting, within A's
  // first turns of max_throughput messages each.
  EXPECT_GE(before_single, 0);
  EXPECT_LT(before_single, flood);
  EXPECT_LE(before_single, 4 * static_cast<int32_t>(loop_context::max_throughput));
  RecordProperty("flood_handled_before_single", before_single);
  self()->send_exit(a, caf::exit_reason::user_shutdown);
  self()->send_exit(b, caf::exit_reason::user_shutdown);
}

// An ordinary actor (CAF's scheduler): replies whether it ran on `lp`.
caf::behavior ordinary_probe(caf::event_based_actor*, net::loop* lp) {
  return {[=](where_atom) { return lp->on_loop_thread(); }};
}

// A loop-affine actor that, on each go_atom, asks the ordinary probe where it
// ran; after `rounds` answers it reports how often the probe ran on the loop
// and how often its own response handler did not.
struct asker_state {
  int32_t answers = 0;
  int32_t probe_on_loop = 0;
  int32_t self_off_loop = 0;
};

caf::behavior asker(caf::stateful_actor<asker_state>* self, loop_context* ctx,
                    caf::actor probe, int32_t rounds, caf::actor report) {
  return {
      [=](go_atom) {
        self->request(probe, caf::infinite, where_atom::value)
            .then([=](bool on_loop) {
              auto& st = self->state;
              if (on_loop) ++st.probe_on_loop;
              if (!ctx->loop().on_loop_thread()) ++st.self_off_loop;
              if (++st.answers == rounds)
                self->send(report, st.probe_on_loop, st.self_off_loop);
            });
      },
  };
}

TEST_F(loop_context_test, ordinary_actors_it_messages_run_on_cafs_scheduler) {
  start(1);
  constexpr int32_t rounds = 1000;
  auto& ctx = rt_->loop_at(0);
  auto probe = rt_->system().spawn(ordinary_probe, &ctx.loop());
  auto a = ctx.spawn(asker, &ctx, probe, rounds, me());
  for (int32_t i = 0; i < rounds; ++i) self()->send(a, go_atom::value);
  int32_t probe_on_loop = -1;
  int32_t asker_off_loop = -1;
  self()->receive(
      [&](int32_t p, int32_t s) {
        probe_on_loop = p;
        asker_off_loop = s;
      },
      caf::after(guard) >> [] { ADD_FAILURE() << "no answers"; });
  EXPECT_EQ(probe_on_loop, 0);
  EXPECT_EQ(asker_off_loop, 0);
  self()->send_exit(a, caf::exit_reason::user_shutdown);
  self()->send_exit(probe, caf::exit_reason::user_shutdown);
}

// Records where its state is destroyed (on_exit), then quits on go_atom.
struct quitter_state {
  loop_context* ctx = nullptr;
  std::atomic<int>* destroyed_on_loop = nullptr;
  ~quitter_state() {
    if (destroyed_on_loop != nullptr)
      destroyed_on_loop->store(ctx->loop().on_loop_thread() ? 1 : 0);
  }
};

caf::behavior quitter(caf::stateful_actor<quitter_state>* self,
                      loop_context* ctx, std::atomic<int>* destroyed_on_loop) {
  self->state.ctx = ctx;
  self->state.destroyed_on_loop = destroyed_on_loop;
  return {[=](go_atom) { self->quit(); }};
}

TEST_F(loop_context_test, an_actor_quitting_from_its_handler_ends_on_its_loop) {
  start(2);
  std::atomic<int> destroyed_on_loop{-1};
  auto& ctx = rt_->loop_at(1);
  auto q = ctx.spawn(quitter, &ctx, &destroyed_on_loop);
  self()->monitor(q);
  self()->send(q, go_atom::value);
  caf::error reason = caf::sec::runtime_error;
  self()->receive([&](caf::down_msg& d) { reason = d.reason; },
                  caf::after(guard) >> [] { ADD_FAILURE() << "no down_msg"; });
  EXPECT_EQ(reason, caf::exit_reason::normal);
  // Tear the runtime down now: it returns only once every loop has finished
  // the actor's cleanup.
  self_.reset();
  rt_.reset();
  EXPECT_EQ(destroyed_on_loop.load(), 1);
}

// Replies whether it runs on its loop's thread.
caf::behavior where_child(caf::event_based_actor*, loop_context* ctx) {
  return {[=](where_atom) { return ctx->loop().on_loop_thread(); }};
}

// On go_atom, spawns a where_child on `there` from its handler; replies
// whether it ran on its own loop, and the child.
caf::behavior spawner(caf::event_based_actor*, loop_context* here,
                      loop_context* there) {
  return {
      [=](go_atom) -> caf::result<bool, caf::actor> {
        // From this loop thread, onto this loop or the other one.
        return {here->loop().on_loop_thread(), there->spawn(where_child, there)};
      },
  };
}

TEST_F(loop_context_test, actors_spawned_from_a_handler_run_on_their_own_loop) {
  start(2);
  for (size_t target = 0; target < 2; ++target) {
    auto& here = rt_->loop_at(0);
    auto& there = rt_->loop_at(target);
    auto s = here.spawn(spawner, &here, &there);
    bool spawner_on_loop = false;
    caf::actor child;
    self()->request(s, guard, go_atom::value)
        .receive(
            [&](bool on_loop, caf::actor c) {
              spawner_on_loop = on_loop;
              child = std::move(c);
            },
            [&](caf::error& e) { ADD_FAILURE() << rt_->system().render(e); });
    ASSERT_TRUE(child) << "target loop " << target;
    EXPECT_TRUE(spawner_on_loop);
    bool child_on_loop = false;
    self()->request(child, guard, where_atom::value)
        .receive([&](bool on_loop) { child_on_loop = on_loop; },
                 [&](caf::error& e) { ADD_FAILURE() << rt_->system().render(e); });
    EXPECT_TRUE(child_on_loop) << "target loop " << target;
    self()->send_exit(child, caf::exit_reason::user_shutdown);
    self()->send_exit(s, caf::exit_reason::user_shutdown);
  }
}

// Functions that take nothing beyond the self pointer, or nothing at all:
// CAF 0.17's own spawn would bind a reference to its null argument tuple.
caf::behavior no_arguments(caf::event_based_actor*) {
  return {[](where_atom) { return true; }};
}

caf::behavior no_self_no_arguments() {
  return {[](go_atom) { return int32_t{42}; }};
}

struct counter_state {
  int32_t n = 0;
};

caf::behavior stateful_no_arguments(caf::stateful_actor<counter_state>* self) {
  return {[=](go_atom) { return ++self->state.n; }};
}

TEST_F(loop_context_test, spawns_functions_that_take_no_arguments) {
  start(1);
  auto& ctx = rt_->loop_at(0);
  auto a = ctx.spawn(no_arguments);
  auto b = ctx.spawn(no_self_no_arguments);
  auto c = ctx.spawn(stateful_no_arguments);
  auto d = ctx.spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](go_atom) { return int32_t{7}; }};
  });
  bool named = false;
  self()->request(a, guard, where_atom::value)
      .receive([&](bool x) { named = x; },
               [&](caf::error& e) { ADD_FAILURE() << rt_->system().render(e); });
  EXPECT_TRUE(named);
  auto ask = [&](const caf::actor& x) {
    int32_t out = -1;
    self()->request(x, guard, go_atom::value)
        .receive([&](int32_t v) { out = v; },
                 [&](caf::error& e) { ADD_FAILURE() << rt_->system().render(e); });
    return out;
  };
  EXPECT_EQ(ask(b), 42);
  EXPECT_EQ(ask(c), 1);
  EXPECT_EQ(ask(c), 2);
  EXPECT_EQ(ask(d), 7);
  for (auto& x : {a, b, c, d})
    self()->send_exit(x, caf::exit_reason::user_shutdown);
}

TEST_F(loop_context_test, counts_its_actors_their_messages_and_turns) {
  start(1);
  auto& ctx = rt_->loop_at(0);
  auto base = ctx.counters();
  std::vector<caf::actor> actors;
  for (int i = 0; i < 3; ++i)
    actors.push_back(ctx.spawn([](caf::event_based_actor*) -> caf::behavior {
      return {[](go_atom) { return int32_t{1}; }};
    }));
  for (auto& a : actors)
    for (int i = 0; i < 10; ++i)
      self()->request(a, guard, go_atom::value)
          .receive([](int32_t) {},
                   [&](caf::error& e) { ADD_FAILURE() << rt_->system().render(e); });
  auto now = ctx.counters();
  EXPECT_EQ(now.actors_spawned - base.actors_spawned, 3u);
  EXPECT_EQ(now.actors_alive - base.actors_alive, 3u);
  EXPECT_EQ(now.messages - base.messages, 30u);
  // A turn handles whatever its mailbox holds by then (the next request can
  // arrive while the actor is still in the turn that answered the last):
  // at least one per actor, at most one per message and launch.
  EXPECT_GE(now.actor_turns - base.actor_turns, 3u);
  EXPECT_LE(now.actor_turns - base.actor_turns, 33u);
  for (auto& a : actors) {
    self()->monitor(a);
    self()->send_exit(a, caf::exit_reason::user_shutdown);
  }
  for (int i = 0; i < 3; ++i)
    self()->receive([](caf::down_msg&) {},
                    caf::after(guard) >> [] { ADD_FAILURE() << "no down_msg"; });
  actors.clear();
  // Destroyed once the last reference is gone; the loop may still hold one
  // for the turn that ended it: ask until it let go (bounded).
  auto deadline = std::chrono::steady_clock::now() + guard;
  while (ctx.counters().actors_alive != base.actors_alive &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  EXPECT_EQ(ctx.counters().actors_alive, base.actors_alive);
  EXPECT_EQ(ctx.counters().messages - base.messages, 33u);  // + the exits
}

}  // namespace
