#include "actors/node/peer_tracker.hpp"

#include <caf/all.hpp>
#include <caf/io/basp_broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>

namespace netactors {

namespace {

struct peer_tracker_state {
  struct peer {
    node_peer shown;
    bool listed = false;       // its connection's address is known
    caf::actor_addr watched;   // its ConfigServ's proxy, monitored
  };

  peer_tracker_config cfg;
  caf::actor basp;  // CAF's BASP broker: reaches a node's registry by name
  std::map<caf::node_id, peer> peers;
  uint64_t untracked = 0;

  static const char* name;
};

const char* peer_tracker_state::name = "peer_tracker";

using tracker = peer_tracker_actor::stateful_pointer<peer_tracker_state>;

uint64_t now_ms() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
}

void forget(tracker self, const caf::node_id& nid) {
  auto& peers = self->state.peers;
  auto i = peers.find(nid);
  if (i == peers.end()) return;
  if (i->second.watched) self->demonitor(i->second.watched);
  peers.erase(i);
}

// The node's ConfigServ, asked for by name through the BASP broker (what
// middleman::remote_lookup does, blocking): the answer comes back as a
// response to this request, or remote_link_unreachable when there is no
// route to the node any more.
void watch(tracker self, const caf::node_id& nid) {
  auto config_serv = caf::atom("ConfigServ");
  self
      ->request(self->state.basp, self->state.cfg.lookup_timeout,
                caf::forward_atom::value, nid, config_serv,
                caf::make_message(caf::get_atom::value, config_serv))
      .then(
          [self, nid](caf::strong_actor_ptr& serv) {
            auto i = self->state.peers.find(nid);
            if (i == self->state.peers.end()) return;
            if (!serv || serv->node() != nid) {
              forget(self, nid);
              return;
            }
            i->second.watched = caf::actor_cast<caf::actor_addr>(serv);
            // A proxy already gone (the connection closed meanwhile) sends
            // its down_msg at once.
            self->monitor(serv);
          },
          [self, nid](caf::error&) { forget(self, nid); });
}

// Where the node's direct connection comes from; none: it is gone.
void locate(tracker self, const caf::node_id& nid) {
  auto mm = self->system().middleman().actor_handle();
  self->request(mm, self->state.cfg.lookup_timeout, caf::get_atom::value, nid)
      .then(
          [self](const caf::node_id& nid, std::string& host, uint16_t port) {
            auto i = self->state.peers.find(nid);
            if (i == self->state.peers.end()) return;
            if (host.empty()) {
              forget(self, nid);
              return;
            }
            auto& p = i->second;
            if (p.listed && (p.shown.address != host || p.shown.port != port))
              p.shown.since_ms = now_ms();  // connected anew
            p.shown.address = std::move(host);
            p.shown.port = port;
            p.listed = true;
            watch(self, nid);
          },
          [self, nid](caf::error&) { forget(self, nid); });
}

peer_tracker_actor::behavior_type peer_tracker(tracker self,
                                               peer_tracker_config cfg,
                                               caf::actor basp) {
  self->state.cfg = cfg;
  self->state.basp = std::move(basp);
  self->set_down_handler([self](caf::down_msg& dm) {
    for (auto& [nid, p] : self->state.peers)
      if (p.watched == dm.source) {
        p.watched = caf::actor_addr{};
        // The connection closed, or the node ended: still connected (anew)
        // or forgotten.
        locate(self, nid);
        return;
      }
  });
  return {
    [self](peer_atom, const caf::node_id& nid) {
      auto& st = self->state;
      if (nid == caf::none || nid == self->node() || st.peers.count(nid) > 0)
        return;
      if (st.peers.size() >= st.cfg.max_peers) {
        ++st.untracked;
        return;
      }
      auto& p = st.peers[nid];
      p.shown.node = caf::to_string(nid);
      p.shown.since_ms = now_ms();
      locate(self, nid);
    },
    [self](node_get_peers) {
      auto& st = self->state;
      node_peers out;
      for (auto& kv : st.peers)
        if (kv.second.listed) out.peers.push_back(kv.second.shown);
      std::stable_sort(out.peers.begin(), out.peers.end(),
                       [](const node_peer& a, const node_peer& b) {
                         return a.since_ms < b.since_ms;
                       });
      out.max_peers = static_cast<uint32_t>(std::min<size_t>(
          st.cfg.max_peers, std::numeric_limits<uint32_t>::max()));
      out.untracked = st.untracked;
      return out;
    },
  };
}

}  // namespace

peer_tracker_actor spawn_peer_tracker(caf::actor_system& sys,
                                      peer_tracker_config cfg) {
  // Looked up here, on the spawning thread: named_broker is not
  // thread-safe (the middleman made the BASP broker when it started).
  auto basp =
      sys.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"));
  return sys.spawn(peer_tracker, std::move(cfg), std::move(basp));
}

}  // namespace netactors
