// The resolver actor against a real DNS server: dnsmasq in a network
// namespace of this test's own (tests/resolver/dns_lab.hpp), the test
// process's resolver pointed at it. Names with A only, AAAA only, both, a
// CNAME, NXDOMAIN; getnameinfo of known and unknown addresses; lookups that
// get no answer (EAI_AGAIN, our timeout); lookups cancelled because their
// requester ended; many lookups at once. Also localhost (from the lab's
// hosts file: stock Debian's) and numeric hosts.
//
// main() builds the lab before anything starts a thread and fails the run
// if it cannot: this test needs root (CI is root) and is never skipped.
#include <caf/all.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "actors/messages/messages.hpp"
#include "actors/messages/net_error.hpp"
#include "actors/dns/resolver.hpp"
#include "actors/core/runtime.hpp"
#include "net/dns/resolver.hpp"
#include "tests/resolver/dns_lab.hpp"

namespace netactors {
namespace {

using namespace std::chrono_literals;

dns_testing::dns_lab* lab = nullptr;

// The lookup workers (net/dns/resolver.hpp), sized in main() before their first
// use: one lookup runs and the rest wait in the queue, where cancel() can
// still reach them.
constexpr int running_lookups = 1;

struct outcome {
  std::vector<std::string> addresses;  // "endpoint family"
  std::string canonical_name;
  std::string error;  // EAI_NONAME, ...; "" on success
  std::string context;
};

class resolver_dns : public ::testing::Test {
 protected:
  resolver_dns() : rt(configure(cfg)) { res = spawn_resolver(rt); }

  ~resolver_dns() override {
    caf::anon_send_exit(res, caf::exit_reason::user_shutdown);
  }

  static caf::actor_system_config& configure(caf::actor_system_config& c) {
    add_message_types(c);
    c.set("logger.console-verbosity", caf::atom("quiet"));
    c.set("logger.file-verbosity", caf::atom("quiet"));
    return c;
  }

  outcome lookup(dns_lookup q) {
    outcome out;
    caf::scoped_actor self{rt.system()};
    self->request(res, 10s, std::move(q))
        .receive(
            [&](dns_addresses& a) {
              for (auto& x : a.addresses)
                out.addresses.push_back(x.address.to_string() + " " + x.family);
              std::sort(out.addresses.begin(), out.addresses.end());
              out.canonical_name = a.canonical_name;
            },
            [&](caf::error& err) {
              out.error = error_name(err);
              out.context = to_net_error(err).context;
            });
    return out;
  }

  std::string reverse(dns_reverse_lookup q) {
    std::string out;
    caf::scoped_actor self{rt.system()};
    self->request(res, 10s, std::move(q))
        .receive([&](dns_name& n) { out = n.host + " " + n.service; },
                 [&](caf::error& err) { out = error_name(err); });
    return out;
  }

  dns_stats stats() {
    dns_stats out;
    caf::scoped_actor self{rt.system()};
    self->request(res, 10s, dns_get_stats{})
        .receive([&](dns_stats& s) { out = s; }, [&](caf::error&) {});
    return out;
  }

  // Polls the stats until `pred` holds; false after 5 s.
  template <class Pred>
  bool stats_until(Pred pred) {
    for (auto deadline = std::chrono::steady_clock::now() + 5s;
         std::chrono::steady_clock::now() < deadline;
         std::this_thread::sleep_for(5ms))
      if (pred(stats())) return true;
    return false;
  }

  // Polls until `n` lookups run on the workers; false after 10 s.
  static bool workers_until(size_t n) {
    for (auto deadline = std::chrono::steady_clock::now() + 10s;
         std::chrono::steady_clock::now() < deadline;
         std::this_thread::sleep_for(5ms))
      if (net::lookup_workers::busy() == n) return true;
    return false;
  }

