// netactors::dhcp_discovery under CAF's deterministic scheduler: a fake link
// (a fixed MAC) and a real UDP socket actor over a fake io, so every
// datagram the discovery sends is read back and every reply is scripted,
// and time (retransmissions, the offer window, the timeout) is the test's.
#include "actors/dhcp/dhcp_discovery.hpp"

#include <caf/all.hpp>

#include <gtest/gtest.h>

#include <uv.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "actors/messages/messages.hpp"
#include "actors/udp/udp_socket.hpp"
#include "net/dhcp/dhcp_codec.hpp"
#include "net/dhcp/dhcp_message.hpp"
#include "tests/actors/actor_test_fixture.hpp"
#include "tests/udp/fake_udp_io.hpp"

namespace netactors {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::fake_udp_io;
using testing::probe_log;
namespace dhcp = net::dhcp;

constexpr dhcp::mac_address our_mac{0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};
constexpr uint32_t our_xid = 0xdeadbeef;

net::endpoint ep(const char* text) { return *net::endpoint::parse(text); }

class fake_link final : public dhcp_io {
 public:
  fake_link(caf::actor_system& sys, std::shared_ptr<fake_udp_io> io)
      : sys_(sys), io_(std::move(io)) {}

  net_error mac_result;
  udp_socket_actor socket;  ///< the socket actor open_socket() spawned
  std::vector<std::string> asked;

  net_error hardware_address(const std::string& name,
                             std::array<uint8_t, 6>& mac) override {
    asked.push_back(name);
    if (!mac_result) mac = our_mac;
    return mac_result;
  }

  udp_socket_actor open_socket(caf::actor owner) override {
    socket = sys_.spawn(udp_socket, std::shared_ptr<udp_io>{io_},
                        std::move(owner), udp_socket_options{});
    return socket;
  }

 private:
  caf::actor_system& sys_;
  std::shared_ptr<fake_udp_io> io_;
};

/// A server's reply as the codec builds it; tests then spoil one field.
dhcp::dhcp_message reply(dhcp::message_type type, const char* server,
                         const char* your_ip, uint32_t xid = our_xid) {
  dhcp::dhcp_message m;
  m.op = dhcp::boot_reply;
  m.xid = xid;
  m.flags = dhcp::broadcast_flag;
  m.set_client_mac(our_mac);
  m.yiaddr = *dhcp::parse_ipv4(your_ip);
  m.siaddr = *dhcp::parse_ipv4(server);
  m.set_type(type);
  m.set_server_identifier(*dhcp::parse_ipv4(server));
  m.set_subnet_mask(*dhcp::parse_ipv4("255.255.255.0"));
  m.set_routers({*dhcp::parse_ipv4(server)});
  m.set_dns_servers({*dhcp::parse_ipv4("192.0.2.53"), *dhcp::parse_ipv4("192.0.2.54")});
  m.set_lease_time(3600);
  return m;
}

net::byte_buffer bytes_of(const dhcp::dhcp_message& m) {
  auto wire = dhcp::serialize(m);
  return net::byte_buffer::copy_of(
      {reinterpret_cast<const char*>(wire.data()), wire.size()});
}

class dhcp_discovery_test : public testing::actor_test {
 protected:
  dhcp_discovery_test() {
    config.interface = "veth0";
    config.xid = our_xid;
    config.timeout = seconds(300);
    config.offer_window = milliseconds(500);
    config.backoff.jitter = milliseconds(0);
    config.seed = 42;
  }

  void start() {
    discovery = spawn(dhcp_discovery, std::shared_ptr<dhcp_io>{link}, config, owner);
    ended = watch(discovery);
    run();
  }

