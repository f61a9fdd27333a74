// The dns_connect actor's logic under CAF's deterministic scheduler: a fake
// resolver actor that answers when the test says so, fake sockets
// (connect_io) whose outcomes the test injects, and the test clock for the
// attempt delay and the timeout. Checks the requests it makes, the schedule
// it keeps, what it cancels and hands over, and the reports and errors; that
// it ends after every answer (refusals too), when nobody can reach it or
// when its spawner ends; and that its io event is sealed.
#include "actors/dns/dns_connect.hpp"

#include <caf/all.hpp>

#include <gtest/gtest.h>

#include <uv.h>

#include <map>
#include <memory>
#include <string>
#include <typeindex>
#include <utility>
#include <vector>

#include "actors/messages/messages.hpp"
#include "tests/actors/actor_test_fixture.hpp"

namespace netactors {
namespace {

using namespace std::chrono_literals;
using testing::reply_log;

using answer_atom = caf::atom_constant<caf::atom("answer")>;
using fail_atom = caf::atom_constant<caf::atom("fail")>;

// The lookups the fake resolver got, by family ("ipv6", "ipv4").
struct resolver_log {
  std::vector<dns_lookup> lookups;
};

struct fake_resolver_state {
  std::shared_ptr<resolver_log> log;
  std::map<std::string, caf::response_promise> waiting;
  static inline const char* name = "fake_resolver";
};

caf::behavior fake_resolver(caf::stateful_actor<fake_resolver_state>* self,
                            std::shared_ptr<resolver_log> log) {
  self->state.log = std::move(log);
  return {
      [self](dns_lookup& q) {
        self->state.log->lookups.push_back(q);
        self->state.waiting[q.family] = self->make_response_promise();
      },
      [self](answer_atom, const std::string& family, dns_addresses& a) {
        self->state.waiting[family].deliver(std::move(a));
      },
      [self](fail_atom, const std::string& family, const net_error& e) {
        self->state.waiting[family].deliver(make_caf_error(e));
      },
  };
}

class fake_connect_io final : public connect_io {
 public:
  void attach(caf::weak_actor_ptr s) override { self = std::move(s); }

  net_error start(uint32_t attempt, const net::endpoint& peer) override {
    starts.push_back(std::to_string(attempt) + " " + peer.to_string());
    auto it = refuse.find(peer.to_string());
    return it != refuse.end() ? it->second : net_error{};
  }

  void cancel(uint32_t attempt) override { cancels.push_back(attempt); }

  adopted adopt(uint32_t attempt, caf::actor owner,
                const tcp_connection_options&) override {
    adoptions.push_back(attempt);
    new_owner = std::move(owner);
    return {connection, 4000 + attempt};
  }

  void close() override { ++closed; }

  // As the real io does: the actor sends the event to itself.
  void deliver(dns_io_attempt_done ev) {
    if (auto hdl = caf::actor_cast<caf::actor>(self.lock()))
      caf::send_as(hdl, hdl, std::move(ev));
  }

  caf::weak_actor_ptr self;
  std::map<std::string, net_error> refuse;  // start() fails at once for these
  tcp_connection_actor connection;          // what adopt() hands back
  std::vector<std::string> starts;          // "attempt peer"
  std::vector<uint32_t> cancels;
  std::vector<uint32_t> adoptions;
  caf::actor new_owner;
  int closed = 0;
};

caf::behavior idle(caf::event_based_actor*, int) {
  return {[](const std::string&) {}};
}

dns_addresses addresses(std::initializer_list<const char*> eps) {
  dns_addresses out;
  for (auto* e : eps) {
    auto ep = *net::endpoint::parse(e);
    out.addresses.push_back(dns_address{
        ep, ep.family() == net::ip_family::v6 ? "ipv6" : "ipv4", "stream", 6});
  }
  return out;
}

// "address result started+ms" per attempt of a report.
std::vector<std::string> attempts_of(const dns_connect_report& r) {
  std::vector<std::string> out;
  for (auto& a : r.attempts)
    out.push_back(a.address.to_string() + " " + a.result + " " +
                  std::to_string(a.started_ms) + "+" + std::to_string(a.ms));
  return out;
}

const dns_connect_report& report_of(const reply_log& out) {
  return out.get<dns_connect_report, 1>();
}

struct report_box {
  std::vector<dns_connect_report> reports;
};

caf::behavior report_sink(caf::event_based_actor*,
                          std::shared_ptr<report_box> box) {
  return {
      [box](dns_connect_report& r) { box->reports.push_back(std::move(r)); }};
}

class dns_connect_behavior : public testing::actor_test {
 protected:
  dns_connect_behavior()
      : log(std::make_shared<resolver_log>()),
        io(std::make_shared<fake_connect_io>()),
        box(std::make_shared<report_box>()) {
    res = spawn(fake_resolver, log);
    // Stands in for a connection actor (never sent anything here).
    io->connection = caf::actor_cast<tcp_connection_actor>(spawn(idle, 0));
    sink = spawn(report_sink, box);
    // The fake resolver answers the resolver's protocol, untyped.
    dc = spawn(dns_connect, std::shared_ptr<connect_io>{io},
               caf::actor_cast<resolver_actor>(res), sink,
               tcp_connection_options{}, caf::actor{});
  }

