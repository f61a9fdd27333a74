// The interface actor's logic under CAF's deterministic scheduler, with a fake
// port standing in for net/ (as fake_tcp_io does for connections): queries,
// subscriptions, fan-out of changes, stale watches, a watch that breaks,
// subscribers that leave or die, and the port's sealed io events (the test
// plays the port by sending them as the actor itself; forged ones from
// anyone else are ignored).
#include "actors/interfaces/interfaces.hpp"

#include <caf/all.hpp>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <uv.h>

#include <memory>
#include <vector>

#include "actors/messages/messages.hpp"
#include "tests/actors/actor_test_fixture.hpp"

namespace netactors {
namespace {

using sub_atom = caf::atom_constant<caf::atom("sub")>;
using unsub_atom = caf::atom_constant<caf::atom("unsub")>;

class fake_port final : public interface_io {
 public:
  snapshot_result next_snapshot;
  net_error next_watch_error;
  std::vector<interface_info> baseline;
  int snapshots = 0;
  std::vector<uint64_t> started;
  std::vector<uint64_t> stopped;

  snapshot_result snapshot() override {
    ++snapshots;
    return next_snapshot;
  }

  watch_result start_watch(caf::weak_actor_ptr) override {
    if (next_watch_error) return {next_watch_error, 0, {}};
    auto id = 100 + started.size();
    started.push_back(id);
    return {{}, id, baseline};
  }

  void stop_watch(uint64_t id) override { stopped.push_back(id); }
};

interface_info named(const char* name, uint32_t index) {
  interface_info i;
  i.name = name;
  i.index = index;
  i.mac = "02:00:00:00:00:0a";
  i.up = i.running = true;
  return i;
}

interface_event address_added(const interface_info& on, const char* address) {
  interface_event e;
  e.kind = interface_event_kind::address_added;
  e.interface = on;
  e.address = interface_address{"ipv4", address, "255.255.255.0", 24, 0};
  return e;
}

// What one subscriber saw.
struct subscriber_log {
  std::vector<interface_report> replies;
  std::vector<caf::error> errors;
  std::vector<interfaces_changed> changes;
  std::vector<interfaces_watch_failed> failures;
  std::vector<caf::actor_addr> senders;
  int unsubscribed = 0;
};

caf::behavior subscriber(caf::event_based_actor* self,
                         std::shared_ptr<subscriber_log> log, caf::actor target) {
  auto subscribe = [self, log, target] {
    self->request(target, caf::infinite, interfaces_subscribe{})
        .then([log](interface_report& r) { log->replies.push_back(std::move(r)); },
              [log](caf::error& e) { log->errors.push_back(std::move(e)); });
  };
  subscribe();
  return {
    [self, log](interfaces_changed& ev) {
      log->changes.push_back(std::move(ev));
      log->senders.push_back(caf::actor_cast<caf::actor_addr>(self->current_sender()));
    },
    [log](interfaces_watch_failed& f) { log->failures.push_back(std::move(f)); },
    [subscribe](sub_atom) { subscribe(); },
    [self, log, target](unsub_atom) {
      self->request(target, caf::infinite, interfaces_unsubscribe{})
          .then([log]() { ++log->unsubscribed; });
    },
  };
}

class interfaces_actor_test : public testing::actor_test {
 protected:
  interfaces_actor_test() {
    port->next_snapshot.interfaces = {named("lo", 1), named("va", 10)};
    port->baseline = {named("lo", 1), named("va", 10)};
    actor = spawn(interfaces, std::shared_ptr<interface_io>(port));
    run();
  }

  std::shared_ptr<subscriber_log> subscribe() {
    auto log = std::make_shared<subscriber_log>();
    subscribers.push_back(spawn(subscriber, log, actor));
    run();
    return log;
  }

  void update(uint64_t watch_id, std::vector<interface_event> events,
              std::vector<interface_info> now) {
    caf::send_as(actor, actor,
                 interface_watch_update{watch_id, std::move(events), std::move(now)});
    run();
  }

