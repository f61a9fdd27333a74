// net::resolver on a real loop thread: numeric hosts, localhost (from a
// hosts file of the test's own: stock Debian's), the EAI error names,
// getnameinfo, many lookups in flight, and the paths where nobody waits any
// more (cancel, timeout, close, loop stop), each ending with a loop that
// closes clean. No CAF: TSan runs it.
//
// main() moves the process into a mount namespace whose /etc/hosts is
// tests/resolver/dns_lab.hpp's stock_debian_hosts and whose nsswitch.conf
// says "hosts: files": nothing asks a DNS server, and nothing depends on the
// machine's /etc/hosts.
//
// The cancellation tests need a lookup that is *queued*, not running: they
// occupy the lookup workers (one thread, see main()) with a work item that
// waits for the test, so what follows it stays in the queue until the test
// releases it.
#include <gtest/gtest.h>

#include <netdb.h>
#include <stdlib.h>
#include <uv.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "net/core/loop.hpp"
#include "net/dns/resolver.hpp"
#include "tests/resolver/dns_lab.hpp"
#include "tests/resolver/lookup_worker_blocker.hpp"

namespace {

using namespace std::chrono_literals;

// One lookup worker (set in main() before any lookup).
bool pool_size = false;

template <class F>
auto on_loop(net::loop& l, F f) {
  std::promise<decltype(f(l))> p;
  auto fut = p.get_future();
  l.post([&](net::loop& lp) { p.set_value(f(lp)); });
  return fut.get();
}

net::handle_id make_resolver(net::loop& l) {
  return on_loop(l, [](net::loop& lp) -> net::handle_id {
    auto r = net::resolver::create(lp);
    EXPECT_TRUE(r);
    return r ? (*r)->id() : 0;
  });
}

net::resolver* find(net::loop& l, net::handle_id id) {
  return l.find_as<net::resolver>(id);
}

// The outcome of one getaddrinfo, as text the assertions can compare.
struct lookup {
  std::vector<std::string> addresses;  // endpoint::to_string()
  std::vector<int> families;           // AF_INET / AF_INET6
  std::string canonical_name;
  std::string error;  // uv_err_name, "" on success
  std::string context;
};

lookup from(net::result<net::addrinfo_result> r) {
  lookup out;
  if (!r) {
    out.error = r.error().name();
    out.context = r.error().context();
    return out;
  }
  for (auto& a : r->addresses) {
    out.addresses.push_back(a.address.to_string());
    out.families.push_back(a.address.family() == net::ip_family::v6 ? AF_INET6
                                                                    : AF_INET);
  }
  out.canonical_name = r->canonical_name;
  return out;
}

lookup resolve(net::loop& l, net::handle_id rid, std::string host,
               std::string service, net::addrinfo_hints hints) {
  std::promise<lookup> done;
  auto fut = done.get_future();
  l.post([&](net::loop& lp) {
    auto started = find(lp, rid)->getaddrinfo(
        host, service, hints, 0, [&done](net::result<net::addrinfo_result> r) {
          done.set_value(from(std::move(r)));
        });
    if (!started) done.set_value(from(started.error()));
  });
  EXPECT_EQ(fut.wait_for(10s), std::future_status::ready);
  return fut.get();
}

net::addrinfo_hints stream(int family = AF_UNSPEC, int flags = 0) {
  return net::addrinfo_hints{family, SOCK_STREAM, 0, flags};
}

// Lookups that never ask a DNS server, should they run: this test runs
// outside any namespace of its own and must not send traffic anywhere.
net::addrinfo_hints numeric() { return stream(AF_UNSPEC, AI_NUMERICHOST); }

using pool_blocker = netactors::test_support::lookup_worker_blocker;

TEST(net_resolver, resolves_numeric_hosts_of_both_families) {
  net::loop l;
  auto rid = make_resolver(l);
  auto v4 =
      resolve(l, rid, "127.0.0.1", "8080", stream(AF_UNSPEC, AI_NUMERICHOST));
  EXPECT_EQ(v4.error, "");
  EXPECT_EQ(v4.addresses, std::vector<std::string>{"127.0.0.1:8080"});
  EXPECT_EQ(v4.families, std::vector<int>{AF_INET});
  auto v6 =
      resolve(l, rid, "2001:db8::5", "443", stream(AF_UNSPEC, AI_NUMERICHOST));
  EXPECT_EQ(v6.addresses, std::vector<std::string>{"[2001:db8::5]:443"});
  EXPECT_EQ(v6.families, std::vector<int>{AF_INET6});
  EXPECT_EQ(l.stop(), 0);
}

TEST(net_resolver, names_the_eai_error_of_a_failed_lookup) {
  net::loop l;
  auto rid = make_resolver(l);
  // AI_NUMERICHOST refuses names without asking anybody.
  auto named =
      resolve(l, rid, "localhost", "80", stream(AF_UNSPEC, AI_NUMERICHOST));
  EXPECT_EQ(named.error, "EAI_NONAME");
  EXPECT_EQ(named.context, "getaddrinfo localhost 80");
  EXPECT_TRUE(named.addresses.empty());
  // An IPv4 literal is no IPv6 address.
  auto family = resolve(l, rid, "127.0.0.1", "80", stream(AF_INET6));
  EXPECT_EQ(family.error, "EAI_ADDRFAMILY");
  // A service that is not a number, with AI_NUMERICSERV.
  auto service =
      resolve(l, rid, "127.0.0.1", "http", stream(AF_INET, AI_NUMERICSERV));
  EXPECT_EQ(service.error, "EAI_NONAME");
  EXPECT_EQ(l.stop(), 0);
}

TEST(net_resolver, resolves_localhost_with_its_canonical_name) {
  net::loop l;
  auto rid = make_resolver(l);
  // glibc finds 127.0.0.1 twice (the "::1 localhost" line counts for IPv4
  // too); the resolver reports it once.
  auto r = resolve(l, rid, "localhost", "7", stream(AF_INET, AI_CANONNAME));
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.addresses, std::vector<std::string>{"127.0.0.1:7"});
  EXPECT_EQ(r.canonical_name, "localhost");
  // Without AI_CANONNAME there is none.
  EXPECT_EQ(resolve(l, rid, "localhost", "7", stream(AF_INET)).canonical_name,
            "");
  EXPECT_EQ(l.stop(), 0);
}

