// netactors::tcp_connection: the actor that is one TCP connection.
//
// Protocol (dynamically typed; all messages in actors/messages/tcp_messages.hpp):
//   to it:            tcp_connect (unconnected only) -> tcp_connection_opened
//                     tcp_write -> tcp_write_done (when requested)
//                     tcp_set_reading, tcp_shutdown -> (), tcp_close,
//                     tcp_set_nodelay -> (), tcp_set_keepalive -> (),
//                     tcp_get_info -> tcp_connection_info
//   to its owner:     tcp_connection_opened, tcp_received, tcp_backpressure,
//                     tcp_read_closed (a request), tcp_connection_closed;
//                     the sender of each is the connection actor.
// The write queue is bounded: above `high_water` bytes the owner gets
// tcp_backpressure{above_high_water=true} (and again with false below
// `low_water`); a write that would pass `write_queue_limit` fails with
// ENOBUFS and ends the connection. When the actor ends for any reason its
// socket is closed, and the owner gets tcp_connection_closed. If the owner
// ends first, the connection closes.
// Thread safety: an actor; spawn it on the loop that owns its socket.
#pragma once

#include <caf/stateful_actor.hpp>
#include <caf/response_promise.hpp>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "actors/messages/tcp_messages.hpp"
#include "actors/tcp_io.hpp"

namespace netactors {

struct tcp_connection_options {
  uint64_t high_water = 1024 * 1024;
  uint64_t low_water = 256 * 1024;
  uint64_t write_queue_limit = 16 * 1024 * 1024;
  /// After the peer's FIN, keep the write side open until the owner sends
  /// tcp_shutdown or tcp_close (Node's allowHalfOpen). Otherwise the
  /// connection shuts down after the owner acknowledged tcp_read_closed.
  bool allow_half_open = false;
  /// Start reading as soon as the connection is open.
  bool start_reading = true;
  /// TCP_NODELAY on open: echo-style traffic wants it.
  bool nodelay = true;
  /// Stop reading as soon as the write queue passes high_water and start
  /// again below low_water, without waiting for the owner to react to
  /// tcp_backpressure (for owners that write what they read, like echo).
  bool pause_reading_when_full = false;
};

struct tcp_connection_state {
  /// A write libuv has not finished: its size, and the requester's promise
  /// when the write was a request.
  struct pending_write {
    uint64_t size = 0;
    caf::response_promise promise;
  };

  std::shared_ptr<tcp_io> io;
  caf::actor owner;
  tcp_connection_options options;
  bool open = false;
  bool reading = false;
  bool read_closed = false;
  bool shutting_down = false;
  bool shutdown_done = false;
  bool finish_after_shutdown = false;
  bool above_high_water = false;
  bool paused_by_backpressure = false;
  bool closed_event_sent = false;
  uint64_t next_token = 1;
  uint64_t bytes_sent = 0;
  uint64_t max_write_queue_bytes = 0;
  std::unordered_map<uint64_t, pending_write> pending_writes;  // by token
  // Requests answered later; empty (no allocation) on an idle connection.
  std::vector<caf::response_promise> connect_promises;
  std::vector<caf::response_promise> shutdown_promises;

  ~tcp_connection_state();

  static const char* name;
};

using tcp_connection_actor = caf::stateful_actor<tcp_connection_state>;

/// The connection actor's behavior. `connected`: the socket is already
/// connected (accepted); otherwise the actor waits for tcp_connect.
caf::behavior tcp_connection(tcp_connection_actor* self,
                             std::shared_ptr<tcp_io> io, caf::actor owner,
                             tcp_connection_options options, bool connected);

}  // namespace netactors
