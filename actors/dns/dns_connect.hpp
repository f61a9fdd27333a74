// netactors::dns_connect: the actor that resolves a host name and connects
// to it the way modern clients do, with Happy Eyeballs v2 (RFC 8305; the
// schedule itself is net::happy_eyeballs).
//
// Protocol (dns_connect_actor below, a typed handle; messages in
// actors/messages/dns_messages.hpp): one request per
// actor, which ends after answering it, refusals included (EINVAL for an
// empty host or an anonymous request); a second request while the first
// runs is refused with EALREADY and changes nothing.
//   dns_connect_to -> (tcp_connection_actor connection, dns_connect_report),
//                     or an
//                     error: the resolver's (EAI_NONAME, ...) when no
//                     address was found, ETIMEDOUT after timeout_ms, or
//                     otherwise the error of the attempt that failed last;
//                     the error's context lists every attempt.
// It asks the resolver (actors/dns/resolver.hpp) for AAAA and A records in
// parallel (two dns_lookup requests, family "ipv6" and "ipv4"), starts
// attempts as net::happy_eyeballs says, and when one connects closes every
// other socket and hands the winner to a new tcp_connection actor whose
// owner is the requester: like any connection's owner, the requester gets
// tcp_connection_opened (sent by the connection) and then its bytes.
// `report_to` (dns_connect_reports below), if valid, gets the
// dns_connect_report in every case, failures
// and refusals included (not the EALREADY of a second request). If the requester ends first, every socket closes and the
// lookups are cancelled (the resolver watches this actor).
// It also ends when it is sent an exit message, when nobody holds a handle
// to it any more and no request is being worked on (its io holds it
// weakly), or when its spawner ends (unless
// spawned service_life::own; see actors/core/runtime.hpp).
// Thread safety: an actor (loop-affine). Ownership: its state owns the
// attempts' sockets (through connect_io) until one is handed over.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_clock.hpp>
#include <caf/response_promise.hpp>
#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <memory>
#include <optional>

#include "actors/dns/connect_io.hpp"
#include "actors/dns/resolver.hpp"
#include "actors/core/loop_context.hpp"
#include "actors/messages/dns_messages.hpp"
#include "actors/core/runtime.hpp"
#include "actors/tcp/tcp_connection.hpp"
#include "net/dns/happy_eyeballs.hpp"

namespace netactors {

/// The handle of a dns_connect actor: what anyone may send it.
using dns_connect_actor = caf::typed_actor<caf::replies_to<dns_connect_to>::with<
    tcp_connection_actor, dns_connect_report>>;

/// What `report_to` gets. It is a caf::actor; a typed one may implement this.
using dns_connect_reports = caf::typed_actor<caf::reacts_to<dns_connect_report>>;

/// The race's timer.
using dns_connect_tick_atom = caf::atom_constant<caf::atom("hetick")>;

/// The implementation's interface: the public one plus its io's sealed
/// events and its timer. Not a handle to hand out: it converts to
/// dns_connect_actor.
using dns_connect_impl =
    dns_connect_actor::extend<caf::reacts_to<dns_io_attempt_done>,
                              caf::reacts_to<dns_connect_tick_atom>>;

struct dns_connect_state {
  std::shared_ptr<connect_io> io;
  resolver_actor resolver;
  caf::actor report_to;
  tcp_connection_options options;
  caf::actor owner;  // the requester: the winner's owner
  caf::actor_addr spawner;  // it ends with this actor; null: no spawner
  caf::response_promise promise;
  dns_connect_to request;
  std::optional<net::happy_eyeballs> race;
  caf::actor_clock::time_point started;
  std::optional<uint64_t> wake_ms;  // the earliest tick already scheduled
  net_error v6_error;               // each family's lookup failure
  net_error v4_error;

  ~dns_connect_state();

  static const char* name;
};

/// The dns_connect actor itself (its handlers' `self`).
using dns_connect_self = dns_connect_impl::stateful_pointer<dns_connect_state>;

/// `spawner`, if valid, is watched: the actor ends when it does.
dns_connect_impl::behavior_type dns_connect(
    dns_connect_self self, std::shared_ptr<connect_io> io,
    resolver_actor resolver, caf::actor report_to,
    tcp_connection_options options, caf::actor spawner);

/// Spawns a dns_connect actor on the runtime's next loop, resolving through
/// `resolver`; send it one dns_connect_to request. From inside an actor,
/// pass it as `spawner` (otherwise an invalid handle, {}): the dns_connect
/// then ends with it unless `life` is service_life::own. Thread-safe.
dns_connect_actor spawn_dns_connect(
    runtime& rt, const caf::actor& spawner, resolver_actor resolver,
    caf::actor report_to = {}, tcp_connection_options options = {},
    service_life life = service_life::with_spawner);

}  // namespace netactors