TEST(net_resolver, keeps_socket_type_and_protocol_of_each_answer) {
  net::loop l;
  auto rid = make_resolver(l);
  std::promise<net::result<net::addrinfo_result>> done;
  l.post([&](net::loop& lp) {
    // No socket type: one answer per type (stream, datagram, raw).
    (void)find(lp, rid)->getaddrinfo(
        "127.0.0.1", "53", net::addrinfo_hints{AF_INET, 0, 0, AI_NUMERICHOST},
        0, [&](net::result<net::addrinfo_result> r) {
          done.set_value(std::move(r));
        });
  });
  auto r = done.get_future().get();
  ASSERT_TRUE(r);
  std::vector<std::pair<int, int>> kinds;
  for (auto& a : r->addresses) {
    EXPECT_EQ(a.address.to_string(), "127.0.0.1:53");
    kinds.emplace_back(a.socktype, a.protocol);
  }
  EXPECT_EQ(kinds, (std::vector<std::pair<int, int>>{{SOCK_STREAM, IPPROTO_TCP},
                                                     {SOCK_DGRAM, IPPROTO_UDP},
                                                     {SOCK_RAW, 0}}));
  EXPECT_EQ(l.stop(), 0);
}

TEST(net_resolver, getnameinfo_names_a_known_address_and_port) {
  net::loop l;
  auto rid = make_resolver(l);
  auto reverse = [&](const char* ep, int flags) {
    std::promise<std::string> done;
    l.post([&](net::loop& lp) {
      auto started = find(lp, rid)->getnameinfo(
          *net::endpoint::parse(ep), flags, 0,
          [&](net::result<net::nameinfo_result> r) {
            done.set_value(r ? r->host + " " + r->service : r.error().name());
          });
      if (!started) done.set_value(started.error().name());
    });
    return done.get_future().get();
  };
  // /etc/hosts names 127.0.0.1 "localhost".
  EXPECT_EQ(reverse("127.0.0.1:22", NI_NUMERICSERV), "localhost 22");
  EXPECT_EQ(reverse("127.0.0.1:22", NI_NUMERICHOST | NI_NUMERICSERV),
            "127.0.0.1 22");
  EXPECT_EQ(reverse("[2001:db8::7]:8080", NI_NUMERICHOST | NI_NUMERICSERV),
            "2001:db8::7 8080");
  EXPECT_EQ(l.stop(), 0);
}

