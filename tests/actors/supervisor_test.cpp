// The supervisor's contract (actors/supervisor/supervisor.hpp), under CAF's
// deterministic scheduler: children start in spec order; a child that fails
// is restarted (one_for_one) and the new incarnation gets new requests,
// through its stable handle and through supervisor_which; requests that
// arrive while it restarts are held and then answered; restart types decide
// what a clean exit and a failure mean; too many restarts end the supervisor
// with an error naming the child, after the other children were stopped in
// reverse order; shutdown stops children last-started-first, each after the
// previous one ended (killing one that outlives its shutdown timeout); the
// observer gets every event, whose JSON is as documented; nobody has to hold
// the supervisor for it to go on supervising. And once on a real runtime with
// loop-affine children.
#include "actors/supervisor/supervisor.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <uv.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "actors/messages/messages.hpp"
#include "actors/messages/net_error.hpp"
#include "actors/core/runtime.hpp"
#include "net/core/loop.hpp"
#include "tests/actors/actor_test_fixture.hpp"

namespace netactors {
namespace {

using namespace std::chrono_literals;
using testing::actor_test;
using testing::probe_log;

using ping_atom = caf::atom_constant<caf::atom("ping")>;
using crash_atom = caf::atom_constant<caf::atom("crash")>;
using finish_atom = caf::atom_constant<caf::atom("finish")>;

// A child: ping -> its actor id (tells incarnations apart), crash -> ends
// with ECONNRESET, finish -> ends normally.
caf::behavior worker(caf::event_based_actor* self, std::string tag) {
  return {
    [self](ping_atom) { return self->id(); },
    [self](crash_atom) {
      self->quit(make_caf_error(net_error::of(UV_ECONNRESET, "test crash")));
    },
    [self](finish_atom) { self->quit(); },
    [tag](const std::string&) { return tag; },
  };
}

// A child that ignores requests to shut down.
caf::behavior stubborn(caf::event_based_actor* self, std::string tag) {
  self->set_exit_handler([](caf::exit_msg&) {});
  return worker(self, std::move(tag));
}

child_spec spec(std::string name, restart_type restart = restart_type::permanent,
                caf::behavior (*fun)(caf::event_based_actor*, std::string) = worker) {
  child_spec s;
  s.name = name;
  s.restart = restart;
  s.start = [fun, name](caf::local_actor* self) { return self->spawn(fun, name); };
  return s;
}

const std::string crash_reason =
    "uv: " + net_error::of(UV_ECONNRESET, "test crash").to_string();

class supervisor_test : public actor_test {
 protected:
  supervisor_test() : log(std::make_shared<probe_log>()) {
    observer = spawn_probe(log);
    cfg_.name = "netnode";
    cfg_.max_restarts = 3;
    cfg_.period = 5s;
    cfg_.observer = observer;
  }

  supervisor_handles start(std::vector<child_spec> specs) {
    auto h = spawn_supervisor(sys, cfg_, std::move(specs));
    EXPECT_TRUE(h) << sys.render(h.error());
    if (!h) return {};
    spawned.push_back(caf::actor_cast<caf::actor>(h->supervisor));
    run();
    return *h;
  }

  /// "child event" for every event so far, in order.
  std::vector<std::string> events() const {
    std::vector<std::string> out;
    for (auto& e : log->all<supervisor_event>()) out.push_back(e.child + " " + e.event);
    return out;
  }

  std::vector<supervisor_event> events_of(const std::string& child) const {
    std::vector<supervisor_event> out;
    for (auto& e : log->all<supervisor_event>())
      if (e.child == child) out.push_back(e);
    return out;
  }

  caf::actor which(const supervisor_actor& sup, const std::string& name) {
    auto r = request<caf::actor>(sup, supervisor_which{name});
    run();
    EXPECT_TRUE(r->value) << sys.render(r->error);
    return r->value ? *r->value : caf::actor{};
  }

  /// The actor id of the incarnation that answered a ping sent to `dest`.
  uint64_t ping(const caf::actor& dest) {
    auto r = request<uint64_t>(dest, ping_atom::value);
    run();
    EXPECT_TRUE(r->value) << sys.render(r->error);
    return r->value ? *r->value : 0;
  }

  supervisor_stats stats(const supervisor_actor& sup) {
    auto r = request<supervisor_stats>(sup, supervisor_get_stats{});
    run();
    EXPECT_TRUE(r->value) << sys.render(r->error);
    return r->value ? *r->value : supervisor_stats{};
  }

