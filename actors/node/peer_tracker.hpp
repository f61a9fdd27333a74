// netactors::peer_tracker: which nodes are connected to this one over CAF's
// middleman, and from where, for the gateway's `stats`. CAF 0.17 tells no
// one when a BASP connection comes or goes (no io hooks, no node monitors),
// so the tracker works it out:
// - A node is seen when one of its actors asks this node's directory
//   (node_directory.hpp sends the tracker (peer_atom, its node id)); every
//   asker does so first, so every node that uses this one is seen.
// - The middleman actor says where the node's direct connection comes from
//   (get_atom, node_id -> host, port); a node without one is not listed.
// - The tracker then monitors the node's "ConfigServ" (CAF's registry actor,
//   which lives as long as its node), asked for through the BASP broker
//   without blocking: its proxy here ends with remote_link_unreachable the
//   moment the connection closes or BASP's heartbeat gives up on it. The
//   tracker then asks the middleman again: a node connected anew is kept
//   (under its new connection), one without a connection is forgotten.
// Protocol: (peer_atom, node_id) -> nothing; node_get_peers -> node_peers
// (actors/messages/node_messages.hpp), the listed peers oldest first.
// Bounds: at most `max_peers` nodes, listed or being looked up; a node seen
// while the list is full is left out and counted (node_peers::untracked).
// Each node has at most one lookup in flight, each within `lookup_timeout`.
// Thread safety: an actor. It is never published and its handle never
// leaves the process: only local actors reach it. Ownership: once it has
// asked through the BASP broker, CAF's registry holds it (as it holds every
// actor that sent to another node), so it ends by an exit message
// (netnode's stop sends one), not when its last handle goes.
#pragma once

#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/node_id.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <cstddef>

#include "actors/messages/node_messages.hpp"

namespace netactors {

/// To the tracker: an actor of this node (never this one) has asked.
using peer_atom = caf::atom_constant<caf::atom("peer")>;

using peer_tracker_actor =
    caf::typed_actor<caf::reacts_to<peer_atom, caf::node_id>,
                     caf::replies_to<node_get_peers>::with<node_peers>>;

struct peer_tracker_config {
  size_t max_peers = 256;
  std::chrono::milliseconds lookup_timeout{5000};
};

/// Spawns a tracker. The system must have the middleman loaded
/// (prepare_node_config).
peer_tracker_actor spawn_peer_tracker(caf::actor_system& sys,
                                      peer_tracker_config cfg = {});

}  // namespace netactors
