// netactors::udp_socket: the actor that is one UDP socket.
//
// Protocol (udp_socket_actor below, a typed handle; all messages in
// actors/messages/udp_messages.hpp):
//   to it:         udp_bind -> udp_bound (or an error, and the actor ends)
//                  udp_send -> udp_send_done or an error (when requested;
//                    a plain send reports a failure as udp_send_failed)
//                  udp_set_receiving, udp_set_receive_window,
//                  udp_set_broadcast, udp_set_ttl,
//                  udp_set_membership, udp_set_multicast_loop,
//                  udp_set_multicast_ttl, udp_set_multicast_interface
//                    -> () or an error (the socket stays open)
//                  udp_close (the actor ends)
//   to its owner:  udp_socket_owner below: udp_received, udp_send_failed,
//                  udp_receive_failed, udp_closed; the sender of each is
//                  the socket actor.
// A failed datagram never ends the socket: datagrams are independent. Sends
// are bounded: past send_queue_limit bytes waiting to go out a send fails
// with ENOBUFS (reported like any failed datagram; the socket lives).
// Receiving is bounded by the receive window (actors/core/read_window.hpp): the
// owner holds at most receive_window bytes of datagrams it has not consumed,
// plus one datagram; beyond that the socket stops receiving (the kernel
// drops what its buffer cannot hold, as UDP does). A datagram that is a
// window marker comes as a request, answered when the owner's handler
// returns. The socket receives only when the owner wants it
// (udp_set_receiving) and the window is open.
// When the actor ends for any reason its socket is closed, requests still
// waiting fail with ECANCELED, and the owner gets udp_closed. It ends on
// udp_close, when the owner ends, on an exit message, or, before it is
// bound, when nobody holds a handle to it; a bound socket keeps itself alive
// until one of the others.
// Thread safety: an actor; spawn it on the loop that will own its socket
// (spawn_udp_socket in actors/udp/uv_udp_io.hpp).
#pragma once

#include <caf/actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <cstdint>
#include <memory>
#include <unordered_map>

#include "actors/core/owner_watch.hpp"
#include "actors/messages/udp_messages.hpp"
#include "actors/udp/udp_io.hpp"

namespace netactors {

/// The handle of a UDP socket actor: what anyone may send it.
using udp_socket_actor = caf::typed_actor<
    caf::replies_to<udp_bind>::with<udp_bound>,
    caf::replies_to<udp_send>::with<udp_send_done>,
    caf::reacts_to<udp_set_receiving>, caf::reacts_to<udp_set_receive_window>,
    caf::reacts_to<udp_set_broadcast>, caf::reacts_to<udp_set_ttl>,
    caf::reacts_to<udp_set_membership>, caf::reacts_to<udp_set_multicast_loop>,
    caf::reacts_to<udp_set_multicast_ttl>,
    caf::reacts_to<udp_set_multicast_interface>, caf::reacts_to<udp_close>>;

/// What a socket sends its owner. Owners are caf::actor (pass
/// caf::actor_cast<caf::actor>(x) for a typed one); a typed owner may
/// implement this (a udp_received may come as a request: returning
/// acknowledges it).
using udp_socket_owner = caf::typed_actor<
    caf::reacts_to<udp_received>, caf::reacts_to<udp_send_failed>,
    caf::reacts_to<udp_receive_failed>, caf::reacts_to<udp_closed>>;

/// The implementation's interface: the public one plus its io's sealed
/// events. Not a handle to hand out: it converts to udp_socket_actor.
using udp_socket_impl =
    udp_socket_actor::extend<caf::reacts_to<udp_io_send_done>,
                             caf::reacts_to<udp_io_datagram_marker>>;

struct udp_socket_options {
  /// Start receiving as soon as udp_bind succeeded.
  bool start_receiving = true;
  /// Bytes of each datagram kept (1..65536); larger ones arrive truncated.
  uint32_t receive_buffer_size = 64 * 1024;
  /// Bytes of datagrams delivered to the owner and not yet consumed before
  /// receiving stops (an empty datagram counts 1). Changeable at run time
  /// with udp_set_receive_window.
  uint64_t receive_window = 256 * 1024;
  /// Bytes of datagrams waiting to be sent at most; beyond, ENOBUFS.
  uint64_t send_queue_limit = 4 * 1024 * 1024;
};

struct udp_socket_state {
  /// A datagram handed to the io whose completion has not come back.
  struct pending_send {
    uint64_t bytes = 0;
    net::endpoint to;
    caf::response_promise promise;  ///< invalid for a plain send
  };

  std::shared_ptr<udp_io> io;
  caf::actor owner;
  /// Its place in the owner's watch: ends this actor when `owner` ends
  /// (io_actor_lifecycle.hpp, owner_watch.hpp).
  owner_link watching_owner;
  udp_socket_options options;
  caf::actor keep_alive;  ///< from bind until the actor finishes
  bool bound = false;
  bool receiving = false;  ///< the socket is receiving now
  bool owner_wants_receiving = true;
  bool closed_event_sent = false;
  uint64_t next_token = 1;
  std::unordered_map<uint64_t, pending_send> pending;

  ~udp_socket_state();

  static const char* name;
};

/// The socket actor itself (its handlers' `self`).
using udp_socket_self = udp_socket_impl::stateful_pointer<udp_socket_state>;

/// The socket actor's behavior; it waits for udp_bind.
udp_socket_impl::behavior_type udp_socket(udp_socket_self self,
                                          std::shared_ptr<udp_io> io,
                                          caf::actor owner,
                                          udp_socket_options options);

class loop_context;

/// Spawns an unbound UDP socket actor on `ctx`'s loop, owned by `owner`;
/// request udp_bind from it. Thread-safe. Defined with its io
/// (actors/udp/uv_udp_io.cpp, target //actors/udp:uv_udp_io), which depends on this
/// actor's target.
udp_socket_actor spawn_udp_socket(loop_context& ctx, caf::actor owner,
                                  udp_socket_options options = {});

}  // namespace netactors