  std::shared_ptr<probe_log> log;
  caf::actor observer;
  supervisor_config cfg_;
};

using strings = std::vector<std::string>;

// -- starting ---------------------------------------------------------------

TEST_F(supervisor_test, starts_the_children_in_spec_order) {
  auto h = start({spec("a"), spec("b"), spec("c")});
  EXPECT_EQ(events(), (strings{"a started", "b started", "c started"}));
  for (auto name : {"a", "b", "c"})
    EXPECT_EQ(ping(h.children.at(name)), which(h.supervisor, name).id()) << name;
}

TEST_F(supervisor_test, refuses_unusable_specs_without_spawning_anything) {
  auto duplicate = spawn_supervisor(sys, cfg_, {spec("a"), spec("a")});
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().category(), supervisor_error_atom::value);
  EXPECT_EQ(sys.render(duplicate.error()),
            "supervisor: invalid_spec: supervisor netnode: two children are named \"a\"");
  auto no_factory = spec("b");
  no_factory.start = nullptr;
  EXPECT_FALSE(spawn_supervisor(sys, cfg_, {no_factory}));
  EXPECT_FALSE(spawn_supervisor(sys, cfg_, {spec("")}));
  EXPECT_FALSE(spawn_supervisor(sys, cfg_, {}));
  cfg_.period = 0s;
  EXPECT_FALSE(spawn_supervisor(sys, cfg_, {spec("a")}));
}

TEST_F(supervisor_test, a_child_that_cannot_start_ends_the_supervisor_after_stopping_those_started) {
  auto broken = spec("b");
  broken.start = [](caf::local_actor*) { return caf::actor{}; };
  auto h = spawn_supervisor(sys, cfg_, {spec("a"), broken, spec("c")});
  ASSERT_TRUE(h);
  auto ended = watch(h->supervisor);
  run();
  EXPECT_EQ(events(), (strings{"a started", "b start_failed", "a stopped"}));
  ASSERT_TRUE(ended->ended);
  EXPECT_EQ(sys.render(ended->reason),
            "supervisor: start_failed: child b: factory gave no actor");
}

TEST_F(supervisor_test, a_factory_that_throws_is_a_failed_start_naming_the_child) {
  auto throwing = spec("dhcp");
  throwing.start = [](caf::local_actor*) -> caf::actor {
    throw std::runtime_error("no such interface");
  };
  auto h = spawn_supervisor(sys, cfg_, {throwing});
  ASSERT_TRUE(h);
  auto ended = watch(h->supervisor);
  run();
  ASSERT_TRUE(ended->ended);
  EXPECT_EQ(sys.render(ended->reason),
            "supervisor: start_failed: child dhcp: factory threw: no such interface");
}

// -- restarts ---------------------------------------------------------------

TEST_F(supervisor_test, a_failed_child_is_restarted_and_gets_new_requests) {
  auto h = start({spec("a"), spec("resolver"), spec("c")});
  auto stable = h.children.at("resolver");
  auto first = which(h.supervisor, "resolver");
  EXPECT_EQ(ping(stable), first.id());
  caf::anon_send(stable, crash_atom::value);
  run();
  auto seen = events_of("resolver");
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[1].event, "exited");
  EXPECT_EQ(seen[1].reason, crash_reason);
  EXPECT_EQ(seen[1].restarts, 0u);
  EXPECT_EQ(seen[2].event, "restarted");
  EXPECT_EQ(seen[2].restarts, 1u);
  // Both ways reach the new incarnation; only that child restarted.
  auto second = which(h.supervisor, "resolver");
  EXPECT_NE(second, first);
  EXPECT_EQ(ping(stable), second.id());
  EXPECT_EQ(ping(second), second.id());
  EXPECT_EQ(events_of("a").size(), 1u);
  EXPECT_EQ(events_of("c").size(), 1u);
  auto s = stats(h.supervisor);
  EXPECT_EQ(s.supervisor, "netnode");
  ASSERT_EQ(s.children.size(), 3u);
  EXPECT_EQ(s.children[1].name, "resolver");
  EXPECT_EQ(s.children[1].restarts, 1u);
  EXPECT_EQ(s.children[1].state, "running");
  EXPECT_EQ(s.children[0].restarts, 0u);
}

