// DNS-then-connect for real: dnsmasq in a network namespace of this test's
// own, the test process's resolver pointed at it (tests/resolver/dns_lab.hpp),
// real sockets and echo listeners on the namespace's own addresses. Names:
//   dual.test       2001:db8::30 + 192.0.2.30, both listening
//   drop.test       2001:db8::70 (SYNs silently dropped) + 192.0.2.70 listening
//   refuse.test     2001:db8::80 + 192.0.2.80, local but nobody listens
//   unreach.test    2001:db8::200 + 192.0.2.200, "unreachable" routes
//   blackhole.test  2001:db8::90 + 192.0.2.90, both silently dropped
//   v4.test         192.0.2.30 only;  nx.test does not exist
// First the dns_connect actor in this process, then apps/dns_connect as a
// child process (its path is the first argument). main() builds the lab
// before any thread starts and fails the run if it cannot (needs root).
#include <caf/all.hpp>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "actors/dns/dns_connect.hpp"
#include "actors/messages/messages.hpp"
#include "actors/messages/net_error.hpp"
#include "actors/dns/resolver.hpp"
#include "actors/core/runtime.hpp"
#include "tests/resolver/dns_lab.hpp"

namespace netactors {
namespace {

using namespace std::chrono_literals;
using dns_testing::echo_listener;
using nlohmann::json;

dns_testing::dns_lab* lab = nullptr;
std::string app_path;
constexpr uint16_t port = 7000;

struct listeners {
  echo_listener dual6{"2001:db8::30", port};
  echo_listener dual4{"192.0.2.30", port};
  echo_listener drop4{"192.0.2.70", port};
};
listeners* echo = nullptr;

// "address result" per attempt.
std::vector<std::string> results(const dns_connect_report& rep) {
  std::vector<std::string> out;
  for (auto& a : rep.attempts)
    out.push_back(a.address.to_string() + " " + a.result);
  return out;
}

class dns_connect_net : public ::testing::Test {
 protected:
  dns_connect_net() : rt(configure(cfg)), self(rt.system()) {
    resolver = spawn_resolver(rt);
  }

  ~dns_connect_net() override {
    caf::anon_send_exit(resolver, caf::exit_reason::user_shutdown);
  }

  static caf::actor_system_config& configure(caf::actor_system_config& c) {
    add_message_types(c);
    c.set("logger.console-verbosity", caf::atom("quiet"));
    c.set("logger.file-verbosity", caf::atom("quiet"));
    return c;
  }

  struct outcome {
    tcp_connection_actor connection;
    dns_connect_report report;  // from report_to: failures included
    net_error error;
    std::chrono::milliseconds elapsed{0};
  };

  // Connects as `self` (the owner of the connection), reporting to `self`.
  outcome connect(dns_connect_to req) {
    outcome out;
    auto dc = spawn_dns_connect(rt, {}, resolver, self);
    auto t0 = std::chrono::steady_clock::now();
    self->request(dc, 10s, std::move(req))
        .receive(
            [&](tcp_connection_actor& c, dns_connect_report&) {
              out.connection = c;
            },
            [&](caf::error& err) { out.error = to_net_error(err); });
    out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - t0);
    self->receive([&](dns_connect_report& rep) { out.report = std::move(rep); },
                  caf::after(5s) >> [] { ADD_FAILURE() << "no report"; });
    return out;
  }

