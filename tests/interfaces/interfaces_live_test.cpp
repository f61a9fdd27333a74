// The interface actor on a real runtime (libuv loop + CAF), inside the test's
// own network namespace: the report is exact, subscribers see addresses come
// and go and links go down and up, and a subscriber that dies is dropped (its
// watch closes). Tests wait for events; `patience` only guards against a
// hang. Links CAF, so not tagged "tsan".
#include <caf/all.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actors/interfaces/interfaces.hpp"
#include "actors/messages/messages.hpp"
#include "actors/core/runtime.hpp"
#include "tests/interfaces/test_namespace.hpp"

namespace netactors {
namespace {

using namespace std::chrono_literals;
using interfaces_test::sh;

// A guard against hanging, not a timing claim.
constexpr auto patience = std::chrono::milliseconds(30000);

// What a subscriber saw; written by its actor, read by the test thread.
struct live_log {
  std::mutex mtx;
  std::condition_variable cv;
  bool subscribed = false;                 // guarded by mtx
  std::string subscribe_error;             // guarded by mtx
  std::vector<interface_event> events;     // guarded by mtx
  std::vector<interface_info> interfaces;  // guarded by mtx; latest state

  bool wait_for(std::chrono::milliseconds limit,
                const std::function<bool(const live_log&)>& done) {
    std::unique_lock<std::mutex> lock{mtx};
    return cv.wait_for(lock, limit, [&] { return done(*this); });
  }

  std::string describe() {
    std::lock_guard<std::mutex> guard{mtx};
    std::string out;
    for (auto& e : events)
      out += to_string(e.kind) + " " + e.interface.name + " " + e.address.address +
             (e.interface.up ? " up" : " down") + (e.interface.running ? " running\n" : "\n");
    return out;
  }

  bool has(interface_event_kind k, const std::string& name, const std::string& address) const {
    for (auto& e : events)
      if (e.kind == k && e.interface.name == name && e.address.address == address) return true;
    return false;
  }

  bool has_link(const std::string& name, bool up, bool running) const {
    for (auto& e : events)
      if (e.kind == interface_event_kind::interface_changed && e.interface.name == name &&
          e.interface.up == up && e.interface.running == running)
        return true;
    return false;
  }
};

caf::behavior live_subscriber(caf::event_based_actor* self, std::shared_ptr<live_log> log,
                              interfaces_actor target) {
  self->request(target, caf::infinite, interfaces_subscribe{})
      .then(
          [log](interface_report& r) {
            std::lock_guard<std::mutex> guard{log->mtx};
            log->subscribed = true;
            log->interfaces = std::move(r.interfaces);
            log->cv.notify_all();
          },
          [log](caf::error& e) {
            std::lock_guard<std::mutex> guard{log->mtx};
            log->subscribe_error = error_name(e);
            log->cv.notify_all();
          });
  return {
    [log](interfaces_changed& ev) {
      std::lock_guard<std::mutex> guard{log->mtx};
      log->events.insert(log->events.end(), ev.events.begin(), ev.events.end());
      log->interfaces = std::move(ev.interfaces);
      log->cv.notify_all();
    },
    [](interfaces_watch_failed& f) {
      ADD_FAILURE() << "watch failed: " << f.reason.to_string();
    },
  };
}

class interfaces_live : public ::testing::Test {
 protected:
  // Before any thread exists: the namespace is per thread until then.
  static void SetUpTestSuite() { *setup_error() = interfaces_test::enter_test_namespace(); }

  static std::string* setup_error() {
    static std::string error = "not set up";
    return &error;
  }

  static caf::actor_system_config& configure(caf::actor_system_config& cfg) {
    add_message_types(cfg);
    cfg.set("logger.file-verbosity", caf::atom("quiet"));
    cfg.set("logger.console-verbosity", caf::atom("quiet"));
    return cfg;
  }

  void SetUp() override { ASSERT_EQ(*setup_error(), "") << "cannot build the test namespace"; }

  void TearDown() override {
    if (!rt) return;
    for (auto& a : actors) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    actors.clear();
    rt.reset();  // waits for the actors, then stops the loop (closing clean)
  }

  void start(net::interface_watch_options options = {}) {
    rt = std::make_unique<runtime>(configure(cfg), 1);
    service = spawn_interfaces(*rt, options);
    actors.push_back(caf::actor_cast<caf::actor>(service));
  }

