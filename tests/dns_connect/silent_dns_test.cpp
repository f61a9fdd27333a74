// A DNS server that never answers, and a system resolver that waits for it
// 30 s (resolv.conf's most): lookups that are abandoned (their requester
// ended, or the request's own timeout passed) must hold neither the
// runtime's teardown nor the process. dnsmasq in a network namespace of this
// test's own (tests/resolver/dns_lab.hpp) forwards *.slow.test to an
// address that drops everything. The apps/dns_connect binary's path is the
// first argument. main() builds the lab before any thread starts and fails
// the run if it cannot (needs root).
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
#include "net/dns/resolver.hpp"
#include "tests/resolver/dns_lab.hpp"

namespace netactors {
namespace {

using namespace std::chrono_literals;

std::string app_path;

caf::actor_system_config& quiet(caf::actor_system_config& cfg) {
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  return cfg;
}

// Asks `res` to look `host` up and waits for the answer.
caf::behavior asker(caf::event_based_actor* self, resolver_actor res,
                    std::string host) {
  dns_lookup q;
  q.host = std::move(host);
  q.family = "ipv4";
  self->request(res, caf::infinite, q)
      .then([](dns_addresses&) {}, [](caf::error&) {});
  return {[](const std::string&) {}};
}

dns_stats stats_of(caf::scoped_actor& self, const resolver_actor& res) {
  dns_stats out;
  self->request(res, 10s, dns_get_stats{})
      .receive([&](dns_stats& s) { out = s; }, [](caf::error&) {});
  return out;
}

// Polls (the stats are the event) until `pred` holds; false after 10 s.
template <class Pred>
bool until(caf::scoped_actor& self, const resolver_actor& res, Pred pred) {
  for (int i = 0; i < 2000; ++i) {
    if (pred(stats_of(self, res))) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

// Polls until `n` lookups run on the workers (a worker picks a lookup up a
// moment after the resolver queued it); false after 10 s.
bool workers_until(size_t n) {
  for (int i = 0; i < 2000; ++i) {
    if (net::lookup_workers::busy() == n) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

TEST(silent_dns, the_runtime_tears_down_while_an_abandoned_lookup_runs) {
  caf::actor_system_config cfg;
  auto rt = std::make_unique<runtime>(quiet(cfg));
  auto busy_before = net::lookup_workers::busy();
  {
    caf::scoped_actor self{rt->system()};
    auto res = spawn_resolver(*rt);
    auto requester = rt->loop_at(0).spawn(asker, res, "x.slow.test");
    ASSERT_TRUE(until(self, res, [](const dns_stats& s) {
      return s.in_flight == 1;
    }));
    ASSERT_TRUE(workers_until(busy_before + 1));  // the lookup runs
    // The requester ends: its running lookup is abandoned.
    caf::anon_send_exit(requester, caf::exit_reason::kill);
    ASSERT_TRUE(until(self, res, [](const dns_stats& s) {
      return s.abandoned == 1 && s.in_flight == 0;
    }));
    // The resolver's handle is dropped without an exit message.
  }
  auto t0 = std::chrono::steady_clock::now();
  rt.reset();
  std::cout << "runtime destroyed "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - t0)
                   .count()
            << " ms after its resolver's lookup was abandoned\n";
  // The runtime is destroyed, and the lookup is still running: teardown did
  // not wait for it (it will run for the system resolver's 30 s).
  EXPECT_EQ(net::lookup_workers::busy(), busy_before + 1);
}

TEST(silent_dns, a_dns_connect_timeout_bounds_resolution_and_teardown) {
  caf::actor_system_config cfg;
  auto rt = std::make_unique<runtime>(quiet(cfg));
  auto busy_before = net::lookup_workers::busy();
  {
    caf::scoped_actor self{rt->system()};
    auto res = spawn_resolver(*rt);
    auto dc = spawn_dns_connect(*rt, {}, res);
    std::string error;
    self->request(dc, 20s, dns_connect_to{"y.slow.test", 7000, 250, 50, 500})
        .receive([&](tcp_connection_actor&, dns_connect_report&) { error = "none"; },
                 [&](caf::error& err) { error = error_name(err); });
    EXPECT_EQ(error, "ETIMEDOUT");
    // Both lookups (AAAA and A) are over for the resolver (timed out, or
    // dropped when the dns_connect ended: whichever came first).
    ASSERT_TRUE(until(self, res, [](const dns_stats& s) {
      return s.started == 2 && s.in_flight == 0;
    }));
    ASSERT_TRUE(workers_until(busy_before + 2));
  }
  rt.reset();
  EXPECT_EQ(net::lookup_workers::busy(), busy_before + 2);
}

TEST(silent_dns, the_dns_connect_app_exits_within_its_timeout) {
  // --timeout 1000 against a server the system resolver would wait 30 s
  // for. The 15 s limit guards against that wait; it is not a timing claim
  // (the elapsed time is printed, for the record).
  auto t0 = std::chrono::steady_clock::now();
  auto r = dns_testing::run_process(
      {app_path, "z.slow.test", "7000", "--timeout", "1000", "--json"}, 15s);
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - t0);
  std::cout << "dns_connect --timeout 1000 exited after " << elapsed.count()
            << " ms\n";
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out << r.err;
  EXPECT_EQ(j["error"], "ETIMEDOUT");
}

}  // namespace
}  // namespace netactors

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc < 2) {
    std::cerr << "usage: silent_dns_test PATH_TO_dns_connect\n";
    return 1;
  }
  netactors::app_path = argv[1];
  // Enough workers that every abandoned lookup of this run is running (not
  // queued) at once.
  net::lookup_workers::configure(8);
  std::string error;
  netactors::dns_testing::dns_lab_config config;
  config.resolv_options = "timeout:30 attempts:1";
  auto lab = netactors::dns_testing::dns_lab::enter(config, &error);
  if (!lab) {
    std::cerr << "silent_dns_test: cannot build the DNS lab (needs root and "
                 "network namespaces): "
              << error << "\n";
    return 1;
  }
  return RUN_ALL_TESTS();
}
