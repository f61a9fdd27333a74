// A gtest fixture for actor logic under CAF's deterministic scheduler
// (scheduler policy "testing"), plus the actors a test talks through:
// - probe: records every message it receives (with sender and whether it
//   was a request); it answers tcp_read_closed at once, or holds the answers
//   until it gets release_atom;
// - request<Reply>(dest, msg): a one-shot actor that sends `msg` as a request
//   and records the reply or the error;
// - watch(actor): records when and why an actor ended.
// caf/test/dsl.hpp's test_coordinator_fixture needs CAF's own unit-test
// engine (caf::test::engine), so this fixture drives the test_coordinator
// directly instead.
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

using release_atom = caf::atom_constant<caf::atom("release")>;

/// The JSON envelope's type name of a one-element netactors message, or
/// CAF's rendering of anything else.
inline std::string type_of(const caf::message& msg) {
  if (auto j = message_to_json(msg)) return (*j)["type"].get<std::string>();
  return caf::to_string(msg);
}

/// One message a probe received.
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
  /// Hold the answers to tcp_read_closed until release_atom arrives.
  bool hold_read_closed_replies = false;

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

  template <class T>
  const received* first() const {
    for (auto& m : messages)
      if (m.is<T>()) return &m;
    return nullptr;
  }
};

struct probe_state {
  std::shared_ptr<probe_log> log;
  std::vector<caf::response_promise> held;
  static inline const char* name = "probe";
};

using probe_actor = caf::stateful_actor<probe_state>;

inline void record(probe_actor* self, caf::message msg) {
  self->state.log->messages.push_back(
      received{std::move(msg), caf::actor_cast<caf::actor_addr>(self->current_sender()),
               self->current_message_id().is_request()});
}

inline caf::behavior probe(probe_actor* self, std::shared_ptr<probe_log> log) {
  self->state.log = std::move(log);
  self->set_default_handler(
      [](caf::scheduled_actor* ptr, caf::message_view& x) -> caf::result<caf::message> {
        record(static_cast<probe_actor*>(ptr), x.copy_content_to_message());
        return caf::message{};
      });
  return {
    [self](tcp_read_closed& ev) {
      record(self, caf::make_message(ev));
      // Returning without a promise answers the request with an empty message.
      if (self->state.log->hold_read_closed_replies)
        self->state.held.push_back(self->make_response_promise());
    },
    [self](release_atom) {
      for (auto& rp : self->state.held) rp.deliver(caf::unit);
      self->state.held.clear();
    },
  };
}

/// What a request() got back. Reply = void for requests answered with an
/// empty message.
template <class Reply>
struct request_outcome {
  using value_type = std::conditional_t<std::is_void_v<Reply>, caf::unit_t, Reply>;
  bool answered = false;
  std::optional<value_type> value;
  caf::error error;
};

struct watch_outcome {
  bool ended = false;
  caf::error reason;
};

using watch_idle_atom = caf::atom_constant<caf::atom("widle")>;

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
  return {[](watch_idle_atom) {}};
}

class actor_test : public ::testing::Test {
 protected:
  actor_test()
      : sys(configure(cfg)),
        sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    // Not at 0, so that delayed messages have a meaningful time.
    sched.clock().current_time += std::chrono::hours(1);
  }

  ~actor_test() override {
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

  /// Runs every actor until no message is left.
  size_t run() { return sched.run(); }

  template <class... Ts>
  caf::actor spawn(Ts&&... xs) {
    auto a = sys.spawn(std::forward<Ts>(xs)...);
    spawned.push_back(caf::actor_cast<caf::actor>(a));
    return caf::actor_cast<caf::actor>(a);
  }

  caf::actor spawn_probe(std::shared_ptr<probe_log> log) {
    return spawn(probe, std::move(log));
  }

  /// Sends `msg` to `dest` as a request from a fresh actor; the outcome
  /// fills in as the scheduler runs.
  template <class Reply, class Msg>
  std::shared_ptr<request_outcome<Reply>> request(caf::actor dest, Msg msg) {
    auto out = std::make_shared<request_outcome<Reply>>();
    // Everything goes in as spawn arguments: CAF 0.17's init_fun_factory
    // dereferences a null argument tuple for a function spawned without any
    // (UBSan: "reference binding to null pointer").
    spawn(requester<Reply, Msg>, out, std::move(dest), std::move(msg));
    return out;
  }

  /// Records when `target` ends and why.
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