  std::pair<std::shared_ptr<live_log>, caf::actor> subscribe() {
    auto log = std::make_shared<live_log>();
    auto sub = rt->system().spawn(live_subscriber, log, service);
    actors.push_back(sub);
    EXPECT_TRUE(log->wait_for(2s, [](auto& l) { return l.subscribed || !l.subscribe_error.empty(); }));
    std::lock_guard<std::mutex> guard{log->mtx};
    EXPECT_EQ(log->subscribe_error, "");
    return {log, sub};
  }

  size_t handles_on_loop() {
    std::promise<size_t> p;
    auto f = p.get_future();
    rt->loop_at(0).loop().post([&p](net::loop& l) { p.set_value(l.handle_count()); });
    return f.get();
  }

  interface_report query() {
    caf::scoped_actor self{rt->system()};
    interface_report out;
    self->request(service, 5s, interfaces_query{})
        .receive([&](interface_report& r) { out = std::move(r); },
                 [&](caf::error& e) { ADD_FAILURE() << error_name(e); });
    return out;
  }

  caf::actor_system_config cfg;
  std::unique_ptr<runtime> rt;
  interfaces_actor service;
  std::vector<caf::actor> actors;
};

TEST_F(interfaces_live, a_query_reports_the_test_namespace_exactly) {
  start();
  auto report = query();
  ASSERT_EQ(report.interfaces.size(), 3u);
  auto& lo = report.interfaces[0];
  auto& va = report.interfaces[1];
  auto& vb = report.interfaces[2];
  EXPECT_EQ(lo.name, "lo");
  EXPECT_EQ(lo.index, 1u);
  EXPECT_EQ(lo.mac, "00:00:00:00:00:00");
  EXPECT_TRUE(lo.internal && lo.up && lo.running);
  ASSERT_EQ(lo.addresses.size(), 2u);
  EXPECT_EQ(nlohmann::json(lo.addresses[0]),
            nlohmann::json::parse(R"({"family":"ipv4","address":"127.0.0.1",
              "netmask":"255.0.0.0","prefix":8,"scope_id":0})"));
  EXPECT_EQ(nlohmann::json(lo.addresses[1]),
            nlohmann::json::parse(R"({"family":"ipv6","address":"::1",
              "netmask":"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff","prefix":128,"scope_id":0})"));
  EXPECT_EQ(va.name, "va");
  EXPECT_EQ(va.index, 10u);
  EXPECT_EQ(va.mac, "02:00:00:00:00:0a");
  EXPECT_TRUE(!va.internal && va.up && va.running);
  ASSERT_EQ(va.addresses.size(), 3u);
  EXPECT_EQ(nlohmann::json(va.addresses[0]),
            nlohmann::json::parse(R"({"family":"ipv4","address":"192.0.2.10",
              "netmask":"255.255.255.0","prefix":24,"scope_id":0})"));
  EXPECT_EQ(nlohmann::json(va.addresses[1]),
            nlohmann::json::parse(R"({"family":"ipv6","address":"2001:db8::10",
              "netmask":"ffff:ffff:ffff:ffff::","prefix":64,"scope_id":0})"));
  EXPECT_EQ(nlohmann::json(va.addresses[2]),
            nlohmann::json::parse(R"({"family":"ipv6","address":"fe80::10",
              "netmask":"ffff:ffff:ffff:ffff::","prefix":64,"scope_id":10})"));
  EXPECT_EQ(vb.name, "vb");
  EXPECT_EQ(vb.index, 11u);
  EXPECT_EQ(vb.mac, "02:00:00:00:00:0b");
  EXPECT_TRUE(!vb.internal && vb.up && vb.running);
  EXPECT_TRUE(vb.addresses.empty());
  EXPECT_EQ(handles_on_loop(), 0u);  // a query opens no watch
}

TEST_F(interfaces_live, a_subscriber_sees_addresses_added_and_removed) {
  start();
  auto [log, sub] = subscribe();
  {
    std::lock_guard<std::mutex> guard{log->mtx};
    EXPECT_EQ(log->interfaces.size(), 3u);  // the baseline
  }
  ASSERT_EQ(sh("ip addr add 198.51.100.7/24 dev va"), 0);
  EXPECT_TRUE(log->wait_for(patience, [](auto& l) {
    return l.has(interface_event_kind::address_added, "va", "198.51.100.7");
  })) << log->describe();
  ASSERT_EQ(sh("ip -6 addr add 2001:db8::77/64 dev va nodad"), 0);
  EXPECT_TRUE(log->wait_for(patience, [](auto& l) {
    return l.has(interface_event_kind::address_added, "va", "2001:db8::77");
  })) << log->describe();
  ASSERT_EQ(sh("ip addr del 198.51.100.7/24 dev va"), 0);
  ASSERT_EQ(sh("ip -6 addr del 2001:db8::77/64 dev va"), 0);
  EXPECT_TRUE(log->wait_for(patience, [](auto& l) {
    return l.has(interface_event_kind::address_removed, "va", "198.51.100.7") &&
           l.has(interface_event_kind::address_removed, "va", "2001:db8::77");
  })) << log->describe();
  std::lock_guard<std::mutex> guard{log->mtx};
  EXPECT_EQ(log->events.size(), 4u);
  ASSERT_EQ(log->interfaces.size(), 3u);
  EXPECT_EQ(log->interfaces[1].addresses.size(), 3u);  // back to the start
}

TEST_F(interfaces_live, a_subscriber_sees_a_link_go_down_and_up) {
  start();
  auto [log, sub] = subscribe();
  ASSERT_EQ(sh("ip link set va down"), 0);
  EXPECT_TRUE(log->wait_for(patience, [](auto& l) {
    return l.has_link("va", false, false) && l.has_link("vb", true, false);
  })) << log->describe();
  ASSERT_EQ(sh("ip link set va up"), 0);
  EXPECT_TRUE(log->wait_for(patience, [](auto& l) {
    return l.has_link("va", true, true) && l.has_link("vb", true, true);
  })) << log->describe();
  {
    // A down link keeps its IPv4 address (only IPv6 is flushed by the kernel).
    std::lock_guard<std::mutex> guard{log->mtx};
    EXPECT_FALSE(log->has(interface_event_kind::address_removed, "va", "192.0.2.10"));
    EXPECT_FALSE(log->has(interface_event_kind::address_added, "va", "192.0.2.10"));
  }
  // Going down deleted va's IPv6 addresses; restore the topology.
  ASSERT_EQ(sh("ip -6 addr add 2001:db8::10/64 dev va nodad"), 0);
  ASSERT_EQ(sh("ip -6 addr add fe80::10/64 dev va nodad"), 0);
  EXPECT_TRUE(log->wait_for(patience, [](auto& l) {
    return l.has(interface_event_kind::address_added, "va", "2001:db8::10") &&
           l.has(interface_event_kind::address_added, "va", "fe80::10");
  })) << log->describe();
}

TEST_F(interfaces_live, subscribers_that_die_are_dropped_and_the_last_one_closes_the_watch) {
  start();
  auto [first, first_actor] = subscribe();
  auto [second, second_actor] = subscribe();
  EXPECT_EQ(handles_on_loop(), 1u);  // one watch for both
  caf::anon_send_exit(first_actor, caf::exit_reason::kill);
  ASSERT_EQ(sh("ip addr add 198.51.100.8/24 dev va"), 0);
  EXPECT_TRUE(second->wait_for(patience, [](auto& l) {
    return l.has(interface_event_kind::address_added, "va", "198.51.100.8");
  })) << second->describe();
  EXPECT_EQ(handles_on_loop(), 1u);
  caf::anon_send_exit(second_actor, caf::exit_reason::kill);
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (handles_on_loop() != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(handles_on_loop(), 0u) << "the watch outlived its last subscriber";
  ASSERT_EQ(sh("ip addr del 198.51.100.8/24 dev va"), 0);
  // Not watching: a query reads the namespace afresh.
  auto report = query();
  ASSERT_EQ(report.interfaces.size(), 3u);
  EXPECT_EQ(report.interfaces[1].addresses.size(), 3u);
}

TEST_F(interfaces_live, the_polling_fallback_serves_subscribers_too) {
  net::interface_watch_options polling;
  polling.use = net::interface_watch_options::method::polling;
  polling.poll_interval_ms = 50;
  start(polling);
  auto [log, sub] = subscribe();
  ASSERT_EQ(sh("ip addr add 198.51.100.9/24 dev va"), 0);
  EXPECT_TRUE(log->wait_for(patience, [](auto& l) {
    return l.has(interface_event_kind::address_added, "va", "198.51.100.9");
  })) << log->describe();
  ASSERT_EQ(sh("ip addr del 198.51.100.9/24 dev va"), 0);
  EXPECT_TRUE(log->wait_for(patience, [](auto& l) {
    return l.has(interface_event_kind::address_removed, "va", "198.51.100.9");
  })) << log->describe();
}

}  // namespace
}  // namespace netactors
