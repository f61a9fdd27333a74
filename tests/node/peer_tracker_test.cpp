// The peer tracker (actors/node/peer_tracker.hpp) against nodes in this
// process: each node is an actor system of its own with CAF's middleman
// (CAF 0.17 gives each its own node id); the published one has a directory
// that tells the tracker its askers, the others connect to it on 127.0.0.1
// and ask. A node that ends closes its connections, as a process that dies
// does. Every wait polls the tracker, bounded by a hang guard.
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "actors/messages/messages.hpp"
#include "actors/node/node_config.hpp"
#include "actors/node/node_directory.hpp"
#include "actors/node/peer_tracker.hpp"
#include "net/core/endpoint.hpp"

namespace netactors {
namespace {

using namespace std::chrono_literals;

// Bounds every wait of the test (a hang guard, not a timing claim).
constexpr auto hang_guard = 20s;

void configure(caf::actor_system_config& cfg) {
  add_message_types(cfg);
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  auto why = prepare_node_config(cfg, node_link{});
  EXPECT_EQ(why, "");
}

uint64_t now_ms() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
}

// A service for the directory to hand out (the tracker cares only that it
// is asked for). An argument it needs anyway: CAF 0.17.6's spawn of a
// function without arguments binds a null shared_ptr, which UBSan reports.
caf::behavior echo_service(caf::event_based_actor*, int) {
  return {[](node_service_request& r) { return r; }};
}

// The published node: a directory with one service ("echo") and a tracker.
class tracked_node {
 public:
  explicit tracked_node(peer_tracker_config tcfg = {}) {
    configure(cfg_);
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    tracker_ = spawn_peer_tracker(*sys_, tcfg);
    echo_ = sys_->spawn(echo_service, 0);
    directory_ = spawn_node_directory(*sys_, {{"echo", echo_}}, tracker_);
    auto bound = publish_node(*sys_, directory_,
                              *net::endpoint::from_ip("127.0.0.1", 0), false);
    EXPECT_TRUE(bound) << sys_->render(bound.error());
    port_ = bound ? *bound : 0;
  }

  ~tracked_node() {
    for (auto& a : {caf::actor_cast<caf::actor>(tracker_), directory_, echo_})
      caf::anon_send_exit(a, caf::exit_reason::kill);
  }

  uint16_t port() const { return port_; }
  caf::actor_system& system() { return *sys_; }
  const caf::actor& directory() const { return directory_; }

  node_peers peers() {
    caf::scoped_actor self{*sys_};
    node_peers out;
    self->request(tracker_, hang_guard, node_get_peers{})
        .receive([&](node_peers& p) { out = std::move(p); },
                 [&](caf::error& err) { ADD_FAILURE() << to_string(err); });
    return out;
  }

  // Polls until `pred` holds (true) or the hang guard passes (false).
  bool wait_peers(const std::function<bool(const node_peers&)>& pred,
                  node_peers* last) {
    auto deadline = std::chrono::steady_clock::now() + hang_guard;
    caf::scoped_actor self{*sys_};
    for (;;) {
      *last = peers();
      if (pred(*last)) return true;
      if (std::chrono::steady_clock::now() > deadline) return false;
      self->receive(caf::after(10ms) >> [] {});  // the polling interval
    }
  }

 private:
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  peer_tracker_actor tracker_;
  caf::actor echo_;
  caf::actor directory_;
  uint16_t port_ = 0;
};

// A node that connects to the tracked one and asks its directory once.
class asking_node {
 public:
  explicit asking_node(uint16_t port) {
    configure(cfg_);
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    caf::scoped_actor self{*sys_};
    self->request(sys_->middleman().actor_handle(), hang_guard,
                  caf::connect_atom::value, std::string{"127.0.0.1"}, port)
        .receive(
            [&](caf::node_id&, caf::strong_actor_ptr& dir,
                std::set<std::string>&) {
              self->request(caf::actor_cast<caf::actor>(dir), hang_guard,
                            node_service_request{"echo"})
                  .receive([&](caf::actor& a) { asked_ = bool(a); },
                           [&](caf::error& err) {
                             ADD_FAILURE() << to_string(err);
                           });
            },
            [&](caf::error& err) { ADD_FAILURE() << to_string(err); });
  }

  bool asked() const { return asked_; }
  std::string node() const { return caf::to_string(sys_->node()); }
  // Ends the node: its connection closes.
  void end() { sys_.reset(); }

 private:
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  bool asked_ = false;
};

bool lists(const node_peers& p, const std::string& node) {
  for (auto& x : p.peers)
    if (x.node == node) return true;
  return false;
}

TEST(peer_tracker, lists_a_node_that_asked_and_forgets_it_when_it_ends) {
  tracked_node node;
  ASSERT_NE(node.port(), 0);
  auto before = now_ms();
  asking_node asker{node.port()};
  ASSERT_TRUE(asker.asked());
  node_peers p;
  ASSERT_TRUE(node.wait_peers([&](auto& x) { return lists(x, asker.node()); },
                              &p))
      << nlohmann::json(p).dump();
  ASSERT_EQ(p.peers.size(), 1u) << nlohmann::json(p).dump();
  auto& peer = p.peers[0];
  EXPECT_EQ(peer.address, "127.0.0.1");
  EXPECT_NE(peer.port, 0);
  EXPECT_NE(peer.port, node.port()) << "the asker's end of the connection";
  EXPECT_GE(peer.since_ms, before);
  EXPECT_LE(peer.since_ms, now_ms());
  EXPECT_EQ(p.max_peers, 256u);
  EXPECT_EQ(p.untracked, 0u);
  asker.end();
  EXPECT_TRUE(node.wait_peers([](auto& x) { return x.peers.empty(); }, &p))
      << "a node whose connection closed is forgotten: "
      << nlohmann::json(p).dump();
}

TEST(peer_tracker, an_asker_of_this_node_is_no_peer) {
  tracked_node node;
  caf::scoped_actor self{node.system()};
  bool answered = false;
  self->request(node.directory(), hang_guard, node_service_request{"echo"})
      .receive([&](caf::actor&) { answered = true; },
               [&](caf::error& err) { ADD_FAILURE() << to_string(err); });
  ASSERT_TRUE(answered);
  // A remote asker after it: once it is listed, the local ask (handled
  // before it by the directory, and told to the tracker first, if at all)
  // has shown whether it counts.
  asking_node asker{node.port()};
  node_peers p;
  ASSERT_TRUE(node.wait_peers([&](auto& x) { return lists(x, asker.node()); },
                              &p));
  EXPECT_EQ(p.peers.size(), 1u) << nlohmann::json(p).dump();
}

TEST(peer_tracker, the_list_is_bounded_and_counts_who_is_left_out) {
  peer_tracker_config tcfg;
  tcfg.max_peers = 1;
  tracked_node node{tcfg};
  asking_node first{node.port()};
  node_peers p;
  ASSERT_TRUE(node.wait_peers([&](auto& x) { return lists(x, first.node()); },
                              &p));
  asking_node second{node.port()};
  ASSERT_TRUE(second.asked());
  ASSERT_TRUE(node.wait_peers([](auto& x) { return x.untracked == 1; }, &p))
      << nlohmann::json(p).dump();
  ASSERT_EQ(p.peers.size(), 1u);
  EXPECT_EQ(p.peers[0].node, first.node());
  EXPECT_EQ(p.max_peers, 1u);
  // The place is free again once the first is gone.
  first.end();
  ASSERT_TRUE(node.wait_peers([](auto& x) { return x.peers.empty(); }, &p));
}

}  // namespace
}  // namespace netactors
