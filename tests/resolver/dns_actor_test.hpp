// A gtest fixture for the DNS actors' logic under CAF's deterministic
// scheduler (scheduler policy "testing"), and the one-shot requesters the
// tests talk through:
// - ask<Replies...>(dest, msg): an actor that sends `msg` as a request and
//   records the reply (as a message of Replies...) or the error;
// - advance(ms): moves the test clock, fires what is due, runs everything.
// (tests/actors/actor_test_fixture.hpp has the same shape for the TCP actors;
// its library is private to that package.)
#pragma once

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <utility>
#include <vector>

#include "actors/messages.hpp"

namespace netactors::dns_testing {

/// What a request got back.
struct reply_log {
  bool answered = false;
  caf::message reply;  ///< the reply's elements, on success
  caf::error error;

  template <class T, size_t I = 0>
  const T& get() const {
    return reply.get_as<T>(I);
  }
};

template <class Msg, class... Replies>
void asker(caf::event_based_actor* self, std::shared_ptr<reply_log> out,
           caf::actor dest, Msg msg) {
  self->request(dest, caf::infinite, std::move(msg))
      .then(
          [out](Replies&... xs) {
            out->answered = true;
            out->reply = caf::make_message(xs...);
          },
          [out](caf::error& err) {
            out->answered = true;
            out->error = std::move(err);
          });
}

class dns_actor_test : public ::testing::Test {
 protected:
  dns_actor_test()
      : sys(configure(cfg)),
        sched(
            dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    // Not at 0, so that delayed messages have a meaningful time.
    sched.clock().current_time += std::chrono::hours(1);
  }

  ~dns_actor_test() override {
    // Every actor must end before the system does (it waits for them).
    for (auto& a : spawned) caf::anon_send_exit(a, caf::exit_reason::kill);
    sched.run();
    spawned.clear();
  }

  static caf::actor_system_config& configure(caf::actor_system_config& c) {
    add_message_types(c);
    c.set("scheduler.policy", caf::atom("testing"));
    c.set("logger.file-verbosity", caf::atom("quiet"));
    c.set("logger.console-verbosity", caf::atom("quiet"));
    return c;
  }

  size_t run() { return sched.run(); }

  /// Moves the clock by `d`, delivers every delayed message now due, and
  /// runs until nothing is left.
  void advance(std::chrono::milliseconds d) {
    sched.advance_time(d);
    sched.run();
  }

  template <class... Ts>
  caf::actor spawn(Ts&&... xs) {
    auto a = caf::actor_cast<caf::actor>(sys.spawn(std::forward<Ts>(xs)...));
    spawned.push_back(a);
    return a;
  }

  /// Sends `msg` to `dest` as a request from a fresh actor, returned in
  /// `requester` if asked for; the outcome fills in as the scheduler runs.
  template <class... Replies, class Msg>
  std::shared_ptr<reply_log> ask(caf::actor dest, Msg msg,
                                 caf::actor* requester = nullptr) {
    auto out = std::make_shared<reply_log>();
    // Everything goes in as spawn arguments: CAF 0.17's init_fun_factory
    // dereferences a null argument tuple for a function spawned without any.
    auto a =
        spawn(asker<Msg, Replies...>, out, std::move(dest), std::move(msg));
    if (requester != nullptr) *requester = a;
    return out;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  std::vector<caf::actor> spawned;
};

}  // namespace netactors::dns_testing