TEST_F(supervisor_test, the_stable_handle_passes_any_message_and_reply_through) {
  auto h = start({spec("echo")});
  auto r = request<std::string>(h.children.at("echo"), std::string{"who"});
  run();
  ASSERT_TRUE(r->value) << sys.render(r->error);
  EXPECT_EQ(*r->value, "echo");
}

TEST_F(supervisor_test, requests_that_arrive_while_a_child_restarts_are_held_then_answered) {
  cfg_.pending_limit = 2;
  cfg_.retry_delay = 100ms;
  bool broken = false;
  auto flaky = spec("resolver");
  flaky.start = [&broken](caf::local_actor* self) {
    return broken ? caf::actor{} : self->spawn(worker, std::string{"resolver"});
  };
  auto h = start({flaky});
  auto stable = h.children.at("resolver");
  broken = true;
  caf::anon_send(stable, crash_atom::value);
  run();
  EXPECT_EQ(events(), (strings{"resolver started", "resolver exited", "resolver start_failed"}));
  EXPECT_EQ(events_of("resolver").back().reason,
            "start_failed: child resolver: factory gave no actor");
  // Held: two fit, the third is refused with an error naming the child.
  auto one = request<uint64_t>(stable, ping_atom::value);
  auto two = request<uint64_t>(stable, ping_atom::value);
  run();
  auto three = request<uint64_t>(stable, ping_atom::value);
  run();
  EXPECT_FALSE(one->answered);
  EXPECT_FALSE(two->answered);
  ASSERT_TRUE(three->answered);
  EXPECT_EQ(sys.render(three->error),
            "supervisor: child_unavailable: child resolver is restarting and 2 "
            "messages already wait");
  auto during = request<caf::actor>(h.supervisor, supervisor_which{"resolver"});
  run();
  EXPECT_EQ(sys.render(during->error),
            "supervisor: child_unavailable: child resolver is restarting");
  // The retry succeeds: the held requests reach the new incarnation.
  broken = false;
  advance(100ms);
  EXPECT_EQ(events().back(), "resolver restarted");
  EXPECT_EQ(events_of("resolver").back().restarts, 2u);  // the failed try counts
  auto now = which(h.supervisor, "resolver");
  ASSERT_TRUE(one->value);
  ASSERT_TRUE(two->value);
  EXPECT_EQ(*one->value, now.id());
  EXPECT_EQ(*two->value, now.id());
}

TEST_F(supervisor_test, requests_held_for_a_child_that_never_comes_back_get_an_error_naming_it) {
  cfg_.max_restarts = 1;
  bool broken = false;
  auto flaky = spec("resolver");
  flaky.start = [&broken](caf::local_actor* self) {
    return broken ? caf::actor{} : self->spawn(worker, std::string{"resolver"});
  };
  auto h = start({flaky});
  auto ended = watch(h.supervisor);
  broken = true;
  caf::anon_send(h.children.at("resolver"), crash_atom::value);
  run();
  auto held = request<uint64_t>(h.children.at("resolver"), ping_atom::value);
  run();
  EXPECT_FALSE(held->answered);
  advance(cfg_.retry_delay);  // the second restart is one too many
  EXPECT_TRUE(ended->ended);
  ASSERT_TRUE(held->answered);
  EXPECT_EQ(sys.render(held->error),
            "supervisor: child_unavailable: child resolver is stopped: supervisor "
            "netnode ended");
}

TEST_F(supervisor_test, a_child_that_fails_too_often_ends_the_supervisor_with_an_error_naming_it) {
  auto h = start({spec("a"), spec("resolver"), spec("c")});
  auto ended = watch(h.supervisor);
  run();
  for (int i = 0; i < 3; ++i) {
    caf::anon_send(h.children.at("resolver"), crash_atom::value);
    run();
  }
  EXPECT_FALSE(ended->ended);  // 3 restarts within 5 s: the limit
  caf::anon_send(h.children.at("resolver"), crash_atom::value);
  run();
  ASSERT_TRUE(ended->ended);
  EXPECT_EQ(ended->reason.category(), supervisor_error_atom::value);
  EXPECT_EQ(ended->reason.code(),
            static_cast<uint8_t>(supervisor_errc::too_many_restarts));
  auto text = sys.render(ended->reason);
  EXPECT_EQ(text,
            "supervisor: too_many_restarts: supervisor netnode gave up on child "
            "resolver: 4 restarts within 5000 ms (limit 3); it failed: " +
                crash_reason);
  // The give-up, then the survivors stopped last-started-first.
  auto all = events();
  ASSERT_GE(all.size(), 3u);
  EXPECT_EQ(strings(all.end() - 3, all.end()),
            (strings{"resolver gave_up", "c stopped", "a stopped"}));
  EXPECT_EQ(events_of("resolver").back().reason, text.substr(strlen("supervisor: ")));
  EXPECT_EQ(events_of("c").back().reason, "user_shutdown");
}

