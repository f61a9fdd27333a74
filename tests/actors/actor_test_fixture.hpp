// The one gtest fixture for actor logic under CAF's deterministic scheduler
// (scheduler policy "testing"), shared by every tests/ package, plus the
// actors a test talks through:
// - probe: records every message it receives (with sender and whether it
//   was a request) and answers requests with an empty message; it answers
//   tcp_read_closed and tcp_/udp_received (a window marker) at once, or
//   holds the answers until it gets release_atom;
// - request<Reply>(dest, msg): a one-shot actor that sends `msg` as a request
//   and records the reply or the error;
// - ask<Replies...>(dest, msg): the same for a reply of several elements (or
//   of a type request<> cannot name), recorded as a message;
//   both go through one non-template requester actor over caf::message (each
//   distinct request/then instantiation cost seconds of compile time); only
//   the reply's conversion and the typed handle's check depend on the types;
// - watch(actor): records when and why an actor ended;
// - run() runs every actor until no message is left (timers do not fire);
//   advance(d) moves the clock as real time would, firing each timer in turn.
// caf/test/dsl.hpp's test_coordinator_fixture needs CAF's own unit-test
// engine (caf::test::engine), so this fixture drives the test_coordinator
// directly instead.
// Thread safety: the test thread only (the test_coordinator runs there too).
#pragma once

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "actors/messages/messages.hpp"
#include "tests/actors/any_reply.hpp"

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
  /// Hold the answers to tcp_received and udp_received requests (the owner
  /// keeps the window's credit) until release_atom arrives.
  bool hold_received_replies = false;

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

// tcp_received or udp_received: a window marker (a request) is answered
// when the handler returns, unless the log says to hold it.
inline void record_received(probe_actor* self, caf::message msg) {
  record(self, std::move(msg));
  if (self->state.log->hold_received_replies &&
      self->current_message_id().is_request())
    self->state.held.push_back(self->make_response_promise());
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
    [self](tcp_received& ev) { record_received(self, caf::make_message(ev)); },
    [self](udp_received& ev) { record_received(self, caf::make_message(ev)); },
    [self](release_atom) {
      for (auto& rp : self->state.held) rp.deliver(caf::unit);
      self->state.held.clear();
    },
  };
}

/// An owner that accepts every message silently and can count the records
/// other actors attached to it (monitors): CAF keeps one per monitor until
/// demonitor or until this actor ends.
class counting_owner : public caf::event_based_actor {
 public:
  using caf::event_based_actor::event_based_actor;

  caf::behavior make_behavior() override {
    set_default_handler([](caf::scheduled_actor*, caf::message_view&)
                            -> caf::result<caf::message> { return caf::message{}; });
    return {[](int) {}};
  }

  size_t attachables() {
    std::unique_lock<std::mutex> guard{mtx_};
    size_t n = 0;
    for (auto* p = attachables_head_.get(); p != nullptr; p = p->next.get()) ++n;
    return n;
  }
};

/// What a requester hands its outcome to: the reply, whatever its elements,
/// or the error it got instead; the sink checks the reply's form.
class reply_sink {
 public:
  virtual ~reply_sink() = default;
  virtual void take(caf::message reply, caf::error error) = 0;
};

/// What a request() got back. Reply = void for requests answered with an
/// empty message.
template <class Reply>
struct request_outcome final : reply_sink {
  using value_type = std::conditional_t<std::is_void_v<Reply>, caf::unit_t, Reply>;
  bool answered = false;
  std::optional<value_type> value;
  caf::error error;

  void take(caf::message reply, caf::error err) override {
    answered = true;
    if (!err) {
      if constexpr (std::is_void_v<Reply>) {
        err = check_reply<>(reply);
        if (!err) value = caf::unit;
      } else {
        err = check_reply<Reply>(reply);
        if (!err) value = reply.get_as<Reply>(0);
      }
    }
    error = std::move(err);
  }
};

struct watch_outcome {
  bool ended = false;
  caf::error reason;
};

using watch_idle_atom = caf::atom_constant<caf::atom("widle")>;

