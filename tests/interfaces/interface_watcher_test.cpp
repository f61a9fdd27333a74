// net/interfaces and net/interface_watcher against a real kernel, inside the
// test's own network namespace (tests/interfaces/test_namespace.hpp): the
// snapshot is exact (addresses included whatever the link state), and both
// the netlink watcher and the polling fallback see addresses come and go and
// links go down and up. Tests wait for events; `patience` only guards against
// a hang.
// No CAF: TSan runs this. The observer runs on the loop thread and the test
// thread reads what it saw under a mutex.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/interfaces/interfaces.hpp"
#include "net/core/loop.hpp"
#include "net/interfaces/interface_watcher.hpp"
#include "tests/interfaces/test_namespace.hpp"

namespace {

using namespace std::chrono_literals;
using net::interface_change;
using kind = interface_change::kind;
using interfaces_test::sh;

// How long a wait for an event may take before the test gives up: a guard
// against hanging, not a timing claim (a loaded CI box is slow).
constexpr auto patience = std::chrono::milliseconds(30000);

// What an observer saw; shared between the loop thread and the test thread.
struct seen {
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<interface_change> changes;  // guarded by mtx
  std::vector<std::string> errors;        // guarded by mtx
  size_t batches = 0;                     // guarded by mtx
  bool closing = false;                   // guarded by mtx
  std::string closing_reason;             // guarded by mtx; "" if owner closed
  net::interface_snapshot last;           // guarded by mtx; as last reported

  // Waits (at most `limit`) until `done` holds for the changes seen so far.
  bool wait_for(std::chrono::milliseconds limit,
                const std::function<bool(const std::vector<interface_change>&)>& done) {
    std::unique_lock<std::mutex> lock{mtx};
    return cv.wait_for(lock, limit, [&] { return done(changes); });
  }

  std::vector<interface_change> take() {
    std::lock_guard<std::mutex> guard{mtx};
    auto out = std::move(changes);
    changes.clear();
    return out;
  }
};

class recording_observer : public net::interface_watcher::observer {
 public:
  explicit recording_observer(std::shared_ptr<seen> s) : seen_(std::move(s)) {}
  void on_interfaces_changed(const net::interface_snapshot& now,
                             const std::vector<interface_change>& changes) override {
    EXPECT_FALSE(changes.empty());
    std::lock_guard<std::mutex> guard{seen_->mtx};
    seen_->changes.insert(seen_->changes.end(), changes.begin(), changes.end());
    seen_->last = now;
    ++seen_->batches;
    seen_->cv.notify_all();
  }
  void on_watch_error(const net::uv_error& e) override {
    std::lock_guard<std::mutex> guard{seen_->mtx};
    seen_->errors.push_back(e.to_string());
  }
  void on_closing(const net::uv_error& reason) override {
    std::lock_guard<std::mutex> guard{seen_->mtx};
    seen_->closing = true;
    if (reason.code() != 0) seen_->closing_reason = reason.to_string();
    seen_->cv.notify_all();
  }