TEST(net_resolver, answers_many_lookups_in_flight_at_once) {
  net::loop l;
  auto rid = make_resolver(l);
  static constexpr int n = 400;
  struct tally {
    std::atomic<int> done{0};
    std::atomic<int> wrong{0};
    std::promise<void> all;
  } t;
  size_t peak = 0;
  l.post([&](net::loop& lp) {
    auto* r = find(lp, rid);
    for (int i = 0; i < n; ++i) {
      bool v6 = i % 2 == 1;
      std::string host = v6 ? "2001:db8::" + std::to_string(i % 1000)
                            : "192.0.2." + std::to_string(i % 250);
      std::string port = std::to_string(1000 + i);
      std::string expected = v6 ? "[" + host + "]:" + port : host + ":" + port;
      auto started = r->getaddrinfo(
          host, port, stream(AF_UNSPEC, AI_NUMERICHOST), 0,
          [&t, expected](net::result<net::addrinfo_result> res) {
            if (!res || res->addresses.size() != 1 ||
                res->addresses[0].address.to_string() != expected)
              ++t.wrong;
            if (++t.done == n) t.all.set_value();
          });
      EXPECT_TRUE(started);
    }
    peak = r->pending();
  });
  ASSERT_EQ(t.all.get_future().wait_for(20s), std::future_status::ready);
  EXPECT_EQ(t.wrong.load(), 0);
  EXPECT_EQ(peak, static_cast<size_t>(n));
  auto stats =
      on_loop(l, [&](net::loop& lp) { return find(lp, rid)->stats(); });
  EXPECT_EQ(stats.started, static_cast<uint64_t>(n));
  EXPECT_EQ(stats.succeeded, static_cast<uint64_t>(n));
  EXPECT_EQ(on_loop(l, [&](net::loop& lp) { return find(lp, rid)->pending(); }),
            0u);
  EXPECT_EQ(l.stop(), 0);
}

TEST(net_resolver, cancels_a_queued_lookup_and_never_calls_it_back) {
  ASSERT_TRUE(pool_size);
  net::loop l;
  auto rid = make_resolver(l);
  std::atomic<int> calls{0};
  pool_blocker blocker;
  auto outcome = on_loop(l, [&](net::loop& lp) {
    auto* r = find(lp, rid);
    auto id =
        r->getaddrinfo("127.0.0.1", "80", numeric(), 0,
                       [&](net::result<net::addrinfo_result>) { ++calls; });
    EXPECT_TRUE(id);
    EXPECT_EQ(r->pending(), 1u);
    auto first = r->cancel(*id);
    EXPECT_EQ(r->cancel(*id), net::resolver::cancel_outcome::unknown);
    EXPECT_EQ(r->pending(), 0u);
    return first;
  });
  EXPECT_EQ(outcome, net::resolver::cancel_outcome::cancelled);
  blocker.release();
  // A lookup queued after the cancelled one still runs and is answered.
  auto after =
      resolve(l, rid, "127.0.0.1", "1", stream(AF_INET, AI_NUMERICHOST));
  EXPECT_EQ(after.addresses, std::vector<std::string>{"127.0.0.1:1"});
  auto stats =
      on_loop(l, [&](net::loop& lp) { return find(lp, rid)->stats(); });
  EXPECT_EQ(stats.cancelled, 1u);
  EXPECT_EQ(stats.abandoned, 0u);
  EXPECT_EQ(stats.succeeded, 1u);
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(l.stop(), 0);
}

TEST(net_resolver, times_out_a_lookup_that_gets_no_answer_in_time) {
  ASSERT_TRUE(pool_size);
  net::loop l;
  auto rid = make_resolver(l);
  pool_blocker blocker;
  std::promise<std::string> done;
  auto t0 = std::chrono::steady_clock::now();
  l.post([&](net::loop& lp) {
    auto id = find(lp, rid)->getaddrinfo(
        "127.0.0.1", "80", numeric(), 40,
        [&](net::result<net::addrinfo_result> r) {
          done.set_value(r ? "answered"
                           : r.error().name() + ": " + r.error().context());
        });
    EXPECT_TRUE(id);
  });
  auto fut = done.get_future();
  ASSERT_EQ(fut.wait_for(5s), std::future_status::ready);
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(fut.get(),
            "ETIMEDOUT: getaddrinfo 127.0.0.1 80: no answer within 40 ms");
  EXPECT_GE(elapsed, 35ms);  // uv_now() is cached per loop iteration
  auto stats =
      on_loop(l, [&](net::loop& lp) { return find(lp, rid)->stats(); });
  EXPECT_EQ(stats.timed_out, 1u);
  EXPECT_EQ(stats.cancelled, 1u);  // it never left the queue
  blocker.release();
  EXPECT_EQ(l.stop(), 0);
}

