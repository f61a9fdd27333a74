// net::happy_eyeballs: RFC 8305 ordering and scheduling, driven by hand with
// explicit times, so every schedule is exact. No I/O, no CAF: TSan runs it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/dns/happy_eyeballs.hpp"

namespace {

using net::happy_eyeballs;
using net::ip_family;

net::endpoint ep(const char* text) { return *net::endpoint::parse(text); }

std::vector<net::endpoint> eps(std::initializer_list<const char*> texts) {
  std::vector<net::endpoint> out;
  for (auto* t : texts) out.push_back(ep(t));
  return out;
}

std::vector<std::string> text(const std::vector<net::endpoint>& v) {
  std::vector<std::string> out;
  for (auto& e : v) out.push_back(e.to_string());
  return out;
}

// "peer result started-ended" per attempt.
std::vector<std::string> report(const happy_eyeballs& he) {
  std::vector<std::string> out;
  for (auto& a : he.attempts())
    out.push_back(a.peer.to_string() + " " +
                  (a.result.empty() ? "running" : a.result) + " " +
                  std::to_string(a.started_ms) + "-" +
                  (a.result.empty() ? "" : std::to_string(a.ended_ms)));
  return out;
}

using idx = std::vector<size_t>;

// -- ordering (§4) ----------------------------------------------------------

TEST(interleave_families, alternates_families_starting_with_the_preferred_one) {
  auto mixed = eps({"192.0.2.1:80", "192.0.2.2:80", "[2001:db8::1]:80",
                    "[2001:db8::2]:80", "[2001:db8::3]:80", "192.0.2.3:80"});
  EXPECT_EQ(text(net::interleave_families(mixed, ip_family::v6)),
            (std::vector<std::string>{"[2001:db8::1]:80", "192.0.2.1:80",
                                      "[2001:db8::2]:80", "192.0.2.2:80",
                                      "[2001:db8::3]:80", "192.0.2.3:80"}));
  EXPECT_EQ(text(net::interleave_families(mixed, ip_family::v4)),
            (std::vector<std::string>{"192.0.2.1:80", "[2001:db8::1]:80",
                                      "192.0.2.2:80", "[2001:db8::2]:80",
                                      "192.0.2.3:80", "[2001:db8::3]:80"}));
}

TEST(interleave_families,
     leads_with_first_family_count_of_the_preferred_family) {
  auto mixed = eps({"192.0.2.1:80", "192.0.2.2:80", "[2001:db8::1]:80",
                    "[2001:db8::2]:80", "[2001:db8::3]:80"});
  EXPECT_EQ(text(net::interleave_families(mixed, ip_family::v6, 2)),
            (std::vector<std::string>{"[2001:db8::1]:80", "[2001:db8::2]:80",
                                      "192.0.2.1:80", "[2001:db8::3]:80",
                                      "192.0.2.2:80"}));
  // 0 means 1: the preferred family always leads.
  EXPECT_EQ(text(net::interleave_families(mixed, ip_family::v6, 0)).front(),
            "[2001:db8::1]:80");
}

TEST(interleave_families, keeps_a_single_family_in_order_and_drops_duplicates) {
  auto v4 =
      eps({"192.0.2.3:80", "192.0.2.1:80", "192.0.2.3:80", "192.0.2.2:80"});
  EXPECT_EQ(text(net::interleave_families(v4, ip_family::v6)),
            (std::vector<std::string>{"192.0.2.3:80", "192.0.2.1:80",
                                      "192.0.2.2:80"}));
  EXPECT_TRUE(net::interleave_families({}, ip_family::v6).empty());
}

// -- resolution (§3) --------------------------------------------------------

TEST(happy_eyeballs, an_aaaa_answer_starts_connecting_at_once) {
  happy_eyeballs he;
  auto s = he.resolved(ip_family::v6, eps({"[2001:db8::1]:80"}), 3);
  EXPECT_EQ(s.start, idx{0});
  EXPECT_EQ(he.state(), happy_eyeballs::phase::connecting);
  EXPECT_EQ(report(he),
            std::vector<std::string>{"[2001:db8::1]:80 running 3-"});
  EXPECT_FALSE(s.wake_ms);  // nothing else to start, no timeout
}

TEST(happy_eyeballs, an_a_answer_waits_the_resolution_delay_for_aaaa) {
  happy_eyeballs he;
  auto s = he.resolved(ip_family::v4, eps({"192.0.2.1:80"}), 10);
  EXPECT_TRUE(s.start.empty());
  EXPECT_EQ(s.wake_ms, 60u);  // 10 + 50
  // AAAA within the delay: IPv6 first after all.
  s = he.resolved(ip_family::v6, eps({"[2001:db8::1]:80"}), 30);
  EXPECT_EQ(s.start, idx{0});
  EXPECT_EQ(he.attempts()[0].peer.to_string(), "[2001:db8::1]:80");
  EXPECT_EQ(s.wake_ms, 280u);              // 30 + 250: then IPv4
  EXPECT_TRUE(he.tick(60).start.empty());  // the stale resolution wake-up
  EXPECT_EQ(he.tick(280).start, idx{1});
  EXPECT_EQ(he.attempts()[1].peer.to_string(), "192.0.2.1:80");
}

TEST(happy_eyeballs, without_aaaa_in_time_ipv4_goes_first_and_late_ipv6_joins) {
  happy_eyeballs he;
  he.resolved(ip_family::v4, eps({"192.0.2.1:80", "192.0.2.2:80"}), 0);
  EXPECT_TRUE(he.tick(49).start.empty());
  auto s = he.tick(50);
  EXPECT_EQ(s.start, idx{0});
  EXPECT_EQ(he.attempts()[0].peer.to_string(), "192.0.2.1:80");
  // AAAA arrives while the first attempt runs: the queue now alternates,
  // starting with IPv6 (the family the last attempt did not use).
  s = he.resolved(ip_family::v6, eps({"[2001:db8::1]:80", "[2001:db8::2]:80"}),
                  100);
  EXPECT_TRUE(s.start.empty());
  EXPECT_EQ(s.wake_ms, 300u);
  EXPECT_EQ(text(he.addresses()),
            (std::vector<std::string>{"192.0.2.1:80", "[2001:db8::1]:80",
                                      "192.0.2.2:80", "[2001:db8::2]:80"}));
}

TEST(happy_eyeballs, a_failed_aaaa_query_lets_ipv4_start_at_once) {
  happy_eyeballs he;
  he.resolved(ip_family::v4, eps({"192.0.2.1:80"}), 0);
  auto s = he.resolve_failed(ip_family::v6, "EAI_NODATA", 5);
  EXPECT_EQ(s.start, idx{0});
  EXPECT_EQ(he.resolve_error(ip_family::v6), "EAI_NODATA");
  EXPECT_EQ(he.resolve_error(ip_family::v4), "");
}

TEST(happy_eyeballs, a_failed_a_query_waits_for_aaaa_without_delay) {
  happy_eyeballs he;
  auto s = he.resolve_failed(ip_family::v4, "EAI_NODATA", 0);
  EXPECT_TRUE(s.start.empty());
  EXPECT_FALSE(s.wake_ms);
  EXPECT_EQ(he.state(), happy_eyeballs::phase::resolving);
  s = he.resolved(ip_family::v6, eps({"[2001:db8::1]:80"}), 400);
  EXPECT_EQ(s.start, idx{0});
}

TEST(happy_eyeballs, both_queries_failing_is_a_resolution_failure) {
  happy_eyeballs he;
  he.resolve_failed(ip_family::v6, "EAI_NONAME", 1);
  he.resolve_failed(ip_family::v4, "EAI_NONAME", 2);
  EXPECT_EQ(he.state(), happy_eyeballs::phase::failed);
  EXPECT_TRUE(he.resolution_failure());
  EXPECT_EQ(he.error(), "EAI_NONAME");
  EXPECT_TRUE(he.attempts().empty());
}

TEST(happy_eyeballs, a_resolution_failure_names_the_more_telling_error) {
  happy_eyeballs a;
  a.resolve_failed(ip_family::v6, "EAI_AGAIN", 1);
  a.resolve_failed(ip_family::v4, "EAI_NONAME", 2);
  EXPECT_EQ(a.error(), "EAI_AGAIN");
  happy_eyeballs b;
  b.resolve_failed(ip_family::v6, "EAI_NODATA", 1);
  b.resolve_failed(ip_family::v4, "EAI_FAIL", 2);
  EXPECT_EQ(b.error(), "EAI_FAIL");
  happy_eyeballs c;  // answers without any address
  c.resolved(ip_family::v6, {}, 1);
  c.resolved(ip_family::v4, {}, 2);
  EXPECT_TRUE(c.resolution_failure());
  EXPECT_EQ(c.error(), "EAI_NODATA");
}

// -- attempts (§5) ----------------------------------------------------------

// Both families answered at 0: [v6a, v4a, v6b, v4b].
happy_eyeballs four_addresses(net::happy_eyeballs_options opts = {}) {
  happy_eyeballs he{opts};
  he.resolved(ip_family::v6, eps({"[2001:db8::1]:80", "[2001:db8::2]:80"}), 0);
  he.resolved(ip_family::v4, eps({"192.0.2.1:80", "192.0.2.2:80"}), 0);
  return he;
}

TEST(happy_eyeballs,
     starts_one_attempt_per_attempt_delay_while_earlier_ones_race) {
  auto he = four_addresses();
  EXPECT_EQ(he.attempts().size(), 1u);
  EXPECT_TRUE(he.tick(249).start.empty());
  auto s = he.tick(250);
  EXPECT_EQ(s.start, idx{1});
  EXPECT_EQ(s.wake_ms, 500u);
  EXPECT_EQ(he.tick(500).start, idx{2});
  EXPECT_EQ(he.tick(750).start, idx{3});
  s = he.tick(1000);
  EXPECT_TRUE(s.start.empty());
  EXPECT_FALSE(s.wake_ms);
  EXPECT_EQ(report(he),
            (std::vector<std::string>{
                "[2001:db8::1]:80 running 0-", "192.0.2.1:80 running 250-",
                "[2001:db8::2]:80 running 500-", "192.0.2.2:80 running 750-"}));
}

TEST(happy_eyeballs, a_failure_of_the_latest_attempt_starts_the_next_at_once) {
  auto he = four_addresses();
  auto s = he.attempt_failed(0, "ECONNREFUSED", 3);
  EXPECT_EQ(s.start, idx{1});
  EXPECT_EQ(s.wake_ms, 253u);  // the delay restarts with the new attempt
  EXPECT_EQ(he.attempts()[1].started_ms, 3u);
}

TEST(happy_eyeballs, a_failure_of_an_older_attempt_keeps_the_schedule) {
  auto he = four_addresses();
  he.tick(250);  // attempts 0 and 1 racing
  auto s = he.attempt_failed(0, "EHOSTUNREACH", 300);
  EXPECT_TRUE(s.start.empty());
  EXPECT_EQ(s.wake_ms, 500u);
}

TEST(happy_eyeballs,
     the_first_connection_wins_and_every_other_attempt_is_cancelled) {
  auto he = four_addresses();
  he.tick(250);
  he.tick(500);
  auto s = he.attempt_connected(1, 510);
  EXPECT_EQ(s.cancel, (idx{0, 2}));
  EXPECT_FALSE(s.wake_ms);
  EXPECT_EQ(he.state(), happy_eyeballs::phase::connected);
  EXPECT_EQ(he.winner(), 1u);
  EXPECT_EQ(report(he),
            (std::vector<std::string>{"[2001:db8::1]:80 cancelled 0-510",
                                      "192.0.2.1:80 connected 250-510",
                                      "[2001:db8::2]:80 cancelled 500-510"}));
  // The unattempted address is still reported, after the attempted ones.
  EXPECT_EQ(text(he.addresses()).back(), "192.0.2.2:80");
  // Late news changes nothing.
  EXPECT_TRUE(he.attempt_connected(0, 520).cancel.empty());
  EXPECT_TRUE(he.attempt_failed(2, "ECONNREFUSED", 520).start.empty());
  EXPECT_TRUE(he.tick(750).start.empty());
  EXPECT_EQ(he.winner(), 1u);
}

TEST(happy_eyeballs, every_attempt_failing_fails_with_the_last_error) {
  auto he = four_addresses();
  he.attempt_failed(0, "ECONNREFUSED", 1);
  he.attempt_failed(1, "ECONNREFUSED", 2);
  he.attempt_failed(2, "EHOSTUNREACH", 3);
  EXPECT_EQ(he.state(), happy_eyeballs::phase::connecting);
  he.attempt_failed(3, "ENETUNREACH", 4);
  EXPECT_EQ(he.state(), happy_eyeballs::phase::failed);
  EXPECT_FALSE(he.resolution_failure());
  EXPECT_EQ(he.error(), "ENETUNREACH");
  EXPECT_EQ(report(he),
            (std::vector<std::string>{"[2001:db8::1]:80 ECONNREFUSED 0-1",
                                      "192.0.2.1:80 ECONNREFUSED 1-2",
                                      "[2001:db8::2]:80 EHOSTUNREACH 2-3",
                                      "192.0.2.2:80 ENETUNREACH 3-4"}));
}

TEST(happy_eyeballs, waits_for_the_other_family_before_giving_up) {
  happy_eyeballs he;
  he.resolved(ip_family::v6, eps({"[2001:db8::1]:80"}), 0);
  he.attempt_failed(0, "ENETUNREACH", 1);
  EXPECT_EQ(he.state(), happy_eyeballs::phase::connecting);  // A still due
  auto s = he.resolved(ip_family::v4, eps({"192.0.2.1:80"}), 20);
  EXPECT_EQ(s.start, idx{1});  // nothing in flight: at once
  he.attempt_failed(1, "ECONNREFUSED", 21);
  EXPECT_EQ(he.state(), happy_eyeballs::phase::failed);
  EXPECT_EQ(he.error(), "ECONNREFUSED");
}

TEST(happy_eyeballs, a_late_family_joins_a_race_whose_queue_ran_dry) {
  happy_eyeballs he;
  he.resolved(ip_family::v6, eps({"[2001:db8::1]:80"}), 0);
  // Attempt 0 still running at 100, nothing queued; A arrives.
  auto s = he.resolved(ip_family::v4, eps({"192.0.2.1:80"}), 100);
  EXPECT_TRUE(s.start.empty());
  EXPECT_EQ(s.wake_ms, 250u);  // one attempt delay after the last start
  EXPECT_EQ(he.tick(250).start, idx{1});
}

TEST(happy_eyeballs, honours_a_configured_attempt_delay_and_family_preference) {
  net::happy_eyeballs_options opts;
  opts.attempt_delay_ms = 100;
  opts.prefer_ipv6 = false;
  auto he = four_addresses(opts);
  EXPECT_EQ(he.attempts()[0].peer.to_string(), "192.0.2.1:80");
  EXPECT_EQ(he.tick(100).start, idx{1});
  EXPECT_EQ(he.attempts()[1].peer.to_string(), "[2001:db8::1]:80");
}

TEST(happy_eyeballs, with_ipv4_preferred_an_aaaa_answer_waits_for_a) {
  net::happy_eyeballs_options opts;
  opts.prefer_ipv6 = false;
  happy_eyeballs he{opts};
  auto s = he.resolved(ip_family::v6, eps({"[2001:db8::1]:80"}), 0);
  EXPECT_TRUE(s.start.empty());
  EXPECT_EQ(s.wake_ms, 50u);
}

// -- the overall timeout ----------------------------------------------------

TEST(happy_eyeballs, the_timeout_cancels_every_running_attempt_with_etimedout) {
  net::happy_eyeballs_options opts;
  opts.timeout_ms = 400;
  auto he = four_addresses(opts);
  EXPECT_EQ(he.tick(250).wake_ms, 400u);  // the timeout comes before 500
  auto s = he.tick(400);
  EXPECT_EQ(s.cancel, (idx{0, 1}));
  EXPECT_EQ(he.state(), happy_eyeballs::phase::failed);
  EXPECT_FALSE(he.resolution_failure());
  EXPECT_EQ(he.error(), "ETIMEDOUT");
  EXPECT_EQ(report(he),
            (std::vector<std::string>{"[2001:db8::1]:80 ETIMEDOUT 0-400",
                                      "192.0.2.1:80 ETIMEDOUT 250-400"}));
}

TEST(happy_eyeballs, a_timeout_while_resolving_is_a_resolution_failure) {
  net::happy_eyeballs_options opts;
  opts.timeout_ms = 1000;
  happy_eyeballs he{opts};
  auto s = he.resolve_failed(ip_family::v4, "EAI_NODATA", 10);
  EXPECT_EQ(s.wake_ms, 1000u);
  EXPECT_TRUE(he.tick(999).cancel.empty());
  he.tick(1000);
  EXPECT_EQ(he.state(), happy_eyeballs::phase::failed);
  EXPECT_TRUE(he.resolution_failure());
  EXPECT_EQ(he.error(), "ETIMEDOUT");
}

}  // namespace
