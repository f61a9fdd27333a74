// actors/core/stop_signals: stop_deadline ends a process whose teardown
// hangs, with the intended exit code and a line on stderr, and does nothing
// once disarmed; stop_actor_now ends an actor through any handle with
// user_shutdown, ahead of the messages already in its mailbox.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <unistd.h>

#include <chrono>
#include <thread>

#include "actors/core/stop_signals.hpp"

using namespace std::chrono_literals;

namespace {

void hang_past_a_deadline() {
  netactors::stop_deadline deadline{
      "app", 50ms, 3, [] { (void)!::write(2, "last words\n", 11); }};
  for (;;) std::this_thread::sleep_for(1s);  // a teardown that hangs
}

void disarm_then_outlive_the_limit() {
  { netactors::stop_deadline deadline{"app", 50ms, 3, nullptr}; }
  std::this_thread::sleep_for(200ms);  // past the limit: no exit(3)
  std::exit(0);
}

using counter_actor = caf::typed_actor<caf::reacts_to<int>>;

// Counts what it handled into `*handled`; the first message blocks until
// `release` is set, so the rest wait in its mailbox.
counter_actor::behavior_type counter(counter_actor::pointer,
                                     std::shared_ptr<std::atomic<int>> handled,
                                     std::shared_ptr<std::atomic<bool>> release) {
  return {[=](int) {
    while (!release->load()) std::this_thread::yield();
    ++*handled;
  }};
}

}  // namespace

TEST(stop_deadline, ends_a_hanging_teardown_with_the_intended_code) {
  EXPECT_EXIT(hang_past_a_deadline(), ::testing::ExitedWithCode(3),
              "app: shutdown did not finish within 50 ms; exiting now with "
              "code 3\nlast words");
}

TEST(stop_deadline, does_nothing_once_disarmed) {
  EXPECT_EXIT(disarm_then_outlive_the_limit(), ::testing::ExitedWithCode(0),
              "");
}

TEST(stop_actor_now, ends_a_typed_actor_ahead_of_its_backlog) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  auto handled = std::make_shared<std::atomic<int>>(0);
  auto release = std::make_shared<std::atomic<bool>>(false);
  auto a = sys.spawn(counter, handled, release);
  self->monitor(a);
  for (int i = 0; i < 100; ++i) self->send(a, i);
  netactors::stop_actor_now(a);  // queued behind the blocked first message
  release->store(true);
  self->receive([&](caf::down_msg& dm) {
    EXPECT_EQ(dm.reason, caf::exit_reason::user_shutdown);
  });
  // The exit jumped the messages still queued: at most the round in progress
  // ran (CAF 0.17 takes the urgent queue first in each round, then up to
  // three normal messages: scheduled_actor::resume, new_round(3, ...)).
  EXPECT_LE(handled->load(), 3);
}

TEST(stop_actor_now, takes_an_untyped_handle_and_ignores_an_empty_one) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  auto a = sys.spawn([](caf::event_based_actor*, int) -> caf::behavior {
    return {[](int) {}};
  }, 0);
  self->monitor(a);
  netactors::stop_actor_now(a);
  netactors::stop_actor_now(caf::actor{});  // nothing to stop, no crash
  self->receive([&](caf::down_msg& dm) {
    EXPECT_EQ(dm.reason, caf::exit_reason::user_shutdown);
  });
}