 private:
  std::shared_ptr<seen> seen_;
};

template <class F>
auto on_loop(net::loop& l, F f) {
  std::promise<decltype(f(l))> p;
  auto fut = p.get_future();
  l.post([&](net::loop& lp) { p.set_value(f(lp)); });
  return fut.get();
}

std::string describe(const std::vector<interface_change>& changes) {
  std::string out;
  for (auto& c : changes) {
    out += std::string{net::to_string(c.what)} + " " + c.interface.name;
    if (c.what == kind::address_added || c.what == kind::address_removed)
      out += " " + c.address.address;
    if (c.what == kind::interface_changed)
      out += std::string{" up="} + (c.interface.up ? "1" : "0") +
             " running=" + (c.interface.running ? "1" : "0");
    out += "\n";
  }
  return out;
}

bool has_address_event(const std::vector<interface_change>& changes, kind k,
                       const std::string& name, const std::string& address) {
  for (auto& c : changes)
    if (c.what == k && c.interface.name == name && c.address.address == address)
      return true;
  return false;
}

bool has_link_event(const std::vector<interface_change>& changes,
                    const std::string& name, bool up, bool running) {
  for (auto& c : changes)
    if (c.what == kind::interface_changed && c.interface.name == name &&
        c.interface.up == up && c.interface.running == running)
      return true;
  return false;
}

net::interface_snapshot expected_topology() {
  using net::interface_address;
  using net::ip_family;
  net::interface_info lo;
  lo.name = "lo";
  lo.index = 1;
  lo.internal = lo.up = lo.running = true;
  lo.addresses = {
      interface_address{ip_family::v4, "127.0.0.1", "255.0.0.0", 8, 0},
      interface_address{ip_family::v6, "::1",
                        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128, 0}};
  net::interface_info va;
  va.name = "va";
  va.index = 10;
  va.mac = "02:00:00:00:00:0a";
  va.up = va.running = true;
  va.addresses = {
      interface_address{ip_family::v4, "192.0.2.10", "255.255.255.0", 24, 0},
      interface_address{ip_family::v6, "2001:db8::10", "ffff:ffff:ffff:ffff::", 64, 0},
      // A link-local address carries its interface's index as scope id.
      interface_address{ip_family::v6, "fe80::10", "ffff:ffff:ffff:ffff::", 64, 10}};
  net::interface_info vb;
  vb.name = "vb";
  vb.index = 11;
  vb.mac = "02:00:00:00:00:0b";
  vb.up = vb.running = true;
  return net::interface_snapshot{{lo, va, vb}};
}

// The two ways of watching, as the tests ask for them.
net::interface_watch_options by_netlink() {
  net::interface_watch_options opts;
  opts.use = net::interface_watch_options::method::netlink;
  return opts;
}

net::interface_watch_options by_polling(uint64_t interval_ms) {
  net::interface_watch_options opts;
  opts.use = net::interface_watch_options::method::polling;
  opts.poll_interval_ms = interval_ms;
  return opts;
}

class interface_watch : public ::testing::Test {
 protected:
  // Before any thread exists: the namespace is per thread until then.
  static void SetUpTestSuite() { *setup_error() = interfaces_test::enter_test_namespace(); }

  static std::string* setup_error() {
    static std::string error = "not set up";
    return &error;
  }

  void SetUp() override {
    ASSERT_EQ(*setup_error(), "") << "cannot build the test namespace";
    // Each test leaves the topology as it found it; make sure.
    auto now = net::snapshot_interfaces();
    ASSERT_TRUE(now) << now.error().to_string();
    ASSERT_EQ(*now, expected_topology()) << "a previous test left changes behind";
  }