TEST_F(supervisor_test, restarts_further_apart_than_the_period_never_add_up) {
  auto h = start({spec("resolver")});
  auto ended = watch(h.supervisor);
  for (int i = 0; i < 6; ++i) {
    caf::anon_send(h.children.at("resolver"), crash_atom::value);
    advance(2s);  // at most 3 restarts in any 5 s
  }
  EXPECT_FALSE(ended->ended);
  EXPECT_EQ(stats(h.supervisor).children.at(0).restarts, 6u);
  EXPECT_NE(ping(h.children.at("resolver")), 0u);
}

// -- restart types ----------------------------------------------------------

TEST_F(supervisor_test, a_clean_exit_is_not_a_failure_for_a_transient_child) {
  auto h = start({spec("once", restart_type::transient)});
  caf::anon_send(h.children.at("once"), finish_atom::value);
  run();
  EXPECT_EQ(events(), (strings{"once started", "once exited"}));
  EXPECT_EQ(events_of("once").back().reason, "");
  EXPECT_EQ(stats(h.supervisor).children.at(0).state, "exited");
  auto through = request<uint64_t>(h.children.at("once"), ping_atom::value);
  run();
  EXPECT_EQ(sys.render(through->error),
            "supervisor: child_unavailable: child once exited (normally) and, "
            "being transient, is not restarted");
}

TEST_F(supervisor_test, a_transient_child_shut_down_by_someone_else_is_not_restarted) {
  auto h = start({spec("once", restart_type::transient)});
  caf::anon_send_exit(which(h.supervisor, "once"), caf::exit_reason::user_shutdown);
  run();
  EXPECT_EQ(events(), (strings{"once started", "once exited"}));
  EXPECT_EQ(events_of("once").back().reason, "user_shutdown");
}

TEST_F(supervisor_test, a_stable_handle_ignores_exit_messages) {
  auto h = start({spec("a")});
  auto stable = h.children.at("a");
  auto ended = watch(stable);
  caf::anon_send_exit(stable, caf::exit_reason::user_shutdown);
  run();
  EXPECT_FALSE(ended->ended);
  EXPECT_EQ(ping(stable), which(h.supervisor, "a").id());
}

TEST_F(supervisor_test, a_transient_child_that_fails_is_restarted) {
  auto h = start({spec("once", restart_type::transient)});
  caf::anon_send(h.children.at("once"), crash_atom::value);
  run();
  EXPECT_EQ(events(), (strings{"once started", "once exited", "once restarted"}));
}

TEST_F(supervisor_test, a_permanent_child_is_restarted_even_after_a_clean_exit) {
  auto h = start({spec("server", restart_type::permanent)});
  caf::anon_send(h.children.at("server"), finish_atom::value);
  run();
  EXPECT_EQ(events(), (strings{"server started", "server exited", "server restarted"}));
  EXPECT_EQ(events_of("server")[1].reason, "");
}

TEST_F(supervisor_test, a_temporary_child_is_never_restarted) {
  auto h = start({spec("probe", restart_type::temporary), spec("other")});
  caf::anon_send(h.children.at("probe"), crash_atom::value);
  run();
  EXPECT_EQ(events(), (strings{"probe started", "other started", "probe exited"}));
  EXPECT_EQ(stats(h.supervisor).children.at(0).restarts, 0u);
  auto gone = request<caf::actor>(h.supervisor, supervisor_which{"probe"});
  run();
  EXPECT_EQ(sys.render(gone->error), "supervisor: child_unavailable: child probe has exited and is not restarted");
}

// -- shutdown ---------------------------------------------------------------

TEST_F(supervisor_test, an_exit_message_stops_the_children_in_reverse_start_order) {
  auto h = start({spec("a"), spec("b"), spec("c")});
  auto ended = watch(h.supervisor);
  auto a = which(h.supervisor, "a");
  auto a_ended = watch(a);
  caf::anon_send_exit(h.supervisor, caf::exit_reason::user_shutdown);
  run();
  EXPECT_EQ(events(), (strings{"a started", "b started", "c started", "c stopped",
                               "b stopped", "a stopped"}));
  EXPECT_EQ(events_of("a").back().reason, "user_shutdown");
  EXPECT_TRUE(a_ended->ended);
  ASSERT_TRUE(ended->ended);
  EXPECT_EQ(ended->reason, caf::exit_reason::user_shutdown);
}

