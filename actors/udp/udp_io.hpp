// netactors::udp_io: what a UDP socket actor may ask of its socket. The real
// implementation (actors/udp/uv_udp_io.hpp) calls net::udp_socket on the loop
// thread the actor runs on; tests substitute a fake, so the actor's logic
// runs under CAF's deterministic scheduler.
//
// Events flow back as messages: datagrams go to the owner as udp_received
// (while the receive window allows, see actors/core/read_window.hpp) and receive
// errors as udp_receive_failed, both sent *as* the socket actor; send
// completions and window markers go to the socket actor itself as sealed io
// events (actors/core/io_event.hpp, declared below). The seam holds its actor
// weakly: it never keeps the actor alive.
// Thread safety: only from the actor that holds it (on its loop thread).
// Ownership: held by that actor's state, whose destructor calls close().
#pragma once

#include <caf/actor.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/core/io_event.hpp"
#include "actors/messages/net_types.hpp"
#include "actors/messages/net_error.hpp"
#include "actors/core/read_window.hpp"
#include "net/core/byte_buffer.hpp"
#include "net/core/endpoint.hpp"

namespace netactors {

// -- the seam's events to its socket actor (sealed) --------------------------

/// A send() went out (or failed).
struct udp_io_send_done {
  uint64_t token = 0;
  net_error status;
};
NETACTORS_IO_EVENT(udp_io_send_done, token, status)

/// A datagram that is a receive-window marker: the seam stopped receiving;
/// the actor sends it to the owner as a request and counts the reply as the
/// owner having consumed everything up to `position`.
struct udp_io_datagram_marker {
  net::endpoint from;
  net::byte_buffer data;
  bool truncated = false;
  uint64_t position = 0;
};
NETACTORS_IO_EVENT(udp_io_datagram_marker, from, data, truncated, position)

/// What a datagram counts in the receive window: its bytes, at least 1 (an
/// empty datagram still costs a message).
inline uint64_t window_cost(size_t datagram_bytes) {
  return datagram_bytes == 0 ? 1 : datagram_bytes;
}

class udp_io {
 public:
  virtual ~udp_io() = default;

  /// The socket's id in every message; 0 until bind() created it.
  virtual uint64_t id() const = 0;

  /// Routes the socket's events (see above). Called once, from the actor's
  /// initialisation, before bind(). `self` is kept weakly.
  virtual void attach(const caf::actor& self, caf::actor owner) = 0;

  /// Creates the socket for `local`'s family, binds it to `device` first if
  /// one is named (SO_BINDTODEVICE), then binds to `local`. EISCONN when
  /// already bound.
  virtual net_error bind(const net::endpoint& local, bool reuse_address,
                         bool ipv6_only, const std::string& device) = 0;

  /// The bound address; 0.0.0.0:0 before bind().
  virtual net::endpoint local() const = 0;

  /// Receives into a buffer of `buffer_size` bytes (larger datagrams arrive
  /// truncated).
  virtual net_error receive_start(size_t buffer_size) = 0;
  virtual net_error receive_stop() = 0;

  /// Queues one datagram; udp_io_send_done with `token` follows unless an
  /// error is returned (ENOBUFS when the send queue is over its limit,
  /// EMSGSIZE for more than 65535 bytes).
  virtual net_error send(const net::endpoint& to, net::byte_buffer bytes,
                         uint64_t token) = 0;

  /// Bytes of datagrams queued and not yet sent at most (ENOBUFS beyond).
  virtual void set_send_queue_limit(uint64_t bytes) = 0;

  /// The receive window the seam applies (shared with the actor).
  virtual read_window& window() = 0;

  virtual net_error set_broadcast(bool enable) = 0;
  virtual net_error set_ttl(int ttl) = 0;
  virtual net_error set_membership(const std::string& group,
                                   const std::string& interface_address,
                                   bool join) = 0;
  virtual net_error set_multicast_loop(bool enable) = 0;
  virtual net_error set_multicast_ttl(int ttl) = 0;
  virtual net_error set_multicast_interface(const std::string& address) = 0;

  /// Closes the socket; datagrams not yet sent are dropped. Idempotent.
  virtual void close() = 0;
};

}  // namespace netactors