  caf::actor_system_config cfg;
  runtime rt;
  caf::scoped_actor self;
  resolver_actor resolver;
};

TEST_F(dns_connect_net,
       a_silent_first_address_connects_through_the_second_after_the_delay) {
  auto out = connect(dns_connect_to{"drop.test", port});
  ASSERT_TRUE(out.connection) << out.error.to_string() << "\n"
                              << lab->dnsmasq_log();
  auto& rep = out.report;
  EXPECT_EQ(results(rep),
            (std::vector<std::string>{"[2001:db8::70]:7000 cancelled",
                                      "192.0.2.70:7000 connected"}));
  EXPECT_EQ(rep.connected, "192.0.2.70:7000");
  // The second attempt started one attempt delay after the first. (How
  // soon after is the deterministic test's to say: dns_connect_actor_test.)
  ASSERT_EQ(rep.attempts.size(), 2u);
  auto gap = rep.attempts[1].started_ms - rep.attempts[0].started_ms;
  EXPECT_GE(gap, 250u);
  EXPECT_GE(out.elapsed, 250ms);
  // The requester owns the connection: it hears it open and gets its bytes.
  self->receive(
      [&](tcp_connection_opened& ev) {
        EXPECT_EQ(ev.peer.to_string(), "192.0.2.70:7000");
        EXPECT_EQ(ev.id, rep.connection_id);
        EXPECT_EQ(caf::actor_cast<caf::actor>(self->current_sender()),
                  out.connection);
      },
      caf::after(5s) >> [] { ADD_FAILURE() << "no tcp_connection_opened"; });
  self->send(out.connection,
             tcp_write{net::byte_buffer::copy_of("happy eyeballs")});
  std::string echoed;
  for (int i = 0; i < 20 && echoed.size() < 14; ++i)
    self->receive([&](tcp_received& ev) { echoed += ev.data.view(); },
                  caf::after(5s) >> [] { ADD_FAILURE() << "no echo"; });
  EXPECT_EQ(echoed, "happy eyeballs");
  self->send(out.connection, tcp_close{});
}

TEST_F(dns_connect_net, prefers_ipv6_when_both_families_work) {
  auto out = connect(dns_connect_to{"dual.test", port});
  ASSERT_TRUE(out.connection) << out.error.to_string();
  // The report lists every attempt: IPv4 was never tried. (Whether the A
  // answer came before the IPv6 connection did is a race either way.)
  EXPECT_EQ(results(out.report),
            std::vector<std::string>{"[2001:db8::30]:7000 connected"});
  EXPECT_EQ(out.report.connected, "[2001:db8::30]:7000");
  self->send(out.connection, tcp_close{});
}

TEST_F(dns_connect_net, a_name_with_only_ipv4_connects_without_waiting) {
  auto out = connect(dns_connect_to{"v4.test", port});
  ASSERT_TRUE(out.connection) << out.error.to_string();
  EXPECT_EQ(results(out.report),
            std::vector<std::string>{"192.0.2.30:7000 connected"});
  self->send(out.connection, tcp_close{});
}

TEST_F(dns_connect_net,
       every_address_refusing_is_one_error_listing_every_attempt) {
  auto out = connect(dns_connect_to{"refuse.test", port});
  EXPECT_FALSE(out.connection);
  EXPECT_EQ(out.error.name, "ECONNREFUSED");
  EXPECT_NE(out.error.context.find("[2001:db8::80]:7000 ECONNREFUSED"),
            std::string::npos)
      << out.error.context;
  EXPECT_NE(out.error.context.find("192.0.2.80:7000 ECONNREFUSED"),
            std::string::npos)
      << out.error.context;
  EXPECT_EQ(results(out.report),
            (std::vector<std::string>{"[2001:db8::80]:7000 ECONNREFUSED",
                                      "192.0.2.80:7000 ECONNREFUSED"}));
  EXPECT_EQ(out.report.connected, "");
}

TEST_F(dns_connect_net, unreachable_addresses_fail_with_ehostunreach) {
  auto out = connect(dns_connect_to{"unreach.test", port});
  EXPECT_EQ(out.error.name, "EHOSTUNREACH");
  EXPECT_EQ(results(out.report),
            (std::vector<std::string>{"[2001:db8::200]:7000 EHOSTUNREACH",
                                      "192.0.2.200:7000 EHOSTUNREACH"}));
}

TEST_F(dns_connect_net, the_overall_timeout_ends_attempts_that_never_answer) {
  auto out = connect(dns_connect_to{"blackhole.test", port, 250, 50, 600});
  EXPECT_EQ(out.error.name, "ETIMEDOUT");
  EXPECT_EQ(results(out.report),
            (std::vector<std::string>{"[2001:db8::90]:7000 ETIMEDOUT",
                                      "192.0.2.90:7000 ETIMEDOUT"}));
  EXPECT_GE(out.elapsed, 600ms);
}

TEST_F(dns_connect_net, a_name_that_does_not_exist_is_eai_noname) {
  auto out = connect(dns_connect_to{"nx.test", port});
  EXPECT_EQ(out.error.name, "EAI_NONAME");
  EXPECT_EQ(out.error.context,
            "resolve nx.test: ipv6 EAI_NONAME, ipv4 EAI_NONAME");
  EXPECT_TRUE(out.report.addresses.empty());
  EXPECT_TRUE(out.report.attempts.empty());
}

TEST_F(dns_connect_net, a_requester_that_ends_stops_the_race) {
  auto dc = spawn_dns_connect(rt, {}, resolver);
  auto requester = rt.system().spawn(
      [](caf::event_based_actor* s, dns_connect_actor d) {
        s->request(d, caf::infinite, dns_connect_to{"blackhole.test", port})
            .then([](tcp_connection_actor&, dns_connect_report&) {},
                  [](caf::error&) {});
      },
      dc);
  self->monitor(dc);
  // Both lookups answered: the race is connecting (to addresses that never
  // answer), and nothing else would end it.
  dns_stats s;
  for (int i = 0; i < 2000 && s.answered < 2; ++i) {
    self->request(resolver, 10s, dns_get_stats{})
        .receive([&](dns_stats& got) { s = got; }, [](caf::error&) {});
    if (s.answered < 2) std::this_thread::sleep_for(5ms);
  }
  ASSERT_EQ(s.answered, 2u);
  caf::anon_send_exit(requester, caf::exit_reason::kill);
  bool ended = false;
  // 10 s: a guard against a hang, not a timing claim.
  self->receive([&](caf::down_msg& dm) { ended = dm.source == dc.address(); },
                caf::after(10s) >> [] {});
  EXPECT_TRUE(ended);
}

// -- apps/dns_connect -------------------------------------------------------

struct app_run {
  int exit_code = -1;
  json out;
  std::string stdout_text;
  std::string stderr_text;
};

app_run run_app(std::vector<std::string> args) {
  args.insert(args.begin(), app_path);
  auto r = dns_testing::run_process(args, 20s);
  app_run out;
  out.exit_code = r.exit_code;
  out.stdout_text = r.out;
  out.stderr_text = r.err;
  EXPECT_FALSE(r.timed_out);
  if (std::find(args.begin(), args.end(), "--json") != args.end()) {
    out.out = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(out.out.is_discarded()) << r.out << r.err;
  }
  return out;
}

TEST(dns_connect_app, connects_sends_and_prints_the_report_as_json) {
  auto r = run_app({"drop.test", "7000", "--send", "ping\n", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
  auto& j = r.out;
  EXPECT_EQ(j["host"], "drop.test");
  EXPECT_EQ(j["port"], 7000);
  EXPECT_EQ(j["addresses"], json::parse(R"(["2001:db8::70","192.0.2.70"])"));
  ASSERT_EQ(j["attempts"].size(), 2u) << j.dump();
  EXPECT_EQ(j["attempts"][0]["address"], "2001:db8::70");
  EXPECT_EQ(j["attempts"][0]["result"], "cancelled");
  EXPECT_GE(j["attempts"][0]["ms"].get<int>(), 250);
  EXPECT_EQ(j["attempts"][1]["address"], "192.0.2.70");
  EXPECT_EQ(j["attempts"][1]["result"], "connected");
  EXPECT_EQ(j["connected"], "192.0.2.70:7000");
  EXPECT_EQ(j["received"], "ping\n");
  // Exactly the documented keys, in order.
  std::vector<std::string> keys;
  auto ordered = nlohmann::ordered_json::parse(r.stdout_text);
  for (auto& [k, v] : ordered.items()) keys.push_back(k);
  EXPECT_EQ(keys,
            (std::vector<std::string>{"host", "port", "addresses", "attempts",
                                      "connected", "received"}));
}

TEST(dns_connect_app, honours_the_attempt_delay) {
  // Far above the default (250 ms), so that a lower bound alone tells.
  auto r = run_app({"drop.test", "7000", "--attempt-delay", "1500", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
  ASSERT_EQ(r.out["attempts"].size(), 2u) << r.out.dump();
  auto first_ms = r.out["attempts"][0]["ms"].get<int>();
  EXPECT_GE(first_ms, 1500);
}

TEST(dns_connect_app, refuses_an_empty_host_and_exits) {
  // It used to wait for ever: the actor refused but never ended.
  auto r = run_app({"", "7000", "--json"});
  EXPECT_EQ(r.exit_code, 2) << r.stderr_text;
  EXPECT_EQ(r.out["error"], "EINVAL") << r.stdout_text;
}

TEST(dns_connect_app, exits_1_when_no_address_can_be_connected) {
  auto r = run_app({"refuse.test", "7000", "--json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.out["connected"].is_null());
  EXPECT_EQ(r.out["error"], "ECONNREFUSED");
  ASSERT_EQ(r.out["attempts"].size(), 2u);
  EXPECT_EQ(r.out["attempts"][0]["result"], "ECONNREFUSED");
  EXPECT_EQ(r.out["attempts"][1]["result"], "ECONNREFUSED");
  auto t = run_app({"blackhole.test", "7000", "--timeout", "400", "--json"});
  EXPECT_EQ(t.exit_code, 1);
  EXPECT_EQ(t.out["error"], "ETIMEDOUT");
}

TEST(dns_connect_app,
     exits_2_with_the_eai_name_when_the_name_does_not_resolve) {
  auto r = run_app({"nx.test", "7000", "--json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out["error"], "EAI_NONAME");
  EXPECT_EQ(r.out["addresses"], json::array());
  auto human = run_app({"nx.test", "7000"});
  EXPECT_EQ(human.exit_code, 2);
  EXPECT_NE(human.stderr_text.find("EAI_NONAME"), std::string::npos)
      << human.stderr_text;
}

TEST(dns_connect_app, prints_the_bytes_on_stdout_and_the_report_on_stderr) {
  auto r = run_app({"dual.test", "7000", "--send", "hello"});
  EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_EQ(r.stdout_text, "hello");
  EXPECT_NE(r.stderr_text.find("connected to [2001:db8::30]:7000"),
            std::string::npos)
      << r.stderr_text;
  EXPECT_NE(r.stderr_text.find("2001:db8::30  connected"), std::string::npos)
      << r.stderr_text;
}

TEST(dns_connect_app, refuses_bad_arguments_with_exit_code_2) {
  EXPECT_EQ(run_app({"dual.test"}).exit_code, 2);
  EXPECT_EQ(run_app({"dual.test", "0"}).exit_code, 2);
  EXPECT_EQ(run_app({"dual.test", "65536"}).exit_code, 2);
  EXPECT_EQ(run_app({"dual.test", "7000", "--attempt-delay", "x"}).exit_code,
            2);
}

}  // namespace
}  // namespace netactors

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc < 2) {
    std::cerr << "usage: dns_connect_net_test PATH_TO_dns_connect\n";
    return 1;
  }
  netactors::app_path = argv[1];
  std::string error;
  auto lab = netactors::dns_testing::dns_lab::enter(
      {{"192.0.2.30/32", "2001:db8::30/128", "192.0.2.70/32", "192.0.2.80/32",
        "2001:db8::80/128"},
       {"192.0.2.200/32", "2001:db8::200/128"},
       {"--host-record=dual.test,192.0.2.30,2001:db8::30",
        "--host-record=drop.test,192.0.2.70,2001:db8::70",
        "--host-record=refuse.test,192.0.2.80,2001:db8::80",
        "--host-record=unreach.test,192.0.2.200,2001:db8::200",
        "--host-record=blackhole.test,192.0.2.90,2001:db8::90",
        "--host-record=v4.test,192.0.2.30"}},
      &error);
  if (!lab) {
    std::cerr
        << "dns_connect_net_test: cannot build the DNS lab (needs root and "
           "network namespaces): "
        << error << "\n";
    return 1;
  }
  netactors::lab = lab.get();
  netactors::listeners echo;
  for (auto* l : {&echo.dual6, &echo.dual4, &echo.drop4})
    if (!l->ok()) {
      std::cerr << "dns_connect_net_test: " << l->error() << "\n";
      return 1;
    }
  netactors::echo = &echo;
  return RUN_ALL_TESTS();
}
