// Messages of a published node (actors/node/node_directory.hpp,
// actors/node/node_jobs.hpp): what another process asks the node's directory
// and its job factory over CAF's middleman. Plain structs; JSON and CAF forms
// come from NETACTORS_MESSAGE (see tcp_messages.hpp for the conventions).
// None is callable through the gateway: they travel between nodes only, but
// for node_get_peers and node_peers, which the gateway's "stats" asks its
// own node's peer tracker (actors/node/peer_tracker.hpp).
#pragma once

#include <caf/detail/type_list.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "actors/messages/dns_messages.hpp"
#include "actors/messages/message_macros.hpp"
#include "actors/messages/message_instances.hpp"
#include "net/core/endpoint.hpp"

namespace netactors {

/// To a node's directory. Reply: the handle (caf::actor) of the service
/// called `name` ("interfaces", "resolver", "jobs", ...), or an error naming
/// it (ENOENT) when the node runs no such service.
struct node_service_request {
  std::string name;
};
NETACTORS_MESSAGE(node_service_request, name)

/// To a node's jobs (node_jobs_actor): resolve and connect from the node,
/// as dns_connect_to does locally. It travels as the message
/// (node_dns_connect, caf::actor owner): an actor handle has no JSON form,
/// so it goes beside the struct, not in it. The connection made on the node
/// reports to `owner` (tcp_connection_opened, tcp_received, ...), which
/// commands it directly (tcp_write, tcp_set_reading, tcp_close); `owner`
/// also gets the dns_connect_report, before the reply. Reply:
/// (tcp_connection_actor, dns_connect_report) or the dns_connect actor's
/// error.
struct node_dns_connect {
  dns_connect_to request;
};
NETACTORS_MESSAGE(node_dns_connect, request)

/// To a node's jobs: one echo client session run from the node (ping-pong
/// of `messages` with the echo server at `server`, every byte verified), as
/// actors/echo/echo.hpp's echo_client_job. The node ends the session after
/// `deadline_ms` (its result then names ETIMEDOUT). Reply:
/// echo_client_result, or EMSGSIZE/EBUSY/EINVAL when the node refuses the
/// job. `messages` are bytes (the binary form carries any); the JSON form is
/// for text only, and nothing sends this message as JSON.
struct node_echo_client {
  net::endpoint server;
  std::vector<std::string> messages;
  uint32_t connect_timeout_ms = 5000;
  uint32_t deadline_ms = 300000;
};
NETACTORS_MESSAGE(node_echo_client, server, messages, connect_timeout_ms,
                  deadline_ms)

/// To a node's jobs: a DHCP discovery on the node's interface `interface`
/// (actors/dhcp/dhcp_discovery.hpp's configuration). Reply:
/// dhcp_discovery_done (its `error` set when the discovery failed there).
struct node_dhcp_discover {
  std::string interface;
  bool request = false;
  uint32_t timeout_ms = 10000;
  uint32_t offer_window_ms = 1000;
};
NETACTORS_MESSAGE(node_dhcp_discover, interface, request, timeout_ms,
                  offer_window_ms)

/// To a node's peer tracker (actors/node/peer_tracker.hpp). Reply:
/// node_peers.
struct node_get_peers {};
NETACTORS_EMPTY_MESSAGE(node_get_peers)

/// One node connected to this one over the middleman.
struct node_peer {
  std::string node;      ///< CAF's node id as text ("<host hash>#<pid>")
  std::string address;   ///< the connection's remote address
  uint16_t port = 0;     ///< and port (an asking node's is ephemeral)
  uint64_t since_ms = 0; ///< first seen on this connection, ms since the epoch
};
NETACTORS_MESSAGE(node_peer, node, address, port, since_ms)

/// The peers a node's tracker knows, oldest first.
struct node_peers {
  std::vector<node_peer> peers;
  uint32_t max_peers = 0;  ///< the tracker's bound on `peers`
  uint64_t untracked = 0;  ///< sightings of a node left out: the list was full
};
NETACTORS_MESSAGE(node_peers, peers, max_peers, untracked)

// The capability's message types, listed once (message_instances.hpp).
#define NETACTORS_NODE_MESSAGES(X) \
    X(node_service_request) X(node_dns_connect) X(node_echo_client) \
    X(node_dhcp_discover) X(node_get_peers) X(node_peers)

using node_message_types = NETACTORS_TYPE_LIST(NETACTORS_NODE_MESSAGES);

}  // namespace netactors

// CAF's per-type instances are in node_catalogue.cpp.
NETACTORS_NODE_MESSAGES(NETACTORS_EXTERN_MESSAGE_INSTANCES)