  /// The datagrams the discovery sent so far, parsed.
  std::vector<dhcp::dhcp_message> sent() {
    std::vector<dhcp::dhcp_message> out;
    for (auto& s : io->sends) {
      auto parsed = dhcp::parse(reinterpret_cast<const uint8_t*>(s.bytes.data()),
                                s.bytes.size());
      EXPECT_TRUE(parsed) << "the discovery sent a malformed packet";
      EXPECT_EQ(s.to, ep("255.255.255.255:67"));
      if (parsed) out.push_back(*parsed);
    }
    return out;
  }

  /// `m` arrives on the socket from `from`, as the loop would deliver it.
  void arrive(net::byte_buffer bytes, const char* from = "192.0.2.1:67",
              bool truncated = false) {
    caf::send_as(caf::actor_cast<caf::actor>(link->socket), discovery,
                 udp_received{9, ep(from), std::move(bytes), truncated});
    run();
  }
  void arrive(const dhcp::dhcp_message& m, const char* from = "192.0.2.1:67") {
    arrive(bytes_of(m), from);
  }

  const dhcp_discovery_done* done() {
    for (auto& m : owner_log->messages)
      if (m.is<dhcp_discovery_done>()) return &m.as<dhcp_discovery_done>();
    return nullptr;
  }

