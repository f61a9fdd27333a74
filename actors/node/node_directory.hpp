// netactors::node_directory: the one actor a node publishes over CAF's
// middleman. Other processes ask it for a service by name and get the
// service's own handle, then talk to the service directly with the same
// messages as locally (remote_service.hpp wraps that on the asking side).
//
// Protocol: node_service_request{name} -> caf::actor, or a "uv" error ENOENT
// naming the service when the node runs none of that name. Each asker's node
// (when it is not this one) is told to the peer tracker, if there is one
// (peer_tracker.hpp).
// What can arrive from another node: only registered message types
// (actors/messages/messages.hpp). The loop's io events are never registered,
// so BASP cannot deserialize one, and a service drops any that does not come
// from its own io (actors/core/io_event.hpp).
// Thread safety: an actor; publish_node is thread-safe.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>

#include <map>
#include <string>

#include "actors/node/peer_tracker.hpp"
#include "net/core/endpoint.hpp"

namespace netactors {

/// The directory's behavior: answers for `services` (name -> handle; the
/// handles should outlive restarts, e.g. a supervisor's stable handles);
/// `peers` may be invalid.
caf::behavior node_directory(caf::event_based_actor* self,
                             std::map<std::string, caf::actor> services,
                             peer_tracker_actor peers);

/// Spawns a node directory (not loop-affine: it does no io).
caf::actor spawn_node_directory(caf::actor_system& sys,
                                std::map<std::string, caf::actor> services,
                                peer_tracker_actor peers = {});

/// Publishes `directory` on `where` (port 0 picks a free one) over the
/// middleman: with `tls`, through CAF's OpenSSL manager (loaded by
/// prepare_node_config), accepting only peers the CA signed. Returns the
/// bound port, or CAF's error (render it with sys.render).
caf::expected<uint16_t> publish_node(caf::actor_system& sys,
                                     const caf::actor& directory,
                                     const net::endpoint& where, bool tls);

}  // namespace netactors
