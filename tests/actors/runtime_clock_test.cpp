// The runtime's scheduler clock (timeout_tracking_clock, actors/core/runtime.hpp):
// timeouts of every kind still work for loop-affine and ordinary actors
// (a receive timeout, a request that times out, a delayed message), an actor
// that set a timeout has it cancelled at exit, and an actor that never set
// one ends without a cancellation reaching CAF's clock thread.
#include "actors/core/runtime.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <caf/all.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace netactors {
namespace {

using namespace std::chrono_literals;

// Never answers a request (holds its promises until it ends).
caf::behavior silent(caf::event_based_actor* self, int) {
  auto held = std::make_shared<std::vector<caf::response_promise>>();
  return {[=](int) -> caf::result<int> {
    held->push_back(self->make_response_promise());
    return caf::delegated<int>{};
  }};
}

// Sets each kind of timeout and reports to `reporter` as each fires; ends
// after its receive timeout.
caf::behavior prober(caf::event_based_actor* self, caf::actor reporter,
                     caf::actor quiet) {
  self->request(quiet, 10ms, 1).then(
      [=](int) { self->send(reporter, std::string{"request: answered?!"}); },
      [=](caf::error& err) {
        self->send(reporter, "request: " + self->system().render(err));
      });
  self->delayed_send(self, 5ms, std::string{"tick"});
  return {
      [=](const std::string& what) {
        self->send(reporter, "delayed: " + what);
      },
      caf::after(std::chrono::milliseconds(30)) >>
          [=] {
            self->send(reporter, std::string{"receive timeout"});
            self->quit();
          },
  };
}

// Answers one int and ends.
caf::behavior one_shot(caf::event_based_actor* self, int) {
  return {[=](int x) {
    self->quit();
    return x;
  }};
}

class runtime_clock_test : public ::testing::Test {
 protected:
  runtime_clock_test() : rt_(cfg_) {
    clock_ = dynamic_cast<timeout_tracking_clock*>(&rt_.system().clock());
  }

  // Waits (for an event, not a time) until every actor that set a timeout
  // has had it cancelled at exit: cleanup cancels after the DOWN message.
  void await_no_actor_with_timeouts() {
    while (clock_->actors_with_timeouts() != 0) std::this_thread::yield();
  }

  // Runs a prober spawned by `spawn` and returns its reports, sorted.
  template <class Spawn>
  std::vector<std::string> probe(Spawn spawn) {
    caf::scoped_actor self{rt_.system()};
    auto quiet = rt_.system().spawn(silent, 0);
    auto p = spawn(caf::actor{self}, quiet);
    std::vector<std::string> reports;
    int received = 0;
    self->receive_for(received, 3)([&](const std::string& r) {
      reports.push_back(r);
    });
    self->wait_for(p);
    self->send_exit(quiet, caf::exit_reason::user_shutdown);
    self->wait_for(quiet);
    std::sort(reports.begin(), reports.end());
    return reports;
  }

  caf::actor_system_config cfg_;
  runtime rt_;
  timeout_tracking_clock* clock_ = nullptr;
};

TEST_F(runtime_clock_test, is_the_clock_of_the_runtimes_scheduler) {
  ASSERT_NE(clock_, nullptr);
}

TEST_F(runtime_clock_test, timeouts_fire_for_a_loop_affine_actor) {
  ASSERT_NE(clock_, nullptr);
  auto before = clock_->cancellations_forwarded();
  auto reports = probe([&](caf::actor reporter, caf::actor quiet) {
    return rt_.loop_at(0).spawn(prober, reporter, quiet);
  });
  EXPECT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[0], "delayed: tick");
  EXPECT_EQ(reports[1], "receive timeout");
  EXPECT_EQ(reports[2].rfind("request: ", 0), 0u);
  EXPECT_NE(reports[2].find("request_timeout"), std::string::npos)
      << reports[2];
  await_no_actor_with_timeouts();
  EXPECT_GE(clock_->cancellations_forwarded(), before + 1);
}

TEST_F(runtime_clock_test, timeouts_fire_for_an_ordinary_actor) {
  ASSERT_NE(clock_, nullptr);
  auto before = clock_->cancellations_forwarded();
  auto reports = probe([&](caf::actor reporter, caf::actor quiet) {
    return rt_.system().spawn(prober, reporter, quiet);
  });
  EXPECT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[0], "delayed: tick");
  EXPECT_EQ(reports[1], "receive timeout");
  EXPECT_NE(reports[2].find("request_timeout"), std::string::npos)
      << reports[2];
  await_no_actor_with_timeouts();
  EXPECT_GE(clock_->cancellations_forwarded(), before + 1);
}

TEST_F(runtime_clock_test, actors_without_timeouts_end_without_a_cancellation) {
  ASSERT_NE(clock_, nullptr);
  auto before = clock_->cancellations_forwarded();
  {
    caf::scoped_actor self{rt_.system()};
    for (int i = 0; i < 20; ++i) {
      auto affine = rt_.loop_at(0).spawn(one_shot, 0);
      auto ordinary = rt_.system().spawn(one_shot, 0);
      for (auto& a : {affine, ordinary}) {
        self->request(a, caf::infinite, i).receive(
            [&](int x) { EXPECT_EQ(x, i); },
            [&](caf::error& err) { ADD_FAILURE() << to_string(err); });
        self->wait_for(a);
      }
    }
  }
  // 40 actors and a scoped actor ended; none had set a timeout.
  EXPECT_EQ(clock_->cancellations_forwarded(), before);
  EXPECT_EQ(clock_->actors_with_timeouts(), 0u);
}

}  // namespace
}  // namespace netactors