  caf::actor_system_config cfg;
  runtime rt;
  resolver_actor res;
};

dns_lookup stream(const char* host, const char* family = "any") {
  dns_lookup q;
  q.host = host;
  q.service = "80";
  q.family = family;
  q.socktype = "stream";
  return q;
}

TEST_F(resolver_dns, a_name_with_both_records_resolves_to_both_families) {
  auto r = lookup(stream("dual.test"));
  EXPECT_EQ(r.error, "") << r.context << "\n" << lab->dnsmasq_log();
  EXPECT_EQ(r.addresses, (std::vector<std::string>{"192.0.2.30:80 ipv4",
                                                   "[2001:db8::30]:80 ipv6"}));
  EXPECT_EQ(lookup(stream("dual.test", "ipv6")).addresses,
            std::vector<std::string>{"[2001:db8::30]:80 ipv6"});
  EXPECT_EQ(lookup(stream("dual.test", "ipv4")).addresses,
            std::vector<std::string>{"192.0.2.30:80 ipv4"});
}

TEST_F(resolver_dns, a_name_with_only_an_a_record_has_no_ipv6_address) {
  EXPECT_EQ(lookup(stream("v4.test")).addresses,
            std::vector<std::string>{"192.0.2.41:80 ipv4"});
  auto v6 = lookup(stream("v4.test", "ipv6"));
  EXPECT_EQ(v6.error, "EAI_NODATA");
  EXPECT_EQ(v6.context, "getaddrinfo v4.test 80");
}

TEST_F(resolver_dns, a_name_with_only_an_aaaa_record_has_no_ipv4_address) {
  EXPECT_EQ(lookup(stream("v6.test")).addresses,
            std::vector<std::string>{"[2001:db8::61]:80 ipv6"});
  EXPECT_EQ(lookup(stream("v6.test", "ipv4")).error, "EAI_NODATA");
}

TEST_F(resolver_dns, an_unknown_name_is_eai_noname) {
  auto r = lookup(stream("nx.test"));
  EXPECT_EQ(r.error, "EAI_NONAME");
  EXPECT_TRUE(r.addresses.empty());
}

TEST_F(resolver_dns, an_alias_reports_its_canonical_name_when_asked) {
  auto q = stream("alias.test", "ipv4");
  q.canonical_name = true;
  auto r = lookup(q);
  EXPECT_EQ(r.addresses, std::vector<std::string>{"192.0.2.30:80 ipv4"});
  EXPECT_EQ(r.canonical_name, "dual.test");
  EXPECT_EQ(lookup(stream("alias.test", "ipv4")).canonical_name, "");
}

TEST_F(resolver_dns, localhost_and_numeric_hosts_need_no_server) {
  EXPECT_EQ(lookup(stream("localhost", "ipv4")).addresses,
            std::vector<std::string>{"127.0.0.1:80 ipv4"});
  auto numeric = stream("2001:db8::1234");
  numeric.numeric_host = true;
  EXPECT_EQ(lookup(numeric).addresses,
            std::vector<std::string>{"[2001:db8::1234]:80 ipv6"});
  auto name = stream("dual.test");
  name.numeric_host = true;
  EXPECT_EQ(lookup(name).error, "EAI_NONAME");  // AI_NUMERICHOST asks nobody
}

TEST_F(resolver_dns,
       getnameinfo_names_known_addresses_and_refuses_unknown_ones) {
  dns_reverse_lookup q{*net::endpoint::parse("192.0.2.30:53"), false, true,
                       true};
  EXPECT_EQ(reverse(q), "dual.test 53");
  q.address = *net::endpoint::parse("[2001:db8::61]:443");
  EXPECT_EQ(reverse(q), "v6.test 443");
  q.address = *net::endpoint::parse("192.0.2.250:1");
  EXPECT_EQ(reverse(q), "EAI_NONAME");  // NI_NAMEREQD and no PTR record
  q.name_required = false;
  EXPECT_EQ(reverse(q), "192.0.2.250 1");
}

TEST_F(resolver_dns, a_server_that_never_answers_is_eai_again) {
  auto t0 = std::chrono::steady_clock::now();
  auto r = lookup(stream("x.slow.test", "ipv4"));
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.error, "EAI_AGAIN");
  EXPECT_GE(elapsed, 900ms);  // resolv.conf: timeout:1 attempts:1
}

TEST_F(resolver_dns,
       a_lookup_with_a_timeout_ends_with_etimedout_and_is_abandoned) {
  auto q = stream("y.slow.test", "ipv4");
  q.timeout_ms = 200;
  auto t0 = std::chrono::steady_clock::now();
  auto r = lookup(q);
  auto elapsed = std::chrono::steady_clock::now() - t0;
  // ETIMEDOUT, not the system resolver's EAI_AGAIN: ours came first.
  EXPECT_EQ(r.error, "ETIMEDOUT");
  EXPECT_EQ(r.context, "getaddrinfo y.slow.test 80: no answer within 200 ms");
  EXPECT_GE(elapsed, 190ms);
  auto s = stats();
  EXPECT_EQ(s.timed_out, 1u);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.in_flight, 0u);
}

caf::behavior ask_all(caf::event_based_actor* self, resolver_actor res,
                      std::vector<dns_lookup> lookups) {
  for (auto& q : lookups)
    self->request(res, caf::infinite, q)
        .then([](dns_addresses&) {}, [](caf::error&) {});
  return {[](const std::string&) {}};
}

