// netactors::tcp_io: what a connection actor may ask of its socket. The real
// implementation (actors/tcp/uv_tcp_io.hpp) calls net::tcp_stream on the loop
// thread the actor runs on; tests substitute a fake, as CAF's own tests use a
// test_multiplexer, so actor logic runs under the deterministic scheduler.
//
// Events flow back as messages: bytes go to the owner as tcp_received sent
// *as* the connection actor while the read window allows (actors/
// read_window.hpp); a read that is a window marker, and everything else,
// goes to the connection actor itself as a sealed io event (actors/
// io_event.hpp, declared below): only the actor's own seam can send them.
// The peer's FIN (EOF) of a connection that allows half-open connections
// goes to the owner as tcp_read_closed the same way, when the actor has
// nothing to do at that moment (see fin_straight_to_owner).
// The seam holds its actor weakly: it never keeps the actor alive.
// Thread safety: only from the actor that holds it (on its loop thread).
// Ownership: held by that actor's state, whose destructor calls close().
#pragma once

#include <caf/actor.hpp>

#include <cstddef>
#include <cstdint>

#include "actors/core/io_event.hpp"
#include "actors/messages/net_types.hpp"
#include "actors/messages/net_error.hpp"
#include "actors/core/read_window.hpp"
#include "net/core/byte_buffer.hpp"
#include "net/core/endpoint.hpp"

namespace netactors {

// -- the seam's events to its connection actor (sealed) ----------------------

/// connect() finished: ok, or why not.
struct tcp_io_connected {
  net_error status;
};
NETACTORS_IO_EVENT(tcp_io_connected, status)

/// The peer half-closed (reason EOF) or reading failed.
struct tcp_io_read_end {
  net_error reason;
};
NETACTORS_IO_EVENT(tcp_io_read_end, reason)

/// A pending write went out (or failed).
struct tcp_io_write_done {
  uint64_t token = 0;
  net_error status;
};
NETACTORS_IO_EVENT(tcp_io_write_done, token, status)

struct tcp_io_shutdown_done {
  net_error status;
};
NETACTORS_IO_EVENT(tcp_io_shutdown_done, status)

/// A read that is a window marker (see read_window): the seam stopped
/// reading; the actor sends `data` to the owner as a request and counts the
/// reply as the owner having consumed every byte up to `position`.
struct tcp_io_read_marker {
  net::byte_buffer data;
  uint64_t position = 0;
};
NETACTORS_IO_EVENT(tcp_io_read_marker, data, position)

/// Whether the seam sends the peer's FIN straight to the owner as
/// tcp_read_closed (and not tcp_io_read_end to the actor): the actor asked
/// for it (send_fin_to_owner), has begun no shutdown (it must end the
/// connection once both directions are closed) and no window marker is on
/// its way through the actor (the FIN would overtake those bytes).
inline bool fin_straight_to_owner(bool asked, bool shutdown_begun,
                                  const read_window& window) {
  return asked && !shutdown_begun && !window.marker_in_transit();
}

class tcp_io {
 public:
  virtual ~tcp_io() = default;

  /// The handle id: the connection's id in every message.
  virtual uint64_t id() const = 0;

  /// Routes the socket's events (see above). Called once, from the actor's
  /// initialisation. `self` is kept weakly.
  virtual void attach(const caf::actor& self, caf::actor owner) = 0;

  /// For a half-open connection (tcp_connection_options::allow_half_open),
  /// whose owner ends the write side itself; call it once the connection is
  /// open (connected or accepted). From then on the peer's FIN goes
  /// to the owner as tcp_read_closed, as from the actor, whenever
  /// fin_straight_to_owner allows, and read_ended() says it came. One
  /// mailbox message and turn of the actor fewer per connection.
  virtual void send_fin_to_owner() = 0;
  /// The peer's FIN went straight to the owner.
  virtual bool read_ended() const = 0;

  virtual net_error connect(const net::endpoint& peer) = 0;
  virtual net_error read_start() = 0;
  virtual net_error read_stop() = 0;

  /// Outcome of write(): an error, or whether every byte already went out
  /// (otherwise tcp_io_write_done with this token follows).
  struct write_outcome {
    net_error error;
    bool completed = false;
  };
  virtual write_outcome write(net::byte_buffer bytes, uint64_t token) = 0;

  /// Bytes written but not yet handed to the kernel.
  virtual size_t write_queue_size() const = 0;

  virtual net_error shutdown() = 0;
  virtual net_error set_nodelay(bool enable) = 0;
  virtual net_error set_keepalive(bool enable, unsigned delay_seconds) = 0;

  /// The read window the seam applies (shared with the actor, which records
  /// the owner's acks in it).
  virtual read_window& window() = 0;
  /// Changes the window and the size of each read to match.
  virtual void set_read_window(uint64_t bytes) = 0;

  /// Bytes read so far (they go straight to the owner, so the io counts).
  virtual uint64_t bytes_received() const = 0;

  /// Local and peer addresses; 0.0.0.0:0 when unknown (not connected).
  virtual net::endpoint local() const = 0;
  virtual net::endpoint peer() const = 0;

  /// Closes the socket; pending writes are cancelled. Idempotent.
  virtual void close() = 0;
};

}  // namespace netactors
