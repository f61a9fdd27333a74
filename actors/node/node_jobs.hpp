// netactors::node_jobs: the node's job factory, published in its directory
// as "jobs" (node_directory.hpp). A process that asks over the middleman
// (dns_connect/echo_client/dhcp_discover --node) has the work done by this
// node's actors: one request, one job, one reply.
//
// Protocol (node_jobs_actor; messages in actors/messages/node_messages.hpp):
//   (node_dns_connect, owner) -> (tcp_connection_actor, dns_connect_report): a
//     dns_connect actor on this node (with the node's resolver) resolves and
//     connects from here; the connection's events go to the request's
//     `owner`, who commands the connection directly; `owner` gets the
//     dns_connect_report before the reply, as a local report_to would.
//   node_echo_client -> echo_client_result: an echo client session run from
//     here, ended after the job's deadline (result error ETIMEDOUT).
//   node_dhcp_discover -> dhcp_discovery_done: a DHCP discovery on this
//     node's interface.
// Each job runs under a relay actor on this node that monitors the asker
// (the request's sender) and, for node_dns_connect, the owner: when either
// goes away (its process ended, its node became unreachable), the relay
// ends and takes the job's actors with it (the dns_connect and the
// connection, the echo session, the discovery), so nothing a remote asker
// started outlives it. The relays also end with the jobs actor.
// Sealed: the handle accepts only these three public requests; the jobs'
// actors are never handed out except the connection's public handle, and
// the loop's io events are not registered types, so BASP cannot carry one.
// Bounds: at most `max_jobs` jobs at once (more: EBUSY); an echo job of at
// most `max_echo_bytes` bytes in all (more: EMSGSIZE); timeouts and
// deadlines from the asker within `max_job_ms` (more, or 0: EINVAL).
// Thread safety: an actor (not loop-affine: its jobs' actors are).
#pragma once

#include <caf/actor.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <cstdint>

#include "actors/core/runtime.hpp"
#include "actors/dns/resolver.hpp"
#include "actors/messages/dhcp_messages.hpp"
#include "actors/messages/dns_messages.hpp"
#include "actors/messages/echo_messages.hpp"
#include "actors/messages/node_messages.hpp"
#include "actors/tcp/tcp_connection.hpp"

namespace netactors {

/// The handle of a node's jobs: what other nodes may send it.
using node_jobs_actor = caf::typed_actor<
    caf::replies_to<node_dns_connect, caf::actor>::with<tcp_connection_actor,
                                                        dns_connect_report>,
    caf::replies_to<node_echo_client>::with<echo_client_result>,
    caf::replies_to<node_dhcp_discover>::with<dhcp_discovery_done>>;

struct node_jobs_limits {
  size_t max_jobs = 64;
  uint64_t max_echo_bytes = 64 * 1024 * 1024;
  uint32_t max_job_ms = 3600 * 1000;
};

/// Spawns the jobs of the node run by `rt`, resolving through `resolver`.
/// Thread-safe.
node_jobs_actor spawn_node_jobs(runtime& rt, resolver_actor resolver,
                                node_jobs_limits limits = {});

}  // namespace netactors