  std::shared_ptr<fake_udp_io> io = std::make_shared<fake_udp_io>(9);
  std::shared_ptr<fake_link> link = std::make_shared<fake_link>(sys, io);
  std::shared_ptr<probe_log> owner_log = std::make_shared<probe_log>();
  caf::actor owner = spawn_probe(owner_log);
  dhcp_discovery_config config;
  caf::actor discovery;
  std::shared_ptr<testing::watch_outcome> ended;
};

// -- the schedule -----------------------------------------------------------

TEST(dhcp_backoff, doubles_from_4_s_up_to_64_s_with_plus_minus_1_s_of_jitter) {
  dhcp_backoff b;
  EXPECT_EQ(b.delay(0, 0.5), milliseconds(4000));
  EXPECT_EQ(b.delay(1, 0.5), milliseconds(8000));
  EXPECT_EQ(b.delay(2, 0.5), milliseconds(16000));
  EXPECT_EQ(b.delay(3, 0.5), milliseconds(32000));
  EXPECT_EQ(b.delay(4, 0.5), milliseconds(64000));
  EXPECT_EQ(b.delay(5, 0.5), milliseconds(64000));
  EXPECT_EQ(b.delay(4000000000u, 0.5), milliseconds(64000));
  EXPECT_EQ(b.delay(0, 0.0), milliseconds(3000));
  EXPECT_EQ(b.delay(0, 1.0), milliseconds(5000));
  EXPECT_EQ(b.delay(9, 0.0), milliseconds(63000));
  EXPECT_EQ(b.delay(9, 1.0), milliseconds(65000));
}

TEST(dhcp_backoff, is_configurable_and_never_negative) {
  dhcp_backoff fast{milliseconds(10), milliseconds(40), milliseconds(30)};
  EXPECT_EQ(fast.delay(0, 0.5), milliseconds(10));
  EXPECT_EQ(fast.delay(1, 0.5), milliseconds(20));
  EXPECT_EQ(fast.delay(2, 0.5), milliseconds(40));
  EXPECT_EQ(fast.delay(3, 0.5), milliseconds(40));
  EXPECT_EQ(fast.delay(0, 0.0), milliseconds(0));
}

// -- starting ---------------------------------------------------------------

TEST_F(dhcp_discovery_test, binds_port_68_on_the_interface_turns_broadcast_on_and_broadcasts_a_discover) {
  start();
  EXPECT_EQ(link->asked, std::vector<std::string>{"veth0"});
  EXPECT_EQ(io->calls, (std::vector<std::string>{
                           "attach", "bind 0.0.0.0:68 reuse device=veth0",
                           "receive_start 65536", "broadcast on",
                           "send 255.255.255.255:67"}));
  auto packets = sent();
  ASSERT_EQ(packets.size(), 1u);
  auto& d = packets[0];
  EXPECT_EQ(d.op, dhcp::boot_request);
  EXPECT_EQ(d.type(), dhcp::message_type::discover);
  EXPECT_EQ(d.xid, our_xid);
  EXPECT_EQ(d.client_mac(), our_mac);
  EXPECT_EQ(d.flags, dhcp::broadcast_flag);
  EXPECT_GE(d.secs, 1);
  EXPECT_FALSE(ended->ended);
}

TEST_F(dhcp_discovery_test, picks_a_random_xid_when_none_is_given_and_reports_it) {
  config.xid = 0;
  config.timeout = seconds(1);
  start();
  auto other_io = std::make_shared<fake_udp_io>(9);
  auto other_link = std::make_shared<fake_link>(sys, other_io);
  spawn(dhcp_discovery, std::shared_ptr<dhcp_io>{other_link}, config, owner);
  run();
  ASSERT_EQ(io->sends.size(), 1u);
  ASSERT_EQ(other_io->sends.size(), 1u);
  auto first = sent()[0].xid;
  auto second = dhcp::parse(
      reinterpret_cast<const uint8_t*>(other_io->sends[0].bytes.data()),
      other_io->sends[0].bytes.size());
  ASSERT_TRUE(second);
  EXPECT_NE(first, second->xid) << "two discoveries, one xid";
  advance(seconds(1));
  auto results = owner_log->all<dhcp_discovery_done>();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE((results[0].xid == first && results[1].xid == second->xid) ||
              (results[1].xid == first && results[0].xid == second->xid));
}

TEST_F(dhcp_discovery_test, an_unknown_interface_ends_it_with_enodev_before_any_socket) {
  link->mac_result = net_error::of(UV_ENODEV, "interface nosuch0");
  start();
  ASSERT_NE(done(), nullptr);
  EXPECT_EQ(done()->error.name, "ENODEV");
  EXPECT_EQ(done()->interface, "veth0");
  EXPECT_TRUE(done()->offers.empty());
  EXPECT_FALSE(link->socket);
  EXPECT_TRUE(ended->ended);
}

TEST_F(dhcp_discovery_test, a_bind_error_ends_it_with_that_error) {
  io->bind_result = net_error::of(UV_EACCES, "bind 0.0.0.0:68");
  start();
  ASSERT_NE(done(), nullptr);
  EXPECT_EQ(done()->error.name, "EACCES");
  EXPECT_EQ(done()->discovers_sent, 0u);
  EXPECT_TRUE(ended->ended);
  EXPECT_TRUE(io->closed());
}

TEST_F(dhcp_discovery_test, a_broadcast_option_error_ends_it_with_that_error) {
  io->option_result = net_error::of(UV_EPERM, "broadcast on");
  start();
  ASSERT_NE(done(), nullptr);
  EXPECT_EQ(done()->error.name, "EPERM");
  EXPECT_TRUE(io->sends.empty());
  EXPECT_TRUE(ended->ended);
}

TEST_F(dhcp_discovery_test, a_failed_send_ends_it_with_the_sends_error) {
  start();
  ASSERT_EQ(io->sends.size(), 1u);
  // libuv reports ENETUNREACH only in the send callback.
  // As the socket's own seam does (io events from anyone else are ignored;
  // the public handle does not even take them: the seam's is untyped).
  auto seam_self = caf::actor_cast<caf::actor>(link->socket);
  caf::send_as(seam_self, seam_self,
               udp_io_send_done{io->sends[0].token,
                                net_error::of(UV_ENETUNREACH, "send")});
  run();
  ASSERT_NE(done(), nullptr);
  EXPECT_EQ(done()->error.name, "ENETUNREACH");
  EXPECT_TRUE(ended->ended);
  EXPECT_TRUE(io->closed());
}

// -- retransmission -----------------------------------------------------------

TEST_F(dhcp_discovery_test, retransmits_the_discover_after_4_8_16_32_64_64_seconds) {
  start();
  // Cumulative times of each DISCOVER: 0, 4, 12, 28, 60, 124, 188.
  std::vector<int> due{4, 12, 28, 60, 124, 188};
  int now = 0;
  size_t expected = 1;
  for (int at : due) {
    advance(milliseconds((at - now) * 1000 - 1));
    EXPECT_EQ(io->sends.size(), expected) << "too early, before " << at << " s";
    advance(milliseconds(1));
    EXPECT_EQ(io->sends.size(), ++expected) << "nothing at " << at << " s";
    now = at;
  }
  auto packets = sent();
  for (auto& p : packets) {
    EXPECT_EQ(p.type(), dhcp::message_type::discover);
    EXPECT_EQ(p.xid, our_xid);
  }
  EXPECT_EQ(packets.back().secs, 188) << "secs counts from the first DISCOVER";
}

TEST_F(dhcp_discovery_test, jitter_keeps_each_retransmission_within_1_s_of_the_schedule) {
  config.backoff.jitter = milliseconds(1000);
  config.seed = 7;
  start();
  std::vector<int> nominal{4000, 12000, 28000, 60000};
  int now = 0;
  int last = 0;
  for (size_t i = 0; i < nominal.size(); ++i) {
    int slack = static_cast<int>(i) + 1;  // jitter accumulates, 1 s per wait
    advance(milliseconds(nominal[i] - slack * 1000 - 1 - now));
    now = nominal[i] - slack * 1000 - 1;
    EXPECT_EQ(io->sends.size(), i + 1) << "retransmission " << i + 1 << " too early";
    while (io->sends.size() == i + 1 && now < nominal[i] + slack * 1000) {
      advance(milliseconds(1));
      ++now;
    }
    EXPECT_EQ(io->sends.size(), i + 2) << "retransmission " << i + 1 << " too late";
    // Each wait on its own is within 1 s of its nominal length.
    int wait = now - last;
    int nominal_wait = nominal[i] - (i == 0 ? 0 : nominal[i - 1]);
    EXPECT_LE(std::abs(wait - nominal_wait), 1000) << "wait " << i;
    last = now;
  }
}

TEST_F(dhcp_discovery_test, a_fast_schedule_for_tests_is_honoured) {
  config.backoff = dhcp_backoff{milliseconds(10), milliseconds(40), milliseconds(0)};
  start();
  advance(milliseconds(10 + 20 + 40 + 40));
  EXPECT_EQ(io->sends.size(), 5u);
}

// -- offers -----------------------------------------------------------------

TEST_F(dhcp_discovery_test, reports_an_offer_with_every_field_and_where_it_came_from) {
  start();
  arrive(reply(dhcp::message_type::offer, "192.0.2.1", "192.0.2.123"), "192.0.2.1:67");
  auto events = owner_log->all<dhcp_offer>();
  ASSERT_EQ(events.size(), 1u);
  auto& o = events[0];
  EXPECT_EQ(o.server_id, "192.0.2.1");
  EXPECT_EQ(o.your_ip, "192.0.2.123");
  EXPECT_EQ(o.subnet_mask, "255.255.255.0");
  EXPECT_EQ(o.routers, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(o.dns, (std::vector<std::string>{"192.0.2.53", "192.0.2.54"}));
  EXPECT_EQ(o.lease_seconds, 3600u);
  EXPECT_EQ(o.source, ep("192.0.2.1:67"));
  EXPECT_EQ(done(), nullptr) << "done before the offer window closed";
  advance(milliseconds(500));
  ASSERT_NE(done(), nullptr);
  EXPECT_TRUE(done()->error.ok());
  EXPECT_EQ(done()->mac, "02:00:5e:10:20:30");
  EXPECT_EQ(done()->xid, our_xid);
  ASSERT_EQ(done()->offers.size(), 1u);
  EXPECT_EQ(done()->offers[0].your_ip, "192.0.2.123");
  EXPECT_EQ(done()->ack.type, "");
  EXPECT_TRUE(ended->ended);
  EXPECT_TRUE(io->closed());
}

TEST_F(dhcp_discovery_test, ignores_everything_but_bootreply_offers_with_its_xid_and_chaddr) {
  start();
  auto other_xid = reply(dhcp::message_type::offer, "192.0.2.9", "192.0.2.66", our_xid + 1);
  auto other_mac = reply(dhcp::message_type::offer, "192.0.2.9", "192.0.2.67");
  other_mac.chaddr[5] ^= 0x01;
  auto a_request = reply(dhcp::message_type::offer, "192.0.2.9", "192.0.2.68");
  a_request.op = dhcp::boot_request;
  auto an_ack = reply(dhcp::message_type::ack, "192.0.2.9", "192.0.2.69");
  auto no_server_id = reply(dhcp::message_type::offer, "192.0.2.9", "192.0.2.70");
  no_server_id.remove_option(dhcp::option_code::server_identifier);
  auto token_ring = reply(dhcp::message_type::offer, "192.0.2.9", "192.0.2.71");
  token_ring.htype = 6;
  arrive(other_xid);
  arrive(other_mac);
  arrive(a_request);
  arrive(an_ack);
  arrive(no_server_id);
  arrive(token_ring);
  arrive(net::byte_buffer::copy_of("not dhcp at all"));
  arrive(net::byte_buffer{});
  // A truncated datagram is never taken for whole, even if it parses.
  arrive(bytes_of(reply(dhcp::message_type::offer, "192.0.2.9", "192.0.2.72")),
         "192.0.2.9:67", true);
  EXPECT_TRUE(owner_log->all<dhcp_offer>().empty());
  arrive(reply(dhcp::message_type::offer, "192.0.2.1", "192.0.2.123"));
  advance(milliseconds(500));
  ASSERT_NE(done(), nullptr);
  ASSERT_EQ(done()->offers.size(), 1u);
  EXPECT_EQ(done()->offers[0].your_ip, "192.0.2.123");
  EXPECT_EQ(done()->ignored, 9u);
}

TEST_F(dhcp_discovery_test, collects_every_offer_within_the_window_once_each) {
  start();
  arrive(reply(dhcp::message_type::offer, "192.0.2.1", "192.0.2.123"), "192.0.2.1:67");
  advance(milliseconds(200));
  arrive(reply(dhcp::message_type::offer, "192.0.2.2", "192.0.2.223"), "192.0.2.2:67");
  arrive(reply(dhcp::message_type::offer, "192.0.2.1", "192.0.2.123"), "192.0.2.1:67");
  advance(milliseconds(299));
  EXPECT_EQ(done(), nullptr);
  advance(milliseconds(1));
  ASSERT_NE(done(), nullptr);
  ASSERT_EQ(done()->offers.size(), 2u);
  EXPECT_EQ(done()->offers[0].server_id, "192.0.2.1");
  EXPECT_EQ(done()->offers[1].server_id, "192.0.2.2");
  EXPECT_EQ(done()->offers[1].source, ep("192.0.2.2:67"));
  EXPECT_EQ(owner_log->all<dhcp_offer>().size(), 2u);
}

// A flood of offers (one forger can send thousands in a second): the
// discovery keeps the first max_offers (64 by default), reports only those,
// and counts the rest.
TEST_F(dhcp_discovery_test, keeps_at_most_64_offers_of_a_burst_and_counts_the_rest) {
  config.request = true;
  start();
  for (int i = 0; i < 1000; ++i) {
    auto ip = "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
    arrive(reply(dhcp::message_type::offer, "192.0.2.1", ip.c_str()));
  }
  EXPECT_EQ(owner_log->all<dhcp_offer>().size(), 64u);
  advance(config.offer_window);
  // The first offer is still the one requested.
  auto packets = sent();
  ASSERT_EQ(packets.size(), 2u);
  EXPECT_EQ(packets[1].requested_ip(), dhcp::parse_ipv4("10.0.0.1"));
  arrive(reply(dhcp::message_type::ack, "192.0.2.1", "10.0.0.1"));
  ASSERT_NE(done(), nullptr);
  EXPECT_EQ(done()->offers.size(), 64u);
  EXPECT_EQ(done()->offers.back().your_ip, "10.0.0.64");
  EXPECT_EQ(done()->offers_dropped, 936u);
  EXPECT_EQ(done()->ignored, 0u);
  EXPECT_EQ(done()->ack.type, "ack");
}

TEST_F(dhcp_discovery_test, the_offer_cap_is_configurable) {
  config.max_offers = 2;
  start();
  arrive(reply(dhcp::message_type::offer, "192.0.2.1", "192.0.2.123"));
  arrive(reply(dhcp::message_type::offer, "192.0.2.2", "192.0.2.223"), "192.0.2.2:67");
  arrive(reply(dhcp::message_type::offer, "192.0.2.3", "192.0.2.233"), "192.0.2.3:67");
  arrive(reply(dhcp::message_type::offer, "192.0.2.1", "192.0.2.123"));  // a repeat: kept already
  advance(config.offer_window);
  ASSERT_NE(done(), nullptr);
  EXPECT_EQ(done()->offers.size(), 2u);
  EXPECT_EQ(done()->offers_dropped, 1u);
  EXPECT_EQ(owner_log->all<dhcp_offer>().size(), 2u);
}

TEST_F(dhcp_discovery_test, stops_retransmitting_once_an_offer_came) {
  config.offer_window = seconds(100);
  start();
  advance(seconds(4));
  ASSERT_EQ(io->sends.size(), 2u);
  arrive(reply(dhcp::message_type::offer, "192.0.2.1", "192.0.2.123"));
  advance(seconds(99));
  EXPECT_EQ(io->sends.size(), 2u);
  EXPECT_EQ(done(), nullptr);
  advance(seconds(1));
  ASSERT_NE(done(), nullptr);
  EXPECT_EQ(done()->discovers_sent, 2u);
}

TEST_F(dhcp_discovery_test, without_offers_it_reports_none_at_the_timeout) {
  config.timeout = seconds(10);
  start();
  advance(milliseconds(9999));
  EXPECT_EQ(done(), nullptr);
  advance(milliseconds(1));
  ASSERT_NE(done(), nullptr);
  EXPECT_TRUE(done()->error.ok());
  EXPECT_TRUE(done()->offers.empty());
  EXPECT_EQ(done()->discovers_sent, 2u);  // at 0 s and 4 s
  EXPECT_TRUE(ended->ended);
  EXPECT_TRUE(io->closed());
}

// -- requesting -------------------------------------------------------------

TEST_F(dhcp_discovery_test, requests_the_first_offer_and_reports_the_ack) {
  config.request = true;
  start();
  arrive(reply(dhcp::message_type::offer, "192.0.2.1", "192.0.2.123"));
  arrive(reply(dhcp::message_type::offer, "192.0.2.2", "192.0.2.223"), "192.0.2.2:67");
  advance(milliseconds(500));
  auto packets = sent();
  ASSERT_EQ(packets.size(), 2u);
  auto& req = packets[1];
  EXPECT_EQ(req.type(), dhcp::message_type::request);
  EXPECT_EQ(req.xid, our_xid);
  EXPECT_EQ(req.client_mac(), our_mac);
  EXPECT_EQ(req.requested_ip(), dhcp::parse_ipv4("192.0.2.123"));
  EXPECT_EQ(req.server_identifier(), dhcp::parse_ipv4("192.0.2.1"));
  EXPECT_EQ(req.ciaddr, (dhcp::ipv4_address{0, 0, 0, 0}));
  EXPECT_EQ(done(), nullptr);
  arrive(reply(dhcp::message_type::ack, "192.0.2.1", "192.0.2.123"));
  ASSERT_NE(done(), nullptr);
  EXPECT_EQ(done()->ack.type, "ack");
  EXPECT_EQ(done()->ack.server_id, "192.0.2.1");
  EXPECT_EQ(done()->ack.your_ip, "192.0.2.123");
  EXPECT_EQ(done()->ack.lease_seconds, 3600u);
  EXPECT_EQ(done()->offers.size(), 2u);
  EXPECT_EQ(done()->requests_sent, 1u);
  EXPECT_TRUE(ended->ended);
}

TEST_F(dhcp_discovery_test, reports_a_nak_with_its_message) {
  config.request = true;
  start();
  arrive(reply(dhcp::message_type::offer, "192.0.2.1", "192.0.2.123"));
  advance(milliseconds(500));
  auto nak = reply(dhcp::message_type::nak, "192.0.2.1", "0.0.0.0");
  nak.set_message_text("address in use");
  arrive(nak);
  ASSERT_NE(done(), nullptr);
  EXPECT_EQ(done()->ack.type, "nak");
  EXPECT_EQ(done()->ack.message, "address in use");
  EXPECT_TRUE(done()->error.ok());
}

TEST_F(dhcp_discovery_test, ignores_answers_from_other_servers_and_retransmits_the_request) {
  config.request = true;
  start();
  arrive(reply(dhcp::message_type::offer, "192.0.2.1", "192.0.2.123"));
  advance(milliseconds(500));
  arrive(reply(dhcp::message_type::ack, "192.0.2.2", "192.0.2.223"), "192.0.2.2:67");
  arrive(reply(dhcp::message_type::nak, "192.0.2.2", "0.0.0.0"), "192.0.2.2:67");
  arrive(reply(dhcp::message_type::ack, "192.0.2.1", "192.0.2.123", our_xid ^ 1));
  EXPECT_EQ(done(), nullptr);
  advance(seconds(4));
  auto packets = sent();
  ASSERT_EQ(packets.size(), 3u);
  EXPECT_EQ(packets[2].type(), dhcp::message_type::request);
  arrive(reply(dhcp::message_type::ack, "192.0.2.1", "192.0.2.123"));
  ASSERT_NE(done(), nullptr);
  EXPECT_EQ(done()->ack.type, "ack");
  EXPECT_EQ(done()->requests_sent, 2u);
  EXPECT_EQ(done()->ignored, 3u);
}

TEST_F(dhcp_discovery_test, a_request_unanswered_by_the_timeout_reports_the_offers_without_an_ack) {
  config.request = true;
  config.timeout = seconds(20);
  start();
  arrive(reply(dhcp::message_type::offer, "192.0.2.1", "192.0.2.123"));
  advance(seconds(20));
  ASSERT_NE(done(), nullptr);
  EXPECT_TRUE(done()->error.ok());
  EXPECT_EQ(done()->offers.size(), 1u);
  EXPECT_EQ(done()->ack.type, "");
  EXPECT_EQ(done()->requests_sent, 3u);  // at 0.5, 4.5 and 12.5 s
}

// -- the end ------------------------------------------------------------------

TEST_F(dhcp_discovery_test, killing_it_closes_its_socket) {
  start();
  caf::anon_send_exit(discovery, caf::exit_reason::kill);
  run();
  EXPECT_TRUE(ended->ended);
  EXPECT_TRUE(io->closed());
}

TEST_F(dhcp_discovery_test, it_ends_with_its_owner_and_closes_its_socket) {
  start();
  caf::anon_send_exit(owner, caf::exit_reason::kill);
  run();
  EXPECT_TRUE(ended->ended);
  EXPECT_TRUE(io->closed());
}

TEST_F(dhcp_discovery_test, a_socket_that_dies_ends_it_with_an_error) {
  start();
  caf::anon_send_exit(link->socket, caf::exit_reason::user_shutdown);
  run();
  ASSERT_NE(done(), nullptr);
  EXPECT_EQ(done()->error.name, "ECANCELED");
  EXPECT_TRUE(ended->ended);
}

}  // namespace
}  // namespace netactors