TEST_F(resolver_dns, lookups_of_a_requester_that_ends_are_cancelled) {
  std::vector<dns_lookup> slow;
  for (int i = 0; i < 6; ++i)
    slow.push_back(
        stream(("n" + std::to_string(i) + ".slow.test").c_str(), "ipv4"));
  // Idle workers first: an earlier test's abandoned lookup may still run.
  ASSERT_TRUE(workers_until(0));
  auto requester = rt.system().spawn(ask_all, res, slow);
  ASSERT_TRUE(stats_until([](const dns_stats& s) { return s.in_flight == 6; }));
  ASSERT_TRUE(workers_until(running_lookups));  // the first one runs
  EXPECT_EQ(stats().requesters, 1u);
  caf::anon_send_exit(requester, caf::exit_reason::kill);
  ASSERT_TRUE(stats_until([](const dns_stats& s) { return s.in_flight == 0; }));
  auto s = stats();
  // The running one is abandoned (its answer will be dropped); uv_cancel
  // took the other five off the queue.
  EXPECT_EQ(s.abandoned, static_cast<uint64_t>(running_lookups));
  EXPECT_EQ(s.cancelled, 6u - running_lookups);
  EXPECT_EQ(s.requesters, 0u);
  // The abandoned one ends (EAI_AGAIN after about 1 s); nobody hears of it.
  ASSERT_TRUE(workers_until(0));
  s = stats();
  EXPECT_EQ(s.answered + s.failed, 0u);
  // The workers are free again.
  EXPECT_EQ(lookup(stream("v4.test")).addresses,
            std::vector<std::string>{"192.0.2.41:80 ipv4"});
}

const char* const hosts[] = {"dual.test", "v4.test", "v6.test", "nx.test",
                             "alias.test"};
const std::vector<std::string> expected_answers[] = {
    {"192.0.2.30:80 ipv4", "[2001:db8::30]:80 ipv6"},
    {"192.0.2.41:80 ipv4"},
    {"[2001:db8::61]:80 ipv6"},
    {"EAI_NONAME"},
    {"192.0.2.30:80 ipv4", "[2001:db8::30]:80 ipv6"}};

// Answers counted by every collector; the last one fulfils `all`.
struct tally {
  std::atomic<int> right{0};
  std::atomic<int> wrong{0};
  std::atomic<int> left{0};
  std::promise<void> all;
  void count(bool ok) {
    ++(ok ? right : wrong);
    if (--left == 0) all.set_value();
  }
};

// Sends `count` lookups at once and checks each answer against its host.
caf::behavior collector(caf::event_based_actor* self, resolver_actor res, int first,
                        int count, std::shared_ptr<tally> t) {
  for (int i = 0; i < count; ++i) {
    int h = (first + i) % 5;
    self->request(res, caf::infinite, stream(hosts[h]))
        .then(
            [t, h](dns_addresses& a) {
              std::vector<std::string> got;
              for (auto& x : a.addresses)
                got.push_back(x.address.to_string() + " " + x.family);
              std::sort(got.begin(), got.end());
              t->count(got == expected_answers[h]);
            },
            [t, h](caf::error& err) {
              t->count(std::vector<std::string>{error_name(err)} ==
                       expected_answers[h]);
            });
  }
  return {[](const std::string&) {}};
}

TEST_F(resolver_dns, answers_many_lookups_from_many_requesters_at_once) {
  constexpr int requesters = 20;
  constexpr int per_requester = 10;
  auto t = std::make_shared<tally>();
  t->left = requesters * per_requester;
  std::vector<caf::actor> collectors;
  for (int r = 0; r < requesters; ++r)
    collectors.push_back(
        rt.system().spawn(collector, res, r, per_requester, t));
  ASSERT_EQ(t->all.get_future().wait_for(20s), std::future_status::ready);
  EXPECT_EQ(t->right.load(), requesters * per_requester);
  EXPECT_EQ(t->wrong.load(), 0);
  auto s = stats();
  EXPECT_EQ(s.started, static_cast<uint64_t>(requesters * per_requester));
  EXPECT_EQ(s.answered + s.failed, s.started);
  EXPECT_EQ(s.in_flight, 0u);
  for (auto& c : collectors)
    caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace netactors

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  net::lookup_workers::configure(netactors::running_lookups);
  std::string error;
  auto lab = netactors::dns_testing::dns_lab::enter(
      {{},
       {},
       {"--host-record=dual.test,192.0.2.30,2001:db8::30",
        "--host-record=v4.test,192.0.2.41",
        "--host-record=v6.test,2001:db8::61", "--cname=alias.test,dual.test"}},
      &error);
  if (!lab) {
    std::cerr << "resolver_dns_test: cannot build the DNS lab (needs root and "
                 "network namespaces): "
              << error << "\n";
    return 1;
  }
  netactors::lab = lab.get();
  return RUN_ALL_TESTS();
}