  // Polls snapshots until one equals `want` (or patience runs out).
  static bool snapshot_becomes(const net::interface_snapshot& want) {
    auto deadline = std::chrono::steady_clock::now() + patience;
    for (;;) {
      auto now = net::snapshot_interfaces();
      if (now && *now == want) return true;
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
  }

  // Starts a watcher on `lp`; returns its id (0 on failure) and method.
  std::pair<net::handle_id, net::interface_watcher::method> start(
      net::loop& lp, net::interface_watch_options opts) {
    auto s = sight;
    return on_loop(lp, [opts, s](net::loop& l) {
      auto w = net::watch_interfaces(l, opts, std::make_unique<recording_observer>(s));
      EXPECT_TRUE(w) << w.error().to_string();
      if (!w) return std::make_pair(net::handle_id{0}, net::interface_watcher::method::polling);
      EXPECT_EQ((*w)->current(), expected_topology());
      return std::make_pair((*w)->id(), (*w)->how());
    });
  }

  void check_sees_address_added_and_removed() {
    ASSERT_EQ(sh("ip addr add 198.51.100.7/24 dev va"), 0);
    EXPECT_TRUE(sight->wait_for(patience, [](auto& c) {
      return has_address_event(c, kind::address_added, "va", "198.51.100.7");
    })) << describe(sight->take());
    auto added = sight->take();
    ASSERT_EQ(added.size(), 1u) << describe(added);
    EXPECT_EQ(added[0].address,
              (net::interface_address{net::ip_family::v4, "198.51.100.7",
                                      "255.255.255.0", 24, 0}));
    ASSERT_EQ(sh("ip -6 addr add 2001:db8::77/64 dev va nodad"), 0);
    EXPECT_TRUE(sight->wait_for(patience, [](auto& c) {
      return has_address_event(c, kind::address_added, "va", "2001:db8::77");
    })) << describe(sight->take());
    ASSERT_EQ(sh("ip addr del 198.51.100.7/24 dev va"), 0);
    ASSERT_EQ(sh("ip -6 addr del 2001:db8::77/64 dev va"), 0);
    EXPECT_TRUE(sight->wait_for(patience, [](auto& c) {
      return has_address_event(c, kind::address_removed, "va", "198.51.100.7") &&
             has_address_event(c, kind::address_removed, "va", "2001:db8::77");
    })) << describe(sight->take());
    auto all = sight->take();
    EXPECT_EQ(all.size(), 3u) << describe(all);
  }

  // va goes administratively down and up. It keeps its IPv4 address
  // throughout (only the kernel's flush of IPv6 addresses on a down link is
  // reported as removals); vb, its peer, loses and regains its carrier.
  void check_sees_link_down_and_up() {
    ASSERT_EQ(sh("ip link set va down"), 0);
    EXPECT_TRUE(sight->wait_for(patience, [](auto& c) {
      return has_link_event(c, "va", false, false) &&
             has_address_event(c, kind::address_removed, "va", "2001:db8::10") &&
             has_address_event(c, kind::address_removed, "va", "fe80::10") &&
             has_link_event(c, "vb", true, false);  // vb lost its carrier
    })) << describe(sight->take());
    auto down = sight->take();
    EXPECT_FALSE(has_address_event(down, kind::address_removed, "va", "192.0.2.10"))
        << describe(down);
    ASSERT_EQ(sh("ip link set va up"), 0);
    EXPECT_TRUE(sight->wait_for(patience, [](auto& c) {
      return has_link_event(c, "va", true, true) && has_link_event(c, "vb", true, true);
    })) << describe(sight->take());
    // Going down deleted va's IPv6 addresses; put them back as they were.
    ASSERT_EQ(sh("ip -6 addr add 2001:db8::10/64 dev va nodad"), 0);
    ASSERT_EQ(sh("ip -6 addr add fe80::10/64 dev va nodad"), 0);
    EXPECT_TRUE(sight->wait_for(patience, [](auto& c) {
      return has_address_event(c, kind::address_added, "va", "2001:db8::10") &&
             has_address_event(c, kind::address_added, "va", "fe80::10");
    })) << describe(sight->take());
    auto up = sight->take();
    for (auto& c : up)
      EXPECT_FALSE(c.what == kind::address_added && c.address.address == "192.0.2.10")
          << describe(up);
  }

  // vb goes down, so va loses its carrier, then both come back: a flap
  // changes link state only, never an address (the kernel keeps every
  // address of a link without carrier).
  void check_a_carrier_flap_changes_links_only() {
    ASSERT_EQ(sh("ip link set vb down"), 0);
    EXPECT_TRUE(sight->wait_for(patience, [](auto& c) {
      return has_link_event(c, "va", true, false) && has_link_event(c, "vb", false, false);
    })) << describe(sight->take());
    ASSERT_EQ(sh("ip link set vb up"), 0);
    EXPECT_TRUE(sight->wait_for(patience, [](auto& c) {
      return has_link_event(c, "va", true, true) && has_link_event(c, "vb", true, true);
    })) << describe(sight->take());
    auto all = sight->take();
    for (auto& c : all) EXPECT_EQ(c.what, kind::interface_changed) << describe(all);
  }

  // 100 addresses added in one burst, then removed in another: each is
  // reported exactly once each way, although the kernel's dumps run while
  // the addresses change (and could list one twice or not at all).
  void check_a_burst_of_changes(net::interface_watch_options opts) {
    net::loop lp;
    auto id = start(lp, opts).first;
    ASSERT_NE(id, 0u);
    // 100 addresses in one ip process: far more notifications than snapshots.
    std::string add = "(for i in $(seq 1 100); do echo \"addr add 198.51.100.$i/32 dev va\"; done) | ip -batch -";
    std::string del = "(for i in $(seq 1 100); do echo \"addr del 198.51.100.$i/32 dev va\"; done) | ip -batch -";
    ASSERT_EQ(sh(add), 0);
    auto count = [](const std::vector<interface_change>& changes, kind k) {
      size_t n = 0;
      for (auto& c : changes) n += c.what == k ? 1 : 0;
      return n;
    };
    EXPECT_TRUE(sight->wait_for(patience, [&](auto& c) { return count(c, kind::address_added) == 100; }))
        << describe(sight->take());
    auto added = sight->take();
    EXPECT_EQ(added.size(), 100u);  // each exactly once, nothing else
    auto current = on_loop(lp, [id](net::loop& l) {
      return l.find_as<net::interface_watcher>(id)->current();
    });
    EXPECT_EQ(current.find("va")->addresses.size(), 103u);
    ASSERT_EQ(sh(del), 0);
    EXPECT_TRUE(sight->wait_for(patience, [&](auto& c) { return count(c, kind::address_removed) == 100; }))
        << describe(sight->take());
    EXPECT_EQ(sight->take().size(), 100u);
    {
      std::lock_guard<std::mutex> guard{sight->mtx};
      // Coalesced: fewer reports than the 200 changes.
      EXPECT_LT(sight->batches, 200u);
    }
    EXPECT_EQ(lp.stop(), 0);
  }

  std::shared_ptr<seen> sight = std::make_shared<seen>();
};

TEST_F(interface_watch, the_snapshot_of_the_test_namespace_is_exact) {
  // SetUp compared it; compare again field by field for a readable failure.
  auto now = net::snapshot_interfaces();
  ASSERT_TRUE(now);
  auto expected = expected_topology();
  ASSERT_EQ(now->interfaces.size(), expected.interfaces.size());
  for (size_t i = 0; i < expected.interfaces.size(); ++i) {
    auto& got = now->interfaces[i];
    auto& want = expected.interfaces[i];
    EXPECT_EQ(got.name, want.name);
    EXPECT_EQ(got.index, want.index) << want.name;
    EXPECT_EQ(got.mac, want.mac) << want.name;
    EXPECT_EQ(got.internal, want.internal) << want.name;
    EXPECT_EQ(got.up, want.up) << want.name;
    EXPECT_EQ(got.running, want.running) << want.name;
    ASSERT_EQ(got.addresses.size(), want.addresses.size()) << want.name;
    for (size_t j = 0; j < want.addresses.size(); ++j) {
      EXPECT_EQ(got.addresses[j].address, want.addresses[j].address);
      EXPECT_EQ(got.addresses[j].netmask, want.addresses[j].netmask);
      EXPECT_EQ(got.addresses[j].prefix, want.addresses[j].prefix);
      EXPECT_EQ(got.addresses[j].scope_id, want.addresses[j].scope_id);
    }
  }
}

TEST_F(interface_watch, a_down_interface_is_listed_with_its_flags_mac_and_addresses) {
  ASSERT_EQ(sh("ip link add vc address 02:00:00:00:00:0c type veth peer name vd "
               "address 02:00:00:00:00:0d"),
            0);
  ASSERT_EQ(sh("ip addr add 198.51.100.12/24 dev vc"), 0);
  ASSERT_EQ(sh("ip -6 addr add 2001:db8::12/64 dev vc nodad"), 0);
  auto now = net::snapshot_interfaces();
  ASSERT_EQ(sh("ip link del vc"), 0);
  ASSERT_TRUE(now);
  auto* vc = now->find("vc");
  ASSERT_NE(vc, nullptr);
  EXPECT_EQ(vc->mac, "02:00:00:00:00:0c");
  EXPECT_FALSE(vc->up);
  EXPECT_FALSE(vc->running);
  EXPECT_FALSE(vc->internal);
  EXPECT_NE(vc->index, 0u);
  ASSERT_NE(now->find("vd"), nullptr);
  EXPECT_NE(vc->index, now->find("vd")->index);
  // libuv's uv_interface_addresses would have left both out.
  EXPECT_EQ(vc->addresses,
            (std::vector<net::interface_address>{
                {net::ip_family::v4, "198.51.100.12", "255.255.255.0", 24, 0},
                {net::ip_family::v6, "2001:db8::12", "ffff:ffff:ffff:ffff::", 64, 0}}));
}

TEST_F(interface_watch, netlink_sees_addresses_added_and_removed) {
  net::loop lp;
  auto opts = by_netlink();
  auto [id, how] = start(lp, opts);
  ASSERT_NE(id, 0u);
  EXPECT_EQ(how, net::interface_watcher::method::netlink);
  check_sees_address_added_and_removed();
  EXPECT_EQ(lp.stop(), 0);
  std::lock_guard<std::mutex> guard{sight->mtx};
  EXPECT_TRUE(sight->closing);
  EXPECT_TRUE(sight->errors.empty()) << sight->errors.front();
}

TEST_F(interface_watch, netlink_sees_a_link_go_down_and_up) {
  net::loop lp;
  auto opts = by_netlink();
  auto [id, how] = start(lp, opts);
  ASSERT_NE(id, 0u);
  EXPECT_EQ(how, net::interface_watcher::method::netlink);
  check_sees_link_down_and_up();
  EXPECT_EQ(lp.stop(), 0);
}

TEST_F(interface_watch, netlink_sees_a_carrier_flap_as_link_changes_only) {
  net::loop lp;
  auto opts = by_netlink();
  ASSERT_NE(start(lp, opts).first, 0u);
  check_a_carrier_flap_changes_links_only();
  EXPECT_EQ(lp.stop(), 0);
}

TEST_F(interface_watch, a_link_without_carrier_keeps_its_addresses_in_the_snapshot) {
  ASSERT_EQ(sh("ip link set vb down"), 0);
  // Carrier loss reaches va asynchronously (the kernel's link watch).
  auto no_carrier = expected_topology();
  no_carrier.interfaces[1].running = false;  // va: up, no carrier
  no_carrier.interfaces[2].up = no_carrier.interfaces[2].running = false;  // vb
  // Equal snapshots include every address of va.
  EXPECT_TRUE(snapshot_becomes(no_carrier)) << "va never reported without carrier and with its addresses";
  ASSERT_EQ(sh("ip link set vb up"), 0);
  EXPECT_TRUE(snapshot_becomes(expected_topology()));
}

TEST_F(interface_watch, netlink_sees_interfaces_come_and_go) {
  net::loop lp;
  auto opts = by_netlink();
  ASSERT_NE(start(lp, opts).first, 0u);
  ASSERT_EQ(sh("ip link add vc type veth peer name vd"), 0);
  EXPECT_TRUE(sight->wait_for(patience, [](auto& changes) {
    int added = 0;
    for (auto& c : changes)
      if (c.what == kind::interface_added && (c.interface.name == "vc" || c.interface.name == "vd"))
        ++added;
    return added == 2;
  })) << describe(sight->take());
  ASSERT_EQ(sh("ip link del vc"), 0);  // takes its peer along
  EXPECT_TRUE(sight->wait_for(patience, [](auto& changes) {
    int removed = 0;
    for (auto& c : changes)
      if (c.what == kind::interface_removed && (c.interface.name == "vc" || c.interface.name == "vd"))
        ++removed;
    return removed == 2;
  })) << describe(sight->take());
  EXPECT_EQ(lp.stop(), 0);
}

TEST_F(interface_watch, netlink_misses_nothing_in_a_burst_of_changes) {
  auto opts = by_netlink();
  check_a_burst_of_changes(opts);
}

// The kernel drops notifications when the socket's queue overflows (here:
// 1000 addresses in one burst into the smallest receive buffer the kernel
// allows, while the loop is held so it cannot keep up). The watcher resyncs from a fresh dump: every address is reported
// exactly once, and the state reported last is what a fresh snapshot says.
TEST_F(interface_watch, netlink_resyncs_after_an_overflow_and_loses_no_change) {
  net::loop lp;
  auto opts = by_netlink();
  opts.netlink_receive_buffer = 1;
  auto id = start(lp, opts).first;
  ASSERT_NE(id, 0u);
  auto count = [](const std::vector<interface_change>& changes, kind k) {
    size_t n = 0;
    for (auto& c : changes) n += c.what == k ? 1 : 0;
    return n;
  };
  auto va_addresses = [this] {
    std::lock_guard<std::mutex> guard{sight->mtx};
    auto* va = sight->last.find("va");
    return va ? va->addresses.size() : 0u;
  };
  std::string add = "(for i in $(seq 0 999); do echo \"addr add 10.$((i / 250)).$((i % 250)).1/32 dev va\"; done) | ip -batch -";
  std::string del = "(for i in $(seq 0 999); do echo \"addr del 10.$((i / 250)).$((i % 250)).1/32 dev va\"; done) | ip -batch -";
  {
    // Hold the loop while the burst is applied, so that the kernel's queue
    // certainly overflows (a loop that keeps up would prove nothing).
    std::promise<void> held, release;
    auto go_on = release.get_future().share();
    ASSERT_TRUE(lp.post([&held, go_on](net::loop&) {
      held.set_value();
      go_on.wait();
    }));
    held.get_future().wait();
    int rc = sh(add);
    release.set_value();
    ASSERT_EQ(rc, 0);
  }
  EXPECT_TRUE(sight->wait_for(patience, [&](auto& c) { return count(c, kind::address_added) >= 1000; }))
      << count(sight->take(), kind::address_added) << " additions reported";
  auto fresh = net::snapshot_interfaces();
  ASSERT_TRUE(fresh);
  EXPECT_EQ(va_addresses(), 1003u);
  {
    std::lock_guard<std::mutex> guard{sight->mtx};
    EXPECT_EQ(sight->last, *fresh);
  }
  EXPECT_EQ(sight->take().size(), 1000u);  // each exactly once, nothing else
  ASSERT_EQ(sh(del), 0);
  EXPECT_TRUE(sight->wait_for(patience, [&](auto& c) { return count(c, kind::address_removed) >= 1000; }))
      << count(sight->take(), kind::address_removed) << " removals reported";
  EXPECT_EQ(sight->take().size(), 1000u);
  auto resyncs = on_loop(lp, [id](net::loop& l) {
    auto* w = l.find_as<net::netlink_watcher>(id);
    return w ? w->resyncs() : 0u;
  });
  EXPECT_GT(resyncs, 0u) << "the burst did not overflow the socket: the test proves nothing";
  {
    std::lock_guard<std::mutex> guard{sight->mtx};
    EXPECT_EQ(sight->last, expected_topology());
    EXPECT_FALSE(sight->closing);
    EXPECT_TRUE(sight->errors.empty()) << sight->errors.front();
  }
  EXPECT_EQ(lp.stop(), 0);
}

// A watcher whose socket breaks cannot go on: it closes and tells its
// observer why. (The socket here is a UDP one that an ICMP port unreachable
// breaks, the same POLLERR a netlink socket would give.)
TEST_F(interface_watch, a_watcher_whose_socket_breaks_closes_and_says_why) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in nobody{};
  nobody.sin_family = AF_INET;
  nobody.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  nobody.sin_port = htons(9);  // nothing listens in the test namespace
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&nobody), sizeof(nobody)), 0);
  net::loop lp;
  auto s = sight;
  auto id = on_loop(lp, [fd, s](net::loop& l) {
    auto w = net::netlink_watcher::create(l, fd, std::make_unique<recording_observer>(s));
    EXPECT_TRUE(w) << w.error().to_string();
    if (!w) return net::handle_id{0};
    // The datagram's ICMP answer sets the socket's error: POLLERR.
    EXPECT_EQ(::send(fd, "x", 1, 0), 1);
    return (*w)->id();
  });
  ASSERT_NE(id, 0u);
  EXPECT_TRUE(sight->wait_for(patience, [&](auto&) { return sight->closing; }));
  {
    std::lock_guard<std::mutex> guard{sight->mtx};
    EXPECT_EQ(sight->closing_reason, "ECONNREFUSED: connection refused (netlink socket)");
  }
  EXPECT_EQ(on_loop(lp, [](net::loop& l) { return l.handle_count(); }), 0u);
  EXPECT_EQ(lp.stop(), 0);
}

