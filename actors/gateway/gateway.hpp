// netactors::gateway: the netnode gateway actor, one per client connection.
// It owns the client's tcp_connection, cuts its bytes into lines
// (net::line_framer, jsonrpc::max_line_length), parses each with the
// JSON-RPC codec (actors/gateway/jsonrpc.hpp) and routes every call to the service
// actor of its method; the answers go back as lines, a batch as one array.
//
// Methods (params are the message's JSON data; see actors/gateway/jsonrpc.hpp):
//   dns_lookup, dns_reverse_lookup -> the resolver (dns_addresses, dns_name)
//   interfaces_query               -> the interface actor (interface_report)
//   interfaces_subscribe           -> interface_report now, then one
//       {"method":"event","params":{"request":ID,"type":"interfaces_changed",
//       "data":..}} notification per change until `cancel` (or the watch
//       breaks: then a last event of type "interfaces_watch_failed").
//   cancel {"request":ID}          -> null once every request with that id is
//       ended; -32000 ENOENT when none is in flight. A cancelled request that
//       had not been answered yet is answered with -32000 ECANCELED; a
//       cancelled subscription (already answered) gets a last event
//       {"request":ID,"type":"error","data":<ECANCELED error object>}.
//   dhcp_discover {"interface":NAME,"timeout":MS=10000,"request":false}
//                                  -> a discovery actor on the gateway's
//       loop (actors/dhcp/dhcp_discovery.hpp): one {"request":ID,"type":
//       "dhcp_offer",...} event per offer, then the result dhcp_discovery_done
//       (with the ack when "request" is true); -32000 with its error when the
//       discovery could not run (ENODEV, EACCES, ...). Cancelling it, or the
//       client going away, ends the discovery (its socket closes).
//   dns_connect_to {"host":H,"port":P,...} (actors/dns/dns_connect.hpp)
//                                  -> dns_connect_report (the address it
//       connected to in "connected", the connection's id); or -32000 with
//       the error (EAI_NONAME, ECONNREFUSED, ETIMEDOUT, ...). Then the
//       gateway owns that connection (a relay) and the request stays in
//       flight as a stream, like a subscription: the peer's bytes arrive
//       as {"request":ID,"type":"tcp_received","data":{"id":..,"data":
//       BASE64}} events, its FIN as "tcp_read_closed" (the connection then
//       closes), a full write queue as "tcp_backpressure", and the end as
//       a last "tcp_connection_closed" event (reason code 0 for a clean
//       close). The client addresses it by the dns_connect_to's id:
//         tcp_write {"request":ID,"data":BASE64} -> tcp_write_done once the
//           kernel has the bytes; -32000 ENOBUFS over the connection's
//           write budget (relay_options; it is a tcp_try_write: the
//           connection lives);
//         tcp_shutdown {"request":ID} -> null once the FIN is sent;
//         tcp_close {"request":ID}    -> null, then the last event;
//       -32000 ENOENT for an id with no dns_connect_to in flight, ENOTCONN
//       while it is still connecting. `cancel` ends it like a subscription
//       (last event "error" ECANCELED; before it connected, the answer is
//       ECANCELED) and closes the connection; so does the client's going
//       away, half-closing, or netnode's stop. A dns_connect_to sent as a
//       notification is not performed (nobody could address it).
//   stats                          -> {"type":"netnode_stats","data":
//       {"gateway":{..},"loops":[..],"resolver":{..},"supervisor":{..}}}
//       (and "node":{..} with --publish, see below):
//       the counters of every gateway sharing `counters` (connections open
//       and accepted, bytes in and out, requests, requests in flight,
//       relays open and opened, relayed bytes in and out, errors by name),
//       per loop of the runtime (gateway_config::rt) its net::loop_counters
//       and loop_actor_counters (tasks run, remote tasks, handles open and
//       opened, actors spawned and alive, messages, actor turns), the
//       resolver's dns_stats and the supervisor's supervisor_stats
//       (restarts per child); a service that does not answer within 5 s
//       appears as {"error": its error object}. It counts as a request in
//       flight. A netnode with --publish adds "node":{"published":{"address":
//       ..,"port":N},"peers":[{"node":"<CAF node id>","address":..,"port":N,
//       "since_ms":..},..],"max_peers":256,"untracked":N}: the nodes
//       connected to it over the middleman (their connection's remote
//       address and port; since_ms when it was first seen, ms since the
//       epoch), oldest first, at most max_peers of them (untracked counts
//       sightings of nodes left out); a peer leaves the list once its
//       connection closes (actors/node/peer_tracker.hpp).
// Every other request message of the codec (tcp_listen, udp_*, ...) has no
// service behind a gateway: -32601.
//
// Bounds: at most `max_in_flight` requests (subscriptions, relays and
// relayed writes included) per client; one more is answered at once with
// -32000 EAGAIN ("too many requests in flight"). Replies are never held
// back: a client that does not read lets its connection's write queue grow
// until write_queue_limit (connection_options()), where the connection
// ends with ENOBUFS, and the gateway with it. Relayed bytes are held back
// instead: while the client's queue is above its high water every relay
// stops reading (tcp_set_reading false) and the gateway keeps its
// read-window markers unanswered, so each relay adds at most its read
// window + one read (connection_options() does the sum) and its peer is
// held back by TCP until the client drains.
// When the client goes away (or the connection ends for any reason) the
// gateway ends: the resolver cancels its lookups and the interface actor
// drops its subscriptions, as both monitor their requesters; relays and
// dns_connect actors end with their owner. When the client half-closes,
// its subscriptions and relays end (a last error event, ECANCELED), the
// requests in flight are answered, then the connection shuts down. An exit
// message (netnode's stop) answers every request in flight with -32000
// ECANCELED, closes the relays, flushes and closes.
// Thread safety: an actor (loop-affine: spawn it with loop_context::spawn in
// the listener's factory). The counters are shared, atomic.
#pragma once

