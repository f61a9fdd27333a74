// A gtest fixture for UDP and DHCP actor logic under CAF's deterministic
// scheduler (scheduler policy "testing"):
// - probe: records every message it receives (with sender and whether it
//   was a request) and answers requests with an empty message;
// - request<Reply>(dest, msg): a one-shot actor that sends `msg` as a request
//   and records the reply or the error;
// - watch(actor): records when and why an actor ended.
// The same shape as tests/actors/actor_test_fixture.hpp, whose target is
// private to tests/actors.
// Thread safety: the test thread only (the test_coordinator runs there too).
#pragma once

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "actors/messages.hpp"

namespace netactors::testing {

/// The JSON envelope's type name of a one-element netactors message, or
/// CAF's rendering of anything else.
inline std::string type_of(const caf::message& msg) {
  if (auto j = message_to_json(msg)) return (*j)["type"].get<std::string>();
  return caf::to_string(msg);
}

struct received {
  caf::message msg;
  caf::actor_addr sender;
  bool request = false;

  template <class T>
  bool is() const {
    return msg.match_elements<T>();
  }
  template <class T>
  const T& as() const {
    return msg.get_as<T>(0);
  }
};

struct probe_log {
  std::vector<received> messages;

  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (auto& m : messages) out.push_back(type_of(m.msg));
    return out;
  }

  template <class T>
  std::vector<T> all() const {
    std::vector<T> out;
    for (auto& m : messages)
      if (m.is<T>()) out.push_back(m.as<T>());
    return out;
  }
};

struct probe_state {
  std::shared_ptr<probe_log> log;
  static inline const char* name = "probe";
};

using probe_actor = caf::stateful_actor<probe_state>;

inline caf::behavior probe(probe_actor* self, std::shared_ptr<probe_log> log) {
  self->state.log = std::move(log);
  self->set_default_handler(
      [](caf::scheduled_actor* ptr, caf::message_view& x)
          -> caf::result<caf::message> {
        auto* p = static_cast<probe_actor*>(ptr);
        p->state.log->messages.push_back(received{
            x.copy_content_to_message(),
            caf::actor_cast<caf::actor_addr>(p->current_sender()),
            p->current_message_id().is_request()});
        return caf::message{};
      });
  return {[](caf::unit_t) {}};
}

template <class Reply>
struct request_outcome {
  using value_type =
      std::conditional_t<std::is_void_v<Reply>, caf::unit_t, Reply>;
  bool answered = false;
  std::optional<value_type> value;
  caf::error error;
};

struct watch_outcome {
  bool ended = false;
  caf::error reason;
};

template <class Reply, class Msg>
void requester(caf::event_based_actor* self,
               std::shared_ptr<request_outcome<Reply>> out, caf::actor dest,
               Msg msg) {
  auto on_error = [out](caf::error& err) {
    out->answered = true;
    out->error = std::move(err);
  };
  if constexpr (std::is_void_v<Reply>) {
    self->request(dest, caf::infinite, std::move(msg))
        .then(
            [out]() {
              out->answered = true;
              out->value = caf::unit;
            },
            on_error);
  } else {
    self->request(dest, caf::infinite, std::move(msg))
        .then(
            [out](Reply& r) {
              out->answered = true;
              out->value = std::move(r);
            },
            on_error);
  }
}

inline caf::behavior watcher(caf::event_based_actor* self,
                             std::shared_ptr<watch_outcome> out,
                             caf::actor_addr target) {
  self->set_down_handler([self, out](caf::down_msg& dm) {
    out->ended = true;
    out->reason = dm.reason;
    self->quit();
  });
  self->monitor(target);
  return {[](caf::unit_t) {}};
}

class deterministic_test : public ::testing::Test {
 protected:
  deterministic_test()
      : sys(configure(cfg)),
        sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    sched.clock().current_time += std::chrono::hours(1);
  }

  ~deterministic_test() override {
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

  /// Runs every actor until no message is left (timeouts do not fire).
  size_t run() { return sched.run(); }

  /// Moves the clock forward by `d`, stopping at each timer on the way (in
  /// order, running the actors after each), as real time would: a timer set
  /// by a handler counts from the moment that handler ran.
  void advance(std::chrono::milliseconds d) {
    auto& clock = sched.clock();
    auto target = clock.current_time + d;
    run();
    for (;;) {
      const auto& schedule = clock.schedule();
      if (schedule.empty() || schedule.begin()->first > target) break;
      if (schedule.begin()->first > clock.current_time)
        clock.current_time = schedule.begin()->first;
      sched.advance_time(caf::timespan{0});
      run();
    }
    clock.current_time = target;
  }

  template <class... Ts>
  caf::actor spawn(Ts&&... xs) {
    auto a = sys.spawn(std::forward<Ts>(xs)...);
    spawned.push_back(caf::actor_cast<caf::actor>(a));
    return caf::actor_cast<caf::actor>(a);
  }

  caf::actor spawn_probe(std::shared_ptr<probe_log> log) {
    return spawn(probe, std::move(log));
  }

  template <class Reply, class Msg>
  std::shared_ptr<request_outcome<Reply>> request(caf::actor dest, Msg msg) {
    auto out = std::make_shared<request_outcome<Reply>>();
    // Everything goes in as spawn arguments: CAF 0.17 dereferences a null
    // argument tuple for a function spawned without any.
    spawn(requester<Reply, Msg>, out, std::move(dest), std::move(msg));
    return out;
  }

  std::shared_ptr<watch_outcome> watch(caf::actor target) {
    auto out = std::make_shared<watch_outcome>();
    spawn(watcher, out, target.address());
    return out;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  std::vector<caf::actor> spawned;
};

}  // namespace netactors::testing
