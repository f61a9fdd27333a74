// The TCP messages: commands to listener and connection actors, their
// replies and the events a connection sends its owner. They serve Unix-domain
// stream sockets too: a Unix endpoint ("unix:PATH", JSON {"path":PATH}) in
// tcp_listen or tcp_connect makes a Unix socket (net/unix/), and its
// endpoints then hold the socket path and no port (the listening side's
// path; a client's end is unnamed, "unix:"). (The loop's internal
// notifications to a connection are sealed io events in actors/tcp/tcp_io.hpp.)
// All plain structs; JSON and CAF forms come
// from NETACTORS_MESSAGE. Protocols are documented in actors/tcp/tcp_listener.hpp
// and actors/tcp/tcp_connection.hpp.
#pragma once

#include <caf/detail/type_list.hpp>

#include <cstdint>

#include "actors/messages/message_macros.hpp"
#include "actors/messages/message_instances.hpp"
#include "actors/messages/net_error_json.hpp"
#include "actors/messages/net_types.hpp"
#include "actors/messages/net_error.hpp"
#include "net/core/byte_buffer.hpp"
#include "net/core/endpoint.hpp"

namespace netactors {

// -- listener ---------------------------------------------------------------

/// To a listener: bind and listen. Reply: tcp_listening, or an error
/// (EADDRINUSE, EACCES, EADDRNOTAVAIL, ...), after which the listener ends.
/// At a Unix path: the socket file is created 0600, replaces a stale socket
/// (ENOTSOCK when something else is there) and is removed when the listener
/// ends (net/unix/pipe_listener.hpp); backlog applies, ipv6_only does not.
struct tcp_listen {
  net::endpoint address;
  int32_t backlog = 511;
  bool ipv6_only = false;
};
NETACTORS_MESSAGE(tcp_listen, address, backlog, ipv6_only)

/// Reply to tcp_listen: the bound address (port 0 resolved).
struct tcp_listening {
  uint64_t listener_id = 0;
  net::endpoint address;
};
NETACTORS_MESSAGE(tcp_listening, listener_id, address)

/// To a listener's owner: accepting a connection failed (e.g. EMFILE).
struct tcp_accept_failed {
  uint64_t listener_id = 0;
  net_error reason;
};
NETACTORS_MESSAGE(tcp_accept_failed, listener_id, reason)

// -- connection: commands ---------------------------------------------------

/// To an unconnected connection actor: connect. Reply: tcp_connection_opened
/// or an error (ECONNREFUSED, ETIMEDOUT, ...), after which the actor ends.
struct tcp_connect {
  net::endpoint peer;
  uint32_t timeout_ms = 0;  ///< 0: the kernel's own timeout
};
NETACTORS_MESSAGE(tcp_connect, peer, timeout_ms)

/// Write bytes. Sent with `request`, the reply tcp_write_done comes once
/// libuv has handed every byte to the kernel; sent with `send`, nothing
/// comes back and a failure ends the connection (the owner is told why).
/// A write before the connection is open is refused (ENOTCONN) and the
/// connection stays: the reply is the error, or for a plain send the owner
/// gets tcp_write_refused.
struct tcp_write {
  net::byte_buffer data;
};
NETACTORS_MESSAGE(tcp_write, data)

/// tcp_write that is refused, not fatal, over the write budget
/// (write_queue_limit minus the bytes queued, see tcp_connection_info):
/// ENOBUFS as the reply, or for a plain send tcp_write_refused to the
/// owner, and the connection lives. For owners that would rather drop or
/// delay a message than lose a slow peer.
struct tcp_try_write {
  net::byte_buffer data;
};
NETACTORS_MESSAGE(tcp_try_write, data)

struct tcp_write_done {
  uint64_t id = 0;
  uint64_t bytes = 0;
};
NETACTORS_MESSAGE(tcp_write_done, id, bytes)

/// Start (true) or stop (false) reading: the owner's own pause. It is
/// independent of the automatic pauses (write queue above high water with
/// pause_reading_when_full, read window full): the socket reads only when
/// the owner wants it and no automatic pause holds.
struct tcp_set_reading {
  bool enable = true;
};
NETACTORS_MESSAGE(tcp_set_reading, enable)

/// Changes the read window: how many bytes the connection delivers to its
/// owner beyond what the owner has consumed (see tcp_connection_options::
/// read_window). Reply: empty message, or EINVAL for 0.
struct tcp_set_read_window {
  uint64_t bytes = 0;
};
NETACTORS_MESSAGE(tcp_set_read_window, bytes)

/// Half-close: send FIN after every queued write. Reply: empty message.
struct tcp_shutdown {};
NETACTORS_EMPTY_MESSAGE(tcp_shutdown)

/// Close now; queued writes are cancelled. The actor ends.
struct tcp_close {};
NETACTORS_EMPTY_MESSAGE(tcp_close)

/// Reply: empty message, or an error.
struct tcp_set_nodelay {
  bool enable = true;
};
NETACTORS_MESSAGE(tcp_set_nodelay, enable)

/// Reply: empty message, or an error.
struct tcp_set_keepalive {
  bool enable = true;
  uint32_t delay_seconds = 60;
};
NETACTORS_MESSAGE(tcp_set_keepalive, enable, delay_seconds)

/// Reply: tcp_connection_info.
struct tcp_get_info {};
NETACTORS_EMPTY_MESSAGE(tcp_get_info)

struct tcp_connection_info {
  uint64_t id = 0;
  net::endpoint local;
  net::endpoint peer;
  bool reading = false;
  uint64_t bytes_received = 0;
  uint64_t bytes_sent = 0;
  uint64_t write_queue_bytes = 0;
  uint64_t max_write_queue_bytes = 0;  ///< the most ever queued
  uint64_t high_water = 0;
  uint64_t write_queue_limit = 0;
  /// Bytes a tcp_write may still queue: write_queue_limit minus the queue.
  uint64_t write_budget = 0;
  uint64_t read_window = 0;
  /// Bytes delivered to the owner that it has not yet acknowledged.
  uint64_t unconsumed_bytes = 0;
};
NETACTORS_MESSAGE(tcp_connection_info, id, local, peer, reading,
                  bytes_received, bytes_sent, write_queue_bytes,
                  max_write_queue_bytes, high_water, write_queue_limit,
                  write_budget, read_window, unconsumed_bytes)

// -- connection: events to the owner (the sender is the connection) --------

/// The connection is established (accepted or connected). On a Unix socket
/// `local` and `peer` are Unix endpoints: the listener's path on the
/// accepted side, "unix:" (unnamed) for the client's end.
struct tcp_connection_opened {
  uint64_t id = 0;
  net::endpoint local;
  net::endpoint peer;
};
NETACTORS_MESSAGE(tcp_connection_opened, id, local, peer)

/// Bytes arrived (never empty). Usually a plain message; the read that is a
/// read-window marker comes as a request, answered automatically when the
/// owner's handler returns (an owner that takes a response promise holds
/// back the window until it delivers).
struct tcp_received {
  uint64_t id = 0;
  net::byte_buffer data;
};
NETACTORS_MESSAGE(tcp_received, id, data)

/// The write queue rose above its high-water mark (above_high_water) or
/// drained below its low-water mark again.
struct tcp_backpressure {
  uint64_t id = 0;
  uint64_t queued_bytes = 0;
  bool above_high_water = false;
};
NETACTORS_MESSAGE(tcp_backpressure, id, queued_bytes, above_high_water)

/// Sent when the peer half-closed (reason "EOF"; a read error ends the
/// connection with tcp_connection_closed instead). Every tcp_received came
/// before it. To a connection that does not allow half-open connections it
/// is a *request*: when the owner's reply (any reply, or an error) arrives,
/// the connection shuts down after the owner's queued writes and ends. With
/// allow_half_open it is a plain message, and the owner ends the write side
/// with tcp_shutdown or tcp_close when it is done writing.
struct tcp_read_closed {
  uint64_t id = 0;
  net_error reason;
};
NETACTORS_MESSAGE(tcp_read_closed, id, reason)

/// A plain-sent tcp_write was refused and the connection lives on: ENOTCONN
/// (not open yet) or ENOBUFS (tcp_try_write over the write budget).
struct tcp_write_refused {
  uint64_t id = 0;
  uint64_t bytes = 0;
  net_error reason;
};
NETACTORS_MESSAGE(tcp_write_refused, id, bytes, reason)

/// The connection actor ended; reason is empty (code 0) after a local close.
struct tcp_connection_closed {
  uint64_t id = 0;
  net_error reason;
};
NETACTORS_MESSAGE(tcp_connection_closed, id, reason)

// The capability's message types, listed once (message_instances.hpp).
#define NETACTORS_TCP_MESSAGES(X) \
    X(tcp_listen) X(tcp_listening) X(tcp_accept_failed) X(tcp_connect) \
    X(tcp_write) X(tcp_write_done) X(tcp_set_reading) X(tcp_shutdown) \
    X(tcp_close) X(tcp_set_nodelay) X(tcp_set_keepalive) X(tcp_get_info) \
    X(tcp_connection_info) X(tcp_connection_opened) X(tcp_received) \
    X(tcp_backpressure) X(tcp_read_closed) X(tcp_connection_closed) \
    X(tcp_set_read_window) X(tcp_write_refused) X(tcp_try_write)

using tcp_message_types = NETACTORS_TYPE_LIST(NETACTORS_TCP_MESSAGES);

}  // namespace netactors

// CAF's per-type instances are in tcp_catalogue.cpp.
NETACTORS_TCP_MESSAGES(NETACTORS_EXTERN_MESSAGE_INSTANCES)