TEST_F(supervisor_test, each_child_is_stopped_only_after_the_one_started_after_it_ended) {
  auto slow = spec("b", restart_type::permanent, stubborn);
  slow.shutdown_timeout = 3s;
  auto h = start({spec("a"), slow, spec("c")});
  auto ended = watch(h.supervisor);
  caf::anon_send_exit(h.supervisor, caf::exit_reason::user_shutdown);
  run();
  // b ignores the request: a keeps running until b has ended.
  EXPECT_EQ(events().back(), "c stopped");
  EXPECT_NE(ping(h.children.at("a")), 0u);
  advance(2999ms);
  EXPECT_EQ(events().back(), "c stopped");
  advance(1ms);  // b's shutdown timeout: killed
  EXPECT_EQ(events(), (strings{"a started", "b started", "c started", "c stopped",
                               "b stopped", "a stopped"}));
  EXPECT_EQ(events_of("b").back().reason, "kill");
  EXPECT_TRUE(ended->ended);
}

TEST_F(supervisor_test, a_killed_supervisor_takes_its_children_along) {
  auto h = start({spec("a"), spec("b")});
  auto a_ended = watch(which(h.supervisor, "a"));
  auto b_ended = watch(which(h.supervisor, "b"));
  caf::anon_send_exit(h.supervisor, caf::exit_reason::kill);
  run();
  EXPECT_TRUE(a_ended->ended);
  EXPECT_TRUE(b_ended->ended);
  // Its stable handles end too; a request to one is not left hanging.
  auto late = request<uint64_t>(h.children.at("a"), ping_atom::value);
  run();
  EXPECT_TRUE(late->answered);
  EXPECT_TRUE(late->error);
}

TEST_F(supervisor_test, it_supervises_when_nobody_holds_its_handle) {
  auto h = spawn_supervisor(sys, cfg_, {spec("a")});
  ASSERT_TRUE(h);
  auto id = h->supervisor.id();
  auto child = which(h->supervisor, "a");
  h = caf::expected<supervisor_handles>{supervisor_handles{}};  // drop every handle
  run();
  caf::anon_send(child, crash_atom::value);
  child = nullptr;
  run();
  EXPECT_EQ(events(), (strings{"a started", "a exited", "a restarted"}));
  // The application root ends by an exit message.
  auto sup = caf::actor_cast<caf::actor>(sys.registry().get(id));
  ASSERT_TRUE(sup);
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  sup = nullptr;
  run();
  EXPECT_EQ(events().back(), "a stopped");
  EXPECT_FALSE(sys.registry().get(id));
}

// -- queries and events -----------------------------------------------------

TEST_F(supervisor_test, an_unknown_child_is_an_error_naming_it) {
  auto h = start({spec("a")});
  auto w = request<caf::actor>(h.supervisor, supervisor_which{"resolvr"});
  auto s = request<caf::actor>(h.supervisor, supervisor_stable_handle{"resolvr"});
  run();
  EXPECT_EQ(sys.render(w->error),
            "supervisor: unknown_child: supervisor netnode has no child named \"resolvr\"");
  EXPECT_EQ(s->error, w->error);
  auto ok = request<caf::actor>(h.supervisor, supervisor_stable_handle{"a"});
  run();
  ASSERT_TRUE(ok->value);
  EXPECT_EQ(*ok->value, h.children.at("a"));
}

TEST_F(supervisor_test, the_observer_gets_every_event_as_documented_json) {
  auto h = start({spec("resolver")});
  caf::anon_send(h.children.at("resolver"), crash_atom::value);
  run();
  caf::anon_send_exit(h.supervisor, caf::exit_reason::user_shutdown);
  run();
  ASSERT_EQ(events(), (strings{"resolver started", "resolver exited", "resolver restarted",
                               "resolver stopped"}));
  std::vector<nlohmann::json> seen;
  for (auto& m : log->messages) {
    auto j = message_to_json(m.msg);
    ASSERT_TRUE(j);
    seen.push_back(*j);
  }
  auto expect = [](const char* event, std::string reason, int restarts) {
    return nlohmann::json{{"type", "supervisor_event"},
                          {"data",
                           {{"supervisor", "netnode"},
                            {"child", "resolver"},
                            {"event", event},
                            {"reason", reason},
                            {"restarts", restarts}}}};
  };
  EXPECT_EQ(seen, (std::vector<nlohmann::json>{
                      expect("started", "", 0), expect("exited", crash_reason, 0),
                      expect("restarted", "", 1), expect("stopped", "user_shutdown", 1)}));
}