  // Sends the request (from a fresh requester) and runs.
  std::shared_ptr<reply_log> connect(dns_connect_to req) {
    auto out =
        ask<tcp_connection_actor, dns_connect_report>(dc, std::move(req), &requester);
    run();
    return out;
  }

  void answer(const char* family, dns_addresses a) {
    caf::anon_send(res, answer_atom::value, std::string{family}, std::move(a));
    run();
  }

  void fail(const char* family, int code) {
    caf::anon_send(res, fail_atom::value, std::string{family},
                   net_error::of(code, std::string{"getaddrinfo "} + family));
    run();
  }

  void outcome(uint32_t attempt, net_error status) {
    io->deliver(dns_io_attempt_done{attempt, std::move(status)});
    run();
  }

  std::shared_ptr<resolver_log> log;
  std::shared_ptr<fake_connect_io> io;
  std::shared_ptr<report_box> box;
  caf::actor res;
  caf::actor sink;
  caf::actor dc;
  caf::actor requester;
};

TEST_F(dns_connect_behavior, asks_for_aaaa_and_a_records_in_parallel) {
  connect(dns_connect_to{"dual.test", 8080, 250, 50, 3000, true});
  ASSERT_EQ(log->lookups.size(), 2u);
  EXPECT_EQ(log->lookups[0].family, "ipv6");
  EXPECT_EQ(log->lookups[1].family, "ipv4");
  for (auto& q : log->lookups) {
    EXPECT_EQ(q.host, "dual.test");
    EXPECT_EQ(q.service, "8080");
    EXPECT_EQ(q.socktype, "stream");
    EXPECT_TRUE(q.numeric_service);
    EXPECT_EQ(q.timeout_ms, 3000u);
  }
  EXPECT_TRUE(io->starts.empty());
}

TEST_F(dns_connect_behavior,
       a_silent_first_address_lets_the_second_win_after_the_attempt_delay) {
  auto out = connect(dns_connect_to{"drop.test", 80});
  answer("ipv6", addresses({"[2001:db8::70]:80"}));
  answer("ipv4", addresses({"192.0.2.70:80"}));
  EXPECT_EQ(io->starts, std::vector<std::string>{"0 [2001:db8::70]:80"});
  advance(249ms);
  EXPECT_EQ(io->starts.size(), 1u);
  advance(1ms);
  EXPECT_EQ(io->starts, (std::vector<std::string>{"0 [2001:db8::70]:80",
                                                  "1 192.0.2.70:80"}));
  advance(3ms);
  outcome(1, {});
  ASSERT_TRUE(out->answered);
  ASSERT_FALSE(out->error) << sys.render(out->error);
  EXPECT_EQ(out->get<tcp_connection_actor>(), io->connection);
  auto& rep = report_of(*out);
  EXPECT_EQ(attempts_of(rep),
            (std::vector<std::string>{"[2001:db8::70]:80 cancelled 0+253",
                                      "192.0.2.70:80 connected 250+3"}));
  EXPECT_EQ(rep.connected, "192.0.2.70:80");
  EXPECT_EQ(rep.connection_id, 4001u);
  EXPECT_EQ(rep.ms, 253u);
  EXPECT_EQ(rep.host, "drop.test");
  EXPECT_EQ(rep.port, 80);
  EXPECT_FALSE(rep.error);
  // The loser's socket closed, the winner handed to the requester.
  EXPECT_EQ(io->cancels, std::vector<uint32_t>{0});
  EXPECT_EQ(io->adoptions, std::vector<uint32_t>{1});
  EXPECT_EQ(io->new_owner, requester);
  ASSERT_EQ(box->reports.size(), 1u);
  EXPECT_EQ(attempts_of(box->reports[0]), attempts_of(rep));
}

TEST_F(dns_connect_behavior, prefers_ipv6_when_it_connects_within_the_delay) {
  auto out = connect(dns_connect_to{"dual.test", 7});
  answer("ipv4", addresses({"192.0.2.30:7"}));
  answer("ipv6", addresses({"[2001:db8::30]:7"}));
  outcome(0, {});
  ASSERT_TRUE(out->answered);
  auto& rep = report_of(*out);
  EXPECT_EQ(rep.connected, "[2001:db8::30]:7");
  EXPECT_EQ(attempts_of(rep),
            std::vector<std::string>{"[2001:db8::30]:7 connected 0+0"});
  // The IPv4 address was known but never needed.
  ASSERT_EQ(rep.addresses.size(), 2u);
  EXPECT_EQ(rep.addresses[1].to_string(), "192.0.2.30:7");
  EXPECT_TRUE(io->cancels.empty());
}

TEST_F(dns_connect_behavior,
       waits_the_resolution_delay_for_aaaa_before_trying_ipv4) {
  auto out = connect(dns_connect_to{"dual.test", 7});
  answer("ipv4", addresses({"192.0.2.30:7"}));
  advance(49ms);
  EXPECT_TRUE(io->starts.empty());
  advance(1ms);
  EXPECT_EQ(io->starts, std::vector<std::string>{"0 192.0.2.30:7"});
  // AAAA arrives late and joins the race as the next attempt.
  answer("ipv6", addresses({"[2001:db8::30]:7"}));
  advance(250ms);
  EXPECT_EQ(io->starts,
            (std::vector<std::string>{"0 192.0.2.30:7", "1 [2001:db8::30]:7"}));
  outcome(1, {});
  ASSERT_TRUE(out->answered);
  EXPECT_EQ(report_of(*out).connected, "[2001:db8::30]:7");
}

TEST_F(dns_connect_behavior,
       every_address_refusing_is_one_error_listing_every_attempt) {
  auto out = connect(dns_connect_to{"dual.test", 9});
  answer("ipv6", addresses({"[2001:db8::30]:9"}));
  answer("ipv4", addresses({"192.0.2.30:9"}));
  outcome(0, net_error::of(UV_ECONNREFUSED, "connect [2001:db8::30]:9"));
  // The failure started the next attempt at once, without the delay.
  EXPECT_EQ(io->starts.size(), 2u);
  advance(2ms);
  outcome(1, net_error::of(UV_ECONNREFUSED, "connect 192.0.2.30:9"));
  ASSERT_TRUE(out->answered);
  ASSERT_TRUE(out->error);
  auto err = to_net_error(out->error);
  EXPECT_EQ(err.name, "ECONNREFUSED");
  EXPECT_EQ(err.context,
            "connect dual.test:9: every attempt failed: [2001:db8::30]:9 "
            "ECONNREFUSED (0 ms), "
            "192.0.2.30:9 ECONNREFUSED (2 ms)");
  ASSERT_EQ(box->reports.size(), 1u);
  auto& rep = box->reports[0];
  EXPECT_EQ(attempts_of(rep),
            (std::vector<std::string>{"[2001:db8::30]:9 ECONNREFUSED 0+0",
                                      "192.0.2.30:9 ECONNREFUSED 0+2"}));
  EXPECT_EQ(rep.connected, "");
  EXPECT_EQ(rep.error.name, "ECONNREFUSED");
  EXPECT_TRUE(io->adoptions.empty());
  EXPECT_TRUE(io->cancels.empty());
}

TEST_F(dns_connect_behavior,
       a_socket_that_fails_at_once_moves_on_to_the_next_address) {
  io->refuse["[2001:db8::1]:80"] =
      net_error::of(UV_ENETUNREACH, "connect [2001:db8::1]:80");
  auto out = connect(dns_connect_to{"dual.test", 80});
  answer("ipv6", addresses({"[2001:db8::1]:80"}));
  answer("ipv4", addresses({"192.0.2.1:80"}));
  EXPECT_EQ(io->starts,
            (std::vector<std::string>{"0 [2001:db8::1]:80", "1 192.0.2.1:80"}));
  outcome(1, {});
  ASSERT_TRUE(out->answered);
  EXPECT_EQ(attempts_of(report_of(*out)),
            (std::vector<std::string>{"[2001:db8::1]:80 ENETUNREACH 0+0",
                                      "192.0.2.1:80 connected 0+0"}));
}

TEST_F(dns_connect_behavior, a_name_that_does_not_resolve_is_the_resolvers_error) {
  auto out = connect(dns_connect_to{"nx.test", 80});
  fail("ipv6", UV_EAI_NONAME);
  fail("ipv4", UV_EAI_NONAME);
  ASSERT_TRUE(out->answered);
  auto err = to_net_error(out->error);
  EXPECT_EQ(err.name, "EAI_NONAME");
  EXPECT_EQ(err.context, "resolve nx.test: ipv6 EAI_NONAME, ipv4 EAI_NONAME");
  EXPECT_TRUE(io->starts.empty());
  ASSERT_EQ(box->reports.size(), 1u);
  EXPECT_TRUE(box->reports[0].addresses.empty());
  EXPECT_EQ(box->reports[0].error.name, "EAI_NONAME");
}

TEST_F(dns_connect_behavior, the_overall_timeout_ends_the_race_with_etimedout) {
  auto out = connect(dns_connect_to{"drop.test", 80, 250, 50, 400});
  answer("ipv6", addresses({"[2001:db8::70]:80"}));
  answer("ipv4", addresses({"192.0.2.70:80"}));
  advance(250ms);
  EXPECT_EQ(io->starts.size(), 2u);
  advance(149ms);
  EXPECT_FALSE(out->answered);
  advance(1ms);
  ASSERT_TRUE(out->answered);
  auto err = to_net_error(out->error);
  EXPECT_EQ(err.name, "ETIMEDOUT");
  EXPECT_EQ(err.context,
            "connect drop.test:80: no connection within 400 ms: "
            "[2001:db8::70]:80 ETIMEDOUT "
            "(400 ms), 192.0.2.70:80 ETIMEDOUT (150 ms)");
  EXPECT_EQ(io->cancels, (std::vector<uint32_t>{0, 1}));
}

TEST_F(dns_connect_behavior, the_timeout_also_bounds_resolution) {
  auto out = connect(dns_connect_to{"slow.test", 80, 250, 50, 300});
  advance(300ms);
  ASSERT_TRUE(out->answered);
  auto err = to_net_error(out->error);
  EXPECT_EQ(err.name, "ETIMEDOUT");
  EXPECT_EQ(err.context, "resolve slow.test: no answer within 300 ms");
}

TEST_F(dns_connect_behavior, a_requester_that_ends_closes_every_socket) {
  connect(dns_connect_to{"drop.test", 80});
  answer("ipv6", addresses({"[2001:db8::70]:80"}));
  answer("ipv4", addresses({"192.0.2.70:80"}));
  advance(250ms);
  EXPECT_EQ(io->closed, 0);
  caf::anon_send_exit(requester, caf::exit_reason::kill);
  run();
  EXPECT_EQ(io->closed, 1);
  // A connect arriving now is for nobody: nothing is handed over.
  io->deliver(dns_io_attempt_done{1, {}});
  run();
  EXPECT_TRUE(io->adoptions.empty());
}

TEST_F(dns_connect_behavior, a_dns_connect_that_is_killed_tells_the_requester) {
  auto out = connect(dns_connect_to{"drop.test", 80});
  answer("ipv6", addresses({"[2001:db8::70]:80"}));
  caf::anon_send_exit(dc, caf::exit_reason::kill);
  run();
  ASSERT_TRUE(out->answered);
  EXPECT_EQ(error_name(out->error), "ECANCELED");
  EXPECT_EQ(io->closed, 1);
}

TEST_F(dns_connect_behavior, refuses_an_empty_host_and_ends) {
  auto ended = watch(dc);
  // getaddrinfo would answer an empty host with the loopback addresses.
  auto out = connect(dns_connect_to{"", 80});
  ASSERT_TRUE(out->answered);
  EXPECT_EQ(error_name(out->error), "EINVAL");
  EXPECT_TRUE(log->lookups.empty());
  ASSERT_EQ(box->reports.size(), 1u);
  EXPECT_EQ(box->reports[0].error.name, "EINVAL");
  EXPECT_TRUE(box->reports[0].addresses.empty());
  EXPECT_TRUE(ended->ended);
  EXPECT_EQ(io->closed, 1);
}

TEST_F(dns_connect_behavior, refuses_an_anonymous_request_and_ends) {
  auto ended = watch(dc);
  caf::anon_send(dc, dns_connect_to{"dual.test", 80});
  run();
  EXPECT_TRUE(log->lookups.empty());
  EXPECT_TRUE(ended->ended);
}

// Sends the io event as someone other than the actor itself.
caf::behavior forger(caf::event_based_actor* self, caf::actor dc) {
  self->send(dc, dns_io_attempt_done{1, {}});
  return {[](const std::string&) {}};
}

TEST_F(dns_connect_behavior, ignores_attempt_events_that_do_not_come_from_its_io) {
  auto out = connect(dns_connect_to{"drop.test", 80});
  answer("ipv6", addresses({"[2001:db8::70]:80"}));
  answer("ipv4", addresses({"192.0.2.70:80"}));
  advance(250ms);
  ASSERT_EQ(io->starts.size(), 2u);
  // Forged "attempt 1 connected": without the seal it would hand over a
  // socket that never connected.
  caf::anon_send(dc, dns_io_attempt_done{1, {}});
  spawn(forger, dc);
  run();
  EXPECT_FALSE(out->answered);
  EXPECT_TRUE(io->adoptions.empty());
  // Still healthy: the real outcome gets through.
  outcome(1, {});
  ASSERT_TRUE(out->answered);
  EXPECT_EQ(io->adoptions, std::vector<uint32_t>{1});
}

TEST(dns_connect_io_event, has_no_json_form_and_is_not_registered) {
  auto msg = message_from_json(nlohmann::json{
      {"type", "dns_io_attempt_done"}, {"data", nlohmann::json::object()}});
  ASSERT_FALSE(msg);
  EXPECT_EQ(msg.error(), caf::sec::invalid_argument);
  caf::actor_system_config cfg;
  add_message_types(cfg);
  EXPECT_EQ(cfg.type_names_by_rtti.count(typeid(dns_io_attempt_done)), 0u);
}

// When a dns_connect ends without answering anybody.
class dns_connect_lifetime : public testing::actor_test {
 protected:
  std::shared_ptr<fake_connect_io> io = std::make_shared<fake_connect_io>();
};

TEST_F(dns_connect_lifetime, one_nobody_can_reach_ends_and_closes_its_io) {
  auto out = std::make_shared<testing::watch_outcome>();
  {
    auto dc = sys.spawn(dns_connect, std::shared_ptr<connect_io>{io},
                        resolver_actor{}, caf::actor{}, tcp_connection_options{},
                        caf::actor{});
    spawn(testing::watcher, out, dc.address());
    run();
  }
  run();
  EXPECT_TRUE(out->ended);
  EXPECT_EQ(io->closed, 1);
}

TEST_F(dns_connect_lifetime, one_ends_with_its_spawner) {
  auto spawner = spawn(idle, 0);
  auto dc = spawn(dns_connect, std::shared_ptr<connect_io>{io},
                  resolver_actor{}, caf::actor{}, tcp_connection_options{},
                  spawner);
  auto watched = watch(dc);
  run();
  EXPECT_FALSE(watched->ended);
  caf::anon_send_exit(spawner, caf::exit_reason::user_shutdown);
  run();
  EXPECT_TRUE(watched->ended);
  EXPECT_EQ(io->closed, 1);
}

TEST_F(dns_connect_behavior, connects_once) {
  auto first = connect(dns_connect_to{"dual.test", 80});
  auto again =
      ask<tcp_connection_actor, dns_connect_report>(dc, dns_connect_to{"dual.test", 80});
  run();
  ASSERT_TRUE(again->answered);
  EXPECT_EQ(error_name(again->error), "EALREADY");
  // The first request's race goes on.
  answer("ipv6", addresses({"[2001:db8::30]:80"}));
  outcome(0, {});
  ASSERT_TRUE(first->answered);
  EXPECT_FALSE(first->error);
}

}  // namespace
}  // namespace netactors