#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "actors/core/loop_context.hpp"
#include "actors/dhcp/dhcp_discovery.hpp"
#include "actors/dns/resolver.hpp"
#include "actors/interfaces/interfaces.hpp"
#include "actors/node/peer_tracker.hpp"
#include "actors/supervisor/supervisor.hpp"
#include "actors/core/runtime.hpp"
#include "actors/tcp/tcp_connection.hpp"
#include "actors/gateway/jsonrpc.hpp"
#include "net/core/line_framer.hpp"

namespace netactors::gateway {

/// Counters of all the gateways of one listener (or process). Thread-safe.
struct gateway_counters {
  std::atomic<uint64_t> connections_open{0};
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> bytes_out{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> in_flight{0};
  /// Connections opened by dns_connect_to: open now, opened ever, and the
  /// bytes they read from their peers and wrote to them.
  std::atomic<uint64_t> relays_open{0};
  std::atomic<uint64_t> relays_opened{0};
  std::atomic<uint64_t> relayed_bytes_in{0};
  std::atomic<uint64_t> relayed_bytes_out{0};

  /// Counts one error answer by its name ("EAI_NONAME", "-32601", ...).
  void count_error(const std::string& name);
  nlohmann::json to_json() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, uint64_t> errors_;
};

struct gateway_config {
  resolver_actor resolver;
  interfaces_actor interfaces;
  /// Asked for its stats (supervisor_get_stats) by `stats`; may be invalid.
  supervisor_actor supervisor;
  /// With --publish: the node's peer tracker, asked for node_peers by
  /// `stats`, and where the node is published. May be invalid.
  peer_tracker_actor peers;
  net::endpoint published;
  /// Gets gateway events as JSON text lines (std::string); may be invalid.
  caf::actor log;
  /// The gateway's own loop, where it runs DHCP discoveries; without it
  /// dhcp_discover is -32601.
  loop_context* loop = nullptr;
  std::shared_ptr<gateway_counters> counters;
  /// Its loops' counters go into `stats` (per loop); may be null.
  runtime* rt = nullptr;
  /// The gateway links to it: when it ends (spawn_gateway_stopper), every
  /// gateway stops as described above. May be invalid.
  caf::actor stop;
  size_t max_in_flight = 64;
};

/// Options for the gateway's connections: half-open allowed (answers still
/// go out after the client's FIN), a bounded write queue.
tcp_connection_options connection_options();

/// Options for the connections dns_connect_to opens (relayed connections):
/// they start paused (reading begins once the client has the result), a
/// read window of 64 KiB (the bound on what one of them adds to a congested
/// client's queue, see the header), a 2 MiB write queue (tcp_try_write's
/// budget), no half-open state (after the peer's FIN they close).
tcp_connection_options relay_options();

/// The answers of one batch line, sent as one array when all are in.
struct batch {
  std::vector<std::string> responses;
  size_t outstanding = 0;
};

struct gateway_state {
  /// One request in flight (answer pending, or a live subscription).
  struct pending {
    nlohmann::json id;
    bool notification = false;
    bool subscription = false;
    bool answered = false;
    /// The DHCP discovery performing it, if any.
    dhcp_discovery_actor discovery;
    /// dns_connect_to: the dns_connect actor until it answers, then the
    /// relayed connection (owned by the gateway) and the read-window markers
    /// held back while the client is congested.
    bool relay_request = false;
    caf::actor connector;
    caf::actor relay;
    std::vector<caf::response_promise> held;
    /// The batch this request belongs to, if any.
    std::shared_ptr<batch> in_batch;
  };

  gateway_config cfg;
  tcp_connection_actor connection;
  uint64_t connection_id = 0;
  net::line_framer framer{jsonrpc::max_line_length};
  jsonrpc::method_table methods;
  uint64_t next_serial = 1;
  std::map<uint64_t, pending> requests;  // by serial
  bool read_closed = false;
  /// The client's write queue is above its high water: relays are paused.
  bool client_congested = false;
  /// Relays closed by the gateway (their requests ended): their last
  /// tcp_connection_closed is expected and dropped.
  std::set<caf::actor_addr> closing_relays;
  /// A relay that ended before its dns_connect_to result arrived (the two
  /// come from different actors): the reason, until the result comes.
  std::map<caf::actor_addr, net_error> closed_early;
  bool closing = false;
  bool counted = false;

  ~gateway_state();
  static const char* name;
};

using gateway_actor = caf::stateful_actor<gateway_state>;

caf::behavior gateway(gateway_actor* self, gateway_config cfg);

/// An actor that ends only by an anonymous exit message (anon_send_exit);
/// gateways linked to it (gateway_config::stop) then stop. Thread-safe.
caf::actor spawn_gateway_stopper(caf::actor_system& sys);

}  // namespace netactors::gateway