TEST_F(interface_watch, polling_misses_nothing_in_a_burst_of_changes) {
  auto opts = by_polling(2);
  check_a_burst_of_changes(opts);
}

TEST_F(interface_watch, polling_fallback_sees_addresses_added_and_removed) {
  net::loop lp;
  auto opts = by_polling(50);
  auto [id, how] = start(lp, opts);
  ASSERT_NE(id, 0u);
  EXPECT_EQ(how, net::interface_watcher::method::polling);
  check_sees_address_added_and_removed();
  EXPECT_EQ(lp.stop(), 0);
}

TEST_F(interface_watch, polling_sees_a_carrier_flap_as_link_changes_only) {
  net::loop lp;
  auto opts = by_polling(5);
  ASSERT_NE(start(lp, opts).first, 0u);
  check_a_carrier_flap_changes_links_only();
  EXPECT_EQ(lp.stop(), 0);
}

TEST_F(interface_watch, polling_fallback_sees_a_link_go_down_and_up) {
  net::loop lp;
  auto opts = by_polling(50);
  ASSERT_NE(start(lp, opts).first, 0u);
  check_sees_link_down_and_up();
  EXPECT_EQ(lp.stop(), 0);
}

TEST_F(interface_watch, automatic_prefers_netlink_on_linux) {
  net::loop lp;
  auto [id, how] = start(lp, {});
  ASSERT_NE(id, 0u);
  EXPECT_EQ(how, net::interface_watcher::method::netlink);
  EXPECT_EQ(lp.stop(), 0);
}