TEST(net_resolver, a_timeout_does_not_touch_lookups_that_answer_first) {
  net::loop l;
  auto rid = make_resolver(l);
  std::promise<std::string> done;
  l.post([&](net::loop& lp) {
    (void)find(lp, rid)->getaddrinfo(
        "127.0.0.1", "9", stream(AF_INET, AI_NUMERICHOST), 5000,
        [&](net::result<net::addrinfo_result> r) {
          done.set_value(r ? r->addresses[0].address.to_string()
                           : r.error().name());
        });
  });
  EXPECT_EQ(done.get_future().get(), "127.0.0.1:9");
  auto stats =
      on_loop(l, [&](net::loop& lp) { return find(lp, rid)->stats(); });
  EXPECT_EQ(stats.timed_out, 0u);
  // The timer was stopped with the last deadline: nothing keeps the loop busy.
  EXPECT_EQ(l.stop(), 0);
}

TEST(net_resolver, closing_drops_every_pending_lookup_unanswered) {
  ASSERT_TRUE(pool_size);
  net::loop l;
  auto rid = make_resolver(l);
  auto calls = std::make_shared<std::atomic<int>>(0);
  pool_blocker blocker;
  on_loop(l, [&](net::loop& lp) {
    auto* r = find(lp, rid);
    for (int i = 0; i < 10; ++i)
      EXPECT_TRUE(r->getaddrinfo(
          "127.0.0.1", "80", numeric(), 1000,
          [calls](net::result<net::addrinfo_result>) { ++*calls; }));
    EXPECT_TRUE(r->getnameinfo(
        *net::endpoint::parse("127.0.0.1:1"), 0, 0,
        [calls](net::result<net::nameinfo_result>) { ++*calls; }));
    r->close();
    // The callbacks (and what they hold) are released at once.
    EXPECT_EQ(calls.use_count(), 1);
    return 0;
  });
  blocker.release();
  EXPECT_EQ(l.stop(), 0);
  EXPECT_EQ(calls->load(), 0);
}

TEST(net_resolver, a_stopping_loop_cancels_queued_lookups_and_closes_clean) {
  ASSERT_TRUE(pool_size);
  auto calls = std::make_shared<std::atomic<int>>(0);
  net::loop l;
  auto rid = make_resolver(l);
  pool_blocker blocker;
  on_loop(l, [&](net::loop& lp) {
    for (int i = 0; i < 5; ++i)
      EXPECT_TRUE(find(lp, rid)->getaddrinfo(
          "127.0.0.1", "80", numeric(), 0,
          [calls](net::result<net::addrinfo_result>) { ++*calls; }));
    return 0;
  });
  // stop() closes the resolver, which cancels the queued lookups; it does
  // not wait for the worker, still held here.
  EXPECT_EQ(l.stop(), 0);
  EXPECT_EQ(net::lookup_workers::busy(), 1u);
  blocker.release();
  EXPECT_EQ(calls->load(), 0);
}

TEST(net_resolver, keeps_no_two_answers_alike) {
  net::loop l;
  auto rid = make_resolver(l);
  // twice.test is on two lines of the hosts file (see main()); glibc
  // answers it twice, the resolver once, in its first place.
  auto r = resolve(l, rid, "twice.test", "7", stream(AF_UNSPEC));
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.addresses,
            (std::vector<std::string>{"192.0.2.7:7", "[2001:db8::7]:7"}));
  EXPECT_EQ(l.stop(), 0);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // Before any thread exists: unshare(CLONE_NEWNS) refuses threaded callers.
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = std::string{tmp != nullptr ? tmp : "/tmp"} +
                    "/net_resolver_test.XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    std::perror("net_resolver_test: mkdtemp");
    return 1;
  }
  auto hosts = std::string{netactors::dns_testing::stock_debian_hosts} +
               "192.0.2.7 twice.test\n"
               "2001:db8::7 twice.test\n"
               "192.0.2.7 twice.test\n";
  auto error = netactors::dns_testing::use_private_name_files(
      dir, hosts, "files", true);
  if (!error.empty()) {
    std::fprintf(stderr,
                 "net_resolver_test: cannot make its own /etc/hosts (needs "
                 "root): %s\n",
                 error.c_str());
    return 1;
  }
  pool_size = net::lookup_workers::configure(1);
  return RUN_ALL_TESTS();
}