TEST_F(supervisor_test, stats_are_a_json_message_listing_every_child) {
  auto h = start({spec("a", restart_type::transient), spec("b", restart_type::temporary)});
  auto j = message_to_json(caf::make_message(stats(h.supervisor)));
  ASSERT_TRUE(j);
  EXPECT_EQ(*j, nlohmann::json::parse(R"({"type":"supervisor_stats","data":{
      "supervisor":"netnode","children":[
      {"name":"a","restart":"transient","state":"running","restarts":0},
      {"name":"b","restart":"temporary","state":"running","restarts":0}]}})"));
}

// -- on a real runtime ------------------------------------------------------

using where_atom = caf::atom_constant<caf::atom("where")>;

// A loop-affine child: where -> (its id, whether it ran on its loop thread).
caf::behavior loop_worker(caf::event_based_actor* self, net::loop* l) {
  return {
    [self, l](where_atom) { return caf::make_message(self->id(), l->on_loop_thread()); },
    [self](crash_atom) {
      self->quit(make_caf_error(net_error::of(UV_ECONNRESET, "test crash")));
    },
  };
}

TEST(supervisor_on_a_runtime, restarts_a_loop_affine_child_on_its_loop_and_stops_all) {
  constexpr auto guard = 60s;  // only against a hang; every wait ends on an event
  caf::actor_system_config cfg;
  add_message_types(cfg);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  runtime rt{cfg, 1};
  {
    caf::scoped_actor self{rt.system()};
    caf::scoped_actor events{rt.system()};
    auto next_event = [&] {
      std::string out = "none";
      events->receive([&](supervisor_event& e) { out = e.child + " " + e.event; },
                      caf::after(guard) >> [] {});
      return out;
    };
    child_spec on_loop;
    on_loop.name = "resolver";
    on_loop.start = [&rt](caf::local_actor*) {
      auto& ctx = rt.loop_at(0);
      return ctx.spawn(loop_worker, &ctx.loop());
    };
    supervisor_config sc;
    sc.name = "netnode";
    sc.observer = caf::actor_cast<caf::actor>(events);
    auto h = spawn_supervisor(rt.system(), sc, {spec("plain"), on_loop});
    ASSERT_TRUE(h);
    EXPECT_EQ(next_event(), "plain started");
    EXPECT_EQ(next_event(), "resolver started");
    auto where = [&](const caf::actor& dest) {
      std::pair<uint64_t, bool> out{0, false};
      self->request(dest, guard, where_atom::value)
          .receive([&](uint64_t id, bool on_loop) { out = {id, on_loop}; },
                   [&](caf::error& e) { ADD_FAILURE() << rt.system().render(e); });
      return out;
    };
    auto stable = h->children.at("resolver");
    auto first = where(stable);
    EXPECT_TRUE(first.second);
    caf::anon_send(stable, crash_atom::value);
    EXPECT_EQ(next_event(), "resolver exited");
    EXPECT_EQ(next_event(), "resolver restarted");
    auto second = where(stable);
    EXPECT_NE(second.first, first.first);
    EXPECT_TRUE(second.second);
    caf::actor current;
    self->request(h->supervisor, guard, supervisor_which{"resolver"})
        .receive([&](caf::actor& a) { current = a; },
                 [&](caf::error& e) { ADD_FAILURE() << rt.system().render(e); });
    EXPECT_EQ(current.id(), second.first);
    self->monitor(h->supervisor);
    self->send_exit(h->supervisor, caf::exit_reason::user_shutdown);
    EXPECT_EQ(next_event(), "resolver stopped");
    EXPECT_EQ(next_event(), "plain stopped");
    bool down = false;
    self->receive([&](caf::down_msg& dm) { down = dm.reason == caf::exit_reason::user_shutdown; },
                  caf::after(guard) >> [] {});
    EXPECT_TRUE(down);
  }
  // ~runtime waits for every actor: nothing of the supervisor is left.
}

}  // namespace
}  // namespace netactors