TEST_F(interface_watch, a_closed_watcher_reports_nothing_more_and_the_loop_closes_clean) {
  net::loop lp;
  auto opts = by_netlink();
  auto id = start(lp, opts).first;
  ASSERT_NE(id, 0u);
  auto left = on_loop(lp, [id](net::loop& l) {
    l.find(id)->close();
    return l.handle_count();
  });
  EXPECT_EQ(left, 1u);  // closing until its close callback
  EXPECT_TRUE(sight->wait_for(patience, [&](auto&) { return sight->closing; }));
  {
    std::lock_guard<std::mutex> guard{sight->mtx};
    EXPECT_EQ(sight->closing_reason, "");  // closed by its owner
  }
  EXPECT_EQ(on_loop(lp, [](net::loop& l) { return l.handle_count(); }), 0u);
  // A second, live watcher on the same loop: once it has seen the change,
  // the closed one would have too (the loop serves both in one iteration).
  auto closed = sight;
  sight = std::make_shared<seen>();
  ASSERT_NE(start(lp, opts).first, 0u);
  ASSERT_EQ(sh("ip addr add 198.51.100.7/24 dev va"), 0);
  ASSERT_EQ(sh("ip addr del 198.51.100.7/24 dev va"), 0);
  EXPECT_TRUE(sight->wait_for(patience, [](auto& c) {
    return has_address_event(c, kind::address_removed, "va", "198.51.100.7");
  })) << describe(sight->take());
  EXPECT_TRUE(closed->take().empty());
  EXPECT_EQ(lp.stop(), 0);
}

