// netactors::udp_socket: the actor that is one UDP socket.
//
// Protocol (dynamically typed; all messages in
// actors/messages/udp_messages.hpp):
//   to it:         udp_bind -> udp_bound (or an error, and the actor ends)
//                  udp_send -> udp_send_done or an error (when requested;
//                    a plain send reports a failure as udp_send_failed)
//                  udp_set_receiving, udp_set_broadcast, udp_set_ttl,
//                  udp_set_membership, udp_set_multicast_loop,
//                  udp_set_multicast_ttl, udp_set_multicast_interface
//                    -> () or an error (the socket stays open)
//                  udp_close (the actor ends)
//   to its owner:  udp_received, udp_send_failed, udp_receive_failed,
//                  udp_closed; the sender of each is the socket actor.
// A failed datagram never ends the socket: datagrams are independent. When
// the actor ends for any reason its socket is closed, requests still waiting
// fail with ECANCELED, and the owner gets udp_closed. If the owner ends
// first, the socket closes.
// Thread safety: an actor; spawn it on the loop that will own its socket
// (spawn_udp_socket in actors/udp_uv_io.hpp).
#pragma once

#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <memory>
#include <unordered_map>

#include "actors/messages/udp_messages.hpp"
#include "actors/udp_io.hpp"

namespace netactors {

struct udp_socket_options {
  /// Start receiving as soon as udp_bind succeeded.
  bool start_receiving = true;
  /// Bytes of each datagram kept (1..65536); larger ones arrive truncated.
  uint32_t receive_buffer_size = 64 * 1024;
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
  udp_socket_options options;
  bool bound = false;
  bool receiving = false;
  bool closed_event_sent = false;
  uint64_t next_token = 1;
  std::unordered_map<uint64_t, pending_send> pending;

  ~udp_socket_state();

  static const char* name;
};

using udp_socket_actor = caf::stateful_actor<udp_socket_state>;

/// The socket actor's behavior; it waits for udp_bind.
caf::behavior udp_socket(udp_socket_actor* self, std::shared_ptr<udp_io> io,
                         caf::actor owner, udp_socket_options options);

}  // namespace netactors