  // What the port sends when watch `watch_id` fails (`ended`: for good).
  void watch_error(uint64_t watch_id, int code, bool ended) {
    caf::send_as(actor, actor,
                 interface_watch_error{watch_id, net_error::of(code, "netlink socket"), ended});
    run();
  }

  std::shared_ptr<fake_port> port = std::make_shared<fake_port>();
  caf::actor actor;
  std::vector<caf::actor> subscribers;
};

TEST_F(interfaces_actor_test, a_query_without_subscribers_reads_a_fresh_snapshot_each_time) {
  auto first = request<interface_report>(actor, interfaces_query{});
  run();
  ASSERT_TRUE(first->value);
  EXPECT_EQ(first->value->interfaces.size(), 2u);
  EXPECT_EQ(first->value->interfaces[1].name, "va");
  port->next_snapshot.interfaces.push_back(named("vb", 11));
  auto second = request<interface_report>(actor, interfaces_query{});
  run();
  ASSERT_TRUE(second->value);
  EXPECT_EQ(second->value->interfaces.size(), 3u);
  EXPECT_EQ(port->snapshots, 2);
  EXPECT_TRUE(port->started.empty());
}

TEST_F(interfaces_actor_test, a_failed_snapshot_is_an_error_with_its_libuv_name) {
  port->next_snapshot.error = net_error::of(UV_ENOBUFS, "if_nameindex");
  auto r = request<interface_report>(actor, interfaces_query{});
  run();
  ASSERT_TRUE(r->answered);
  EXPECT_FALSE(r->value);
  EXPECT_EQ(error_name(r->error), "ENOBUFS");
  EXPECT_EQ(to_net_error(r->error).context, "if_nameindex");
}

TEST_F(interfaces_actor_test, the_first_subscriber_starts_the_watch_and_gets_its_baseline) {
  port->baseline = {named("lo", 1), named("va", 10), named("vb", 11)};
  auto log = subscribe();
  ASSERT_EQ(log->replies.size(), 1u);
  EXPECT_EQ(log->replies[0].interfaces.size(), 3u);
  EXPECT_EQ(port->started, std::vector<uint64_t>{100});
  EXPECT_EQ(port->snapshots, 0);  // the baseline is the watch's
}

TEST_F(interfaces_actor_test, later_subscribers_share_the_watch_and_its_current_state) {
  auto a = subscribe();
  update(100, {address_added(named("va", 10), "192.0.2.11")}, {named("va", 10)});
  auto b = subscribe();
  EXPECT_EQ(port->started, std::vector<uint64_t>{100});
  ASSERT_EQ(b->replies.size(), 1u);
  ASSERT_EQ(b->replies[0].interfaces.size(), 1u);  // the state after the update
  EXPECT_EQ(b->changes.size(), 0u);                // nothing from before it joined
  EXPECT_EQ(a->changes.size(), 1u);
}

TEST_F(interfaces_actor_test, updates_reach_every_subscriber_in_order_from_the_interface_actor) {
  auto a = subscribe();
  auto b = subscribe();
  auto va = named("va", 10);
  update(100, {address_added(va, "192.0.2.11"), address_added(va, "192.0.2.12")}, {va});
  update(100, {address_added(va, "192.0.2.13")}, {va, named("vb", 11)});
  for (auto& log : {a, b}) {
    ASSERT_EQ(log->changes.size(), 2u);
    ASSERT_EQ(log->changes[0].events.size(), 2u);
    EXPECT_EQ(log->changes[0].events[0].address.address, "192.0.2.11");
    EXPECT_EQ(log->changes[0].events[1].address.address, "192.0.2.12");
    EXPECT_EQ(log->changes[1].events[0].address.address, "192.0.2.13");
    EXPECT_EQ(log->changes[1].interfaces.size(), 2u);
    for (auto& s : log->senders) EXPECT_EQ(s, actor.address());
  }
}

TEST_F(interfaces_actor_test, a_query_while_watching_answers_with_the_state_the_events_apply_to) {
  auto log = subscribe();
  update(100, {address_added(named("va", 10), "192.0.2.11")}, {named("va", 10)});
  // The port would say something else; the subscribers were not told yet.
  port->next_snapshot.interfaces = {named("other", 3)};
  auto r = request<interface_report>(actor, interfaces_query{});
  run();
  ASSERT_TRUE(r->value);
  ASSERT_EQ(r->value->interfaces.size(), 1u);
  EXPECT_EQ(r->value->interfaces[0].name, "va");
  EXPECT_EQ(port->snapshots, 0);
}

TEST_F(interfaces_actor_test, an_update_without_events_changes_the_state_silently) {
  auto log = subscribe();
  update(100, {}, {named("va", 10)});
  EXPECT_TRUE(log->changes.empty());
  auto r = request<interface_report>(actor, interfaces_query{});
  run();
  ASSERT_TRUE(r->value);
  EXPECT_EQ(r->value->interfaces.size(), 1u);
}

TEST_F(interfaces_actor_test, unsubscribing_the_last_subscriber_stops_the_watch) {
  auto a = subscribe();
  auto b = subscribe();
  caf::anon_send(subscribers[0], unsub_atom::value);
  run();
  EXPECT_EQ(a->unsubscribed, 1);
  EXPECT_TRUE(port->stopped.empty());
  update(100, {address_added(named("va", 10), "192.0.2.11")}, {named("va", 10)});
  EXPECT_EQ(a->changes.size(), 0u);
  EXPECT_EQ(b->changes.size(), 1u);
  caf::anon_send(subscribers[1], unsub_atom::value);
  run();
  EXPECT_EQ(port->stopped, std::vector<uint64_t>{100});
  // Not watching any more: queries read fresh snapshots again.
  auto r = request<interface_report>(actor, interfaces_query{});
  run();
  EXPECT_EQ(port->snapshots, 1);
}

TEST_F(interfaces_actor_test, a_subscriber_that_ends_is_dropped_and_the_last_one_stops_the_watch) {
  auto a = subscribe();
  auto b = subscribe();
  caf::anon_send_exit(subscribers[0], caf::exit_reason::kill);
  run();
  EXPECT_TRUE(port->stopped.empty());
  update(100, {address_added(named("va", 10), "192.0.2.11")}, {named("va", 10)});
  EXPECT_EQ(b->changes.size(), 1u);
  EXPECT_EQ(a->changes.size(), 0u);
  caf::anon_send_exit(subscribers[1], caf::exit_reason::user_shutdown);
  run();
  EXPECT_EQ(port->stopped, std::vector<uint64_t>{100});
}

TEST_F(interfaces_actor_test, updates_from_a_stopped_watch_are_ignored) {
  auto a = subscribe();
  caf::anon_send(subscribers[0], unsub_atom::value);
  run();
  caf::anon_send(subscribers[0], sub_atom::value);  // a new watch: id 101
  run();
  EXPECT_EQ(port->started, (std::vector<uint64_t>{100, 101}));
  update(100, {address_added(named("va", 10), "192.0.2.99")}, {named("stale", 9)});
  watch_error(100, UV_EMFILE, false);
  EXPECT_TRUE(a->changes.empty());
  EXPECT_TRUE(a->failures.empty());
  update(101, {address_added(named("va", 10), "192.0.2.11")}, {named("va", 10)});
  ASSERT_EQ(a->changes.size(), 1u);
  EXPECT_EQ(a->changes[0].events[0].address.address, "192.0.2.11");
}

TEST_F(interfaces_actor_test, subscribing_twice_delivers_each_change_once) {
  auto a = subscribe();
  caf::anon_send(subscribers[0], sub_atom::value);
  run();
  EXPECT_EQ(a->replies.size(), 2u);
  update(100, {address_added(named("va", 10), "192.0.2.11")}, {named("va", 10)});
  EXPECT_EQ(a->changes.size(), 1u);
  caf::anon_send(subscribers[0], unsub_atom::value);  // one unsubscribe is enough
  run();
  EXPECT_EQ(port->stopped, std::vector<uint64_t>{100});
}

TEST_F(interfaces_actor_test, watch_errors_reach_subscribers_and_the_watch_goes_on) {
  auto a = subscribe();
  watch_error(100, UV_EMFILE, false);
  ASSERT_EQ(a->failures.size(), 1u);
  EXPECT_EQ(a->failures[0].reason.name, "EMFILE");
  update(100, {address_added(named("va", 10), "192.0.2.11")}, {named("va", 10)});
  EXPECT_EQ(a->changes.size(), 1u);
  EXPECT_TRUE(port->stopped.empty());
}

TEST_F(interfaces_actor_test, a_watch_that_ends_tells_every_subscriber_and_a_later_subscribe_starts_anew) {
  auto a = subscribe();
  auto b = subscribe();
  watch_error(100, UV_EBADF, true);
  for (auto& log : {a, b}) {
    ASSERT_EQ(log->failures.size(), 1u);
    EXPECT_TRUE(log->failures[0].ended);
    EXPECT_EQ(log->failures[0].reason.name, "EBADF");
  }
  EXPECT_TRUE(port->stopped.empty());  // it closed itself
  // Not stuck on the dead watch: a query reads afresh, a subscribe starts
  // watch 101, and only its subscriber hears of it.
  auto snapshots = port->snapshots;
  auto r = request<interface_report>(actor, interfaces_query{});
  run();
  EXPECT_TRUE(r->value);
  EXPECT_EQ(port->snapshots, snapshots + 1);
  update(100, {address_added(named("va", 10), "192.0.2.99")}, {named("va", 10)});
  caf::anon_send(subscribers[0], sub_atom::value);
  run();
  EXPECT_EQ(port->started, (std::vector<uint64_t>{100, 101}));
  EXPECT_EQ(a->replies.size(), 2u);
  update(101, {address_added(named("va", 10), "192.0.2.11")}, {named("va", 10)});
  ASSERT_EQ(a->changes.size(), 1u);
  EXPECT_EQ(a->changes[0].events[0].address.address, "192.0.2.11");
  EXPECT_TRUE(b->changes.empty());
}

// Sends the port's events to `target` from inside another actor.
caf::behavior forger(caf::event_based_actor* self, caf::actor target) {
  self->send(target, interface_watch_update{100, {address_added(named("va", 10), "6.6.6.6")},
                                            {named("forged", 66)}});
  self->send(target, interface_watch_error{100, net_error::of(UV_EBADF, "forged"), true});
  return {};
}

TEST_F(interfaces_actor_test, forged_watch_events_are_ignored_and_the_actor_keeps_working) {
  auto a = subscribe();
  caf::anon_send(actor, interface_watch_update{100, {address_added(named("va", 10), "6.6.6.6")},
                                               {named("forged", 66)}});
  caf::anon_send(actor, interface_watch_error{100, net_error::of(UV_EBADF, "forged"), true});
  run();
  spawn(forger, actor);
  run();
  EXPECT_TRUE(a->changes.empty());
  EXPECT_TRUE(a->failures.empty());
  // The state is untouched and the watch still serves its subscriber.
  auto report = request<interface_report>(actor, interfaces_query{});
  run();
  ASSERT_TRUE(report->value);
  EXPECT_EQ(report->value->interfaces.size(), 2u);
  EXPECT_EQ(report->value->interfaces[0].name, "lo");
  update(100, {address_added(named("va", 10), "192.0.2.11")}, {named("va", 10)});
  ASSERT_EQ(a->changes.size(), 1u);
  EXPECT_EQ(a->changes[0].events[0].address.address, "192.0.2.11");
}

TEST(interface_watch_events, have_no_json_form) {
  for (auto type : {"interface_watch_update", "interface_watch_error"}) {
    auto parsed = message_from_json(
        nlohmann::json{{"type", type}, {"data", {{"watch_id", 100}}}});
    EXPECT_FALSE(parsed) << type;
  }
}

TEST_F(interfaces_actor_test, a_watch_that_cannot_start_fails_the_subscription_and_keeps_nobody) {
  port->next_watch_error = net_error::of(UV_EMFILE, "netlink socket");
  auto a = subscribe();
  ASSERT_EQ(a->errors.size(), 1u);
  EXPECT_EQ(error_name(a->errors[0]), "EMFILE");
  EXPECT_TRUE(a->replies.empty());
  port->next_watch_error = {};
  auto b = subscribe();
  ASSERT_EQ(b->replies.size(), 1u);
  update(100, {address_added(named("va", 10), "192.0.2.11")}, {named("va", 10)});
  EXPECT_EQ(a->changes.size(), 0u);
  EXPECT_EQ(b->changes.size(), 1u);
}

TEST_F(interfaces_actor_test, a_subscription_without_a_sender_is_refused) {
  caf::anon_send(actor, interfaces_subscribe{});
  run();
  EXPECT_TRUE(port->started.empty());
}

TEST_F(interfaces_actor_test, ending_the_actor_stops_its_watch) {
  auto a = subscribe();
  auto watched = watch(actor);
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  run();
  EXPECT_TRUE(watched->ended);
  EXPECT_EQ(port->stopped, std::vector<uint64_t>{100});
}

// -- the event's JSON form ------------------------------------------------------

TEST(interface_event_json, names_the_kind_and_refuses_unknown_kinds) {
  interface_event e = address_added(named("va", 10), "192.0.2.11");
  nlohmann::json j = e;
  EXPECT_EQ(j["kind"], "address_added");
  EXPECT_EQ(j["address"]["prefix"], 24);
  auto back = j.get<interface_event>();
  EXPECT_EQ(back.kind, interface_event_kind::address_added);
  for (auto bad : {nlohmann::json("link_up"), nlohmann::json(3), nlohmann::json(nullptr)}) {
    j["kind"] = bad;
    EXPECT_THROW(j.get<interface_event>(), nlohmann::json::exception) << bad;
    auto parsed = message_from_json(nlohmann::json{
        {"type", "interfaces_changed"},
        {"data", {{"events", nlohmann::json::array({j})}, {"interfaces", nlohmann::json::array()}}}});
    EXPECT_FALSE(parsed) << bad;
  }
}

TEST(interface_event_json, a_name_that_is_not_utf8_is_escaped_and_comes_back_intact) {
  // Legal on Linux: ip link add $'\xff\xfe' type dummy.
  auto odd = named("\xff\xfe", 12);
  auto msg = caf::make_message(interfaces_changed{
      {address_added(odd, "192.0.2.12")}, {named("lo", 1), odd}});
  auto j = message_to_json(msg);
  ASSERT_TRUE(j);
  std::string text;
  ASSERT_NO_THROW(text = j->dump());
  EXPECT_EQ((*j)["data"]["interfaces"][1]["name"], "\\xff\\xfe");
  auto back = message_from_json_text(text);
  ASSERT_TRUE(back) << text;
  ASSERT_TRUE(back->match_elements<interfaces_changed>());
  auto& ev = back->get_as<interfaces_changed>(0);
  EXPECT_EQ(ev.interfaces[1].name, "\xff\xfe");
  EXPECT_EQ(ev.events[0].interface.name, "\xff\xfe");
}

TEST(interface_event_json, refuses_a_prefix_outside_0_to_255) {
  nlohmann::json a = interface_address{"ipv4", "192.0.2.1", "255.255.255.0", 24, 0};
  a["prefix"] = 256;
  EXPECT_THROW(a.get<interface_address>(), nlohmann::json::exception);
  a["prefix"] = -1;
  EXPECT_THROW(a.get<interface_address>(), nlohmann::json::exception);
}

}  // namespace
}  // namespace netactors