TEST_F(interface_watch, many_watchers_on_many_loops_agree) {
  // The thread boundary, hammered: four loops, each with a netlink watcher
  // and a poller, all reporting into their own observers while the test
  // thread changes addresses.
  std::vector<std::unique_ptr<net::loop>> loops;
  std::vector<std::shared_ptr<seen>> sights;
  for (int i = 0; i < 4; ++i) {
    loops.push_back(std::make_unique<net::loop>("watch-" + std::to_string(i)));
    for (auto use : {net::interface_watch_options::method::netlink,
                     net::interface_watch_options::method::polling}) {
      auto s = std::make_shared<seen>();
      sights.push_back(s);
      net::interface_watch_options opts;
      opts.use = use;
      opts.poll_interval_ms = 20;
      auto ok = on_loop(*loops.back(), [opts, s](net::loop& l) {
        return static_cast<bool>(
            net::watch_interfaces(l, opts, std::make_unique<recording_observer>(s)));
      });
      ASSERT_TRUE(ok);
    }
  }
  auto count = [](const std::vector<interface_change>& c, kind k) {
    size_t n = 0;
    for (auto& x : c) n += x.what == k ? 1 : 0;
    return n;
  };
  // Every watcher must see all five additions before they are undone, so
  // that a poller cannot miss an address that came and went between ticks.
  for (int i = 1; i <= 5; ++i)
    ASSERT_EQ(sh("ip addr add 198.51.100." + std::to_string(i) + "/32 dev va"), 0);
  for (auto& s : sights)
    EXPECT_TRUE(s->wait_for(patience, [&](auto& c) { return count(c, kind::address_added) == 5; }))
        << describe(s->take());
  for (int i = 1; i <= 5; ++i)
    ASSERT_EQ(sh("ip addr del 198.51.100." + std::to_string(i) + "/32 dev va"), 0);
  for (auto& s : sights) {
    EXPECT_TRUE(s->wait_for(patience, [&](auto& c) { return count(c, kind::address_removed) == 5; }))
        << describe(s->take());
    EXPECT_EQ(s->take().size(), 10u);  // each address once in, once out
  }
  for (auto& l : loops) EXPECT_EQ(l->stop(), 0);
}

}  // namespace
