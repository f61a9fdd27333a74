// netactors::resolver: the actor that resolves names (getaddrinfo) and
// addresses (getnameinfo) through libuv's thread pool, many at a time.
//
// Protocol (resolver_actor below, a typed handle; messages in
// actors/messages/dns_messages.hpp):
//   dns_lookup          -> dns_addresses, or an error (EAI_NONAME, EAI_AGAIN,
//                          ETIMEDOUT after the request's timeout_ms, EINVAL)
//   dns_reverse_lookup  -> dns_name, or an error
//   dns_get_stats       -> dns_stats
// Errors are caf::errors in the "uv" category (actors/messages/net_error.hpp):
// error_name(err) is "EAI_NONAME" and so on.
// The resolver monitors every actor with a lookup in flight. When one ends,
// its lookups are cancelled: uv_cancel takes them off the thread pool's
// queue, and one already running is abandoned (its answer is discarded).
// When the resolver itself ends, every waiting requester gets ECANCELED.
// It ends when it is sent an exit message, when nobody holds a handle to it
// any more and no lookup is in flight (its io holds it weakly; a requester
// waiting for an answer keeps it, as CAF's response promises do, until the
// answer or the requester's end), or when its spawner ends (a service
// lives as long as whoever started it, unless spawned service_life::own;
// see actors/core/runtime.hpp).
// Thread safety: an actor (loop-affine). Ownership: its state owns the
// resolver_io, which closes the net::resolver when the actor ends.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/response_promise.hpp>
#include <caf/replies_to.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <cstdint>
#include <memory>
#include <unordered_map>

#include "actors/core/loop_context.hpp"
#include "actors/messages/dns_messages.hpp"
#include "actors/dns/resolver_io.hpp"
#include "actors/core/runtime.hpp"

namespace netactors {

/// The handle of a resolver: what anyone may send it.
using resolver_actor = caf::typed_actor<
    caf::replies_to<dns_lookup>::with<dns_addresses>,
    caf::replies_to<dns_reverse_lookup>::with<dns_name>,
    caf::replies_to<dns_get_stats>::with<dns_stats>>;

/// The implementation's interface: the public one plus its io's sealed
/// events. Not a handle to hand out: it converts to resolver_actor.
using resolver_impl =
    resolver_actor::extend<caf::reacts_to<dns_io_lookup_done>,
                           caf::reacts_to<dns_io_reverse_done>>;

struct resolver_state {
  struct lookup {
    caf::response_promise promise;
    caf::actor_addr requester;  // null for an anonymous request
  };

  std::shared_ptr<resolver_io> io;
  std::unordered_map<uint64_t, lookup> lookups;  // request id -> waiter
  std::unordered_map<caf::actor_addr, size_t> requesters;  // -> lookups
  caf::actor_addr spawner;  // it ends with this actor; null: no spawner
  dns_stats stats;

  ~resolver_state();

  static const char* name;
};

/// The resolver itself (its handlers' `self`).
using resolver_self = resolver_impl::stateful_pointer<resolver_state>;

/// `spawner`, if valid, is watched: the resolver ends when it does.
resolver_impl::behavior_type resolver(resolver_self self,
                                      std::shared_ptr<resolver_io> io,
                                      caf::actor spawner);

/// Spawns a resolver on `ctx`'s loop. From inside an actor, pass it as
/// `spawner`: the resolver then ends with it (service_life::with_spawner,
/// the default) unless `life` is service_life::own. Thread-safe.
resolver_actor spawn_resolver(loop_context& ctx, const caf::actor& spawner = {},
                              service_life life = service_life::with_spawner);

/// Spawns a resolver on the runtime's first loop. Thread-safe.
resolver_actor spawn_resolver(runtime& rt, const caf::actor& spawner = {},
                              service_life life = service_life::with_spawner);

}  // namespace netactors