/// The one actor behind request() and ask(): sends `msg` (its elements, as
/// they are) to `dest` as a request and hands the outcome to `out`.
inline void requester(caf::event_based_actor* self,
                      std::shared_ptr<reply_sink> out, caf::actor dest,
                      caf::message msg) {
  self->request(dest, caf::infinite, std::move(msg))
      .then([](any_reply&) {},
            [out](caf::error& err) {
              if (auto reply = reply_in(err))
                out->take(std::move(*reply), caf::error{});
              else
                out->take(caf::message{}, std::move(err));
            });
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

/// What an ask() got back.
struct reply_log final : reply_sink {
  bool answered = false;
  caf::message reply;  ///< the reply's elements, on success
  caf::error error;

  /// The error for a reply of the wrong form (check_reply<Replies...>).
  explicit reply_log(caf::error (*check)(const caf::message&)) : check_(check) {}

  void take(caf::message msg, caf::error err) override {
    answered = true;
    if (!err) err = check_(msg);
    if (err)
      error = std::move(err);
    else
      reply = std::move(msg);
  }

  template <class T, size_t I = 0>
  const T& get() const {
    return reply.get_as<T>(I);
  }

 private:
  caf::error (*check_)(const caf::message&);
};

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

  /// Runs every actor until no message is left (timeouts do not fire).
  size_t run() { return sched.run(); }

  /// Moves the clock forward by `d`, stopping at each timer on the way (in
  /// order, running the actors after each), as real time would: a timer set
  /// by a handler counts from the moment that handler ran. (advance_time
  /// alone jumps the clock, so such a timer would count from the end of the
  /// jump.)
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

  /// Spawns a counting_owner; `*out` points to it while it lives.
  caf::actor spawn_counting_owner(counting_owner** out) {
    auto a = caf::actor_cast<caf::actor>(sys.spawn<counting_owner>());
    spawned.push_back(a);
    *out = dynamic_cast<counting_owner*>(caf::actor_cast<caf::abstract_actor*>(a));
    return a;
  }

  /// Sends `msg` to `dest` as a request from a fresh actor; the outcome
  /// fills in as the scheduler runs.
  /// `dest` is a caf::actor or a typed handle: a typed one checks at compile
  /// time that it takes Msg and answers Reply.
  template <class Reply, class Msg, class Handle>
  std::shared_ptr<request_outcome<Reply>> request(Handle dest, Msg msg) {
    if constexpr (std::is_void_v<Reply>)
      check_signature<Handle, Msg, void>();
    else
      check_signature<Handle, Msg, Reply>();
    auto out = std::make_shared<request_outcome<Reply>>();
    send_request(out, caf::actor_cast<caf::actor>(dest),
                 caf::make_message(std::move(msg)));
    return out;
  }

  /// Sends `msg` to `dest` as a request from a fresh actor, returned in
  /// `from` if asked for; the reply (of Replies...) or the error fills in as
  /// the scheduler runs.
  template <class... Replies, class Msg, class Handle>
  std::shared_ptr<reply_log> ask(Handle dest, Msg msg,
                                 caf::actor* from = nullptr) {
    check_signature<Handle, Msg, Replies...>();
    auto out = std::make_shared<reply_log>(check_reply<Replies...>);
    auto a = send_request(out, caf::actor_cast<caf::actor>(dest),
                          caf::make_message(std::move(msg)));
    if (from != nullptr) *from = a;
    return out;
  }

  /// Spawns the requester for request() and ask().
  caf::actor send_request(std::shared_ptr<reply_sink> out, caf::actor dest,
                          caf::message msg) {
    // Everything goes in as spawn arguments: CAF 0.17's init_fun_factory
    // dereferences a null argument tuple for a function spawned without any
    // (UBSan: "reference binding to null pointer").
    return spawn(requester, std::move(out), std::move(dest), std::move(msg));
  }

  /// Records when `target` ends and why.
  template <class Handle>
  std::shared_ptr<watch_outcome> watch(const Handle& target) {
    auto out = std::make_shared<watch_outcome>();
    spawn(watcher, out, caf::actor_cast<caf::actor>(target).address());
    return out;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  std::vector<caf::actor> spawned;
};

}  // namespace netactors::testing
