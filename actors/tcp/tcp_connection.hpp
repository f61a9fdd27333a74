// netactors::tcp_connection: the actor that is one TCP connection.
//
// Protocol: tcp_connection_actor below (a typed handle: any other message
// is a compile error); all messages in actors/messages/tcp_messages.hpp.
//   to it:            tcp_connect (unconnected only) -> tcp_connection_opened
//                     tcp_write, tcp_try_write -> tcp_write_done (when
//                       requested)
//                     tcp_set_reading, tcp_shutdown -> (), tcp_close,
//                     tcp_set_read_window -> (),
//                     tcp_set_nodelay -> (), tcp_set_keepalive -> (),
//                     tcp_get_info -> tcp_connection_info
//   to its owner:     tcp_connection_owner below: tcp_connection_opened,
//                     tcp_received (the window's markers as requests),
//                     tcp_backpressure, tcp_write_refused, tcp_read_closed
//                     (a request unless allow_half_open), tcp_connection_closed (opened and closed
//                     only with options.open_close_events); the sender of
//                     each is the connection actor.
// Inbound data is bounded by the read window (actors/core/read_window.hpp): the
// owner holds at most read_window bytes it has not consumed, plus one read
// (at most 64 KiB); beyond that the connection stops reading and TCP's own
// flow control stops the peer. Owners need no code for it: a handler that
// returns has consumed its bytes.
// The write queue is bounded: above `high_water` bytes the owner gets
// tcp_backpressure{above_high_water=true} (and again with false below
// `low_water`); a write that would pass `write_queue_limit` fails with
// ENOBUFS and ends the connection; a tcp_try_write is refused instead
// (ENOBUFS) and the connection lives. A write before the connection
// is open is refused with ENOTCONN. Refusals go back as the reply to a
// requested write, or to the owner as tcp_write_refused.
// Reading happens only when the owner wants it (tcp_set_reading), the write
// queue does not pause it (pause_reading_when_full) and the read window is
// open: three independent conditions.
// Lifetime: the actor ends on tcp_close, when its owner ends, on an exit
// message, on a read or write error, after both directions closed, after
// idle_timeout_ms without traffic (ETIMEDOUT), or, before it connects, when
// nobody holds a handle to it any more. From tcp_connect (or from the
// moment an accepted connection opens) it keeps itself alive until one of
// the other ends. When it ends its socket is closed and the owner gets
// tcp_connection_closed (unless the owner is the one that ended).
// The owner is watched, not monitored: the owner carries one record for all
// the sockets it owns and each connection's state an owner_link (three
// pointers) in it (actors/core/owner_watch.hpp), so an owner with many
// connections pays no CAF monitor per connection and a connection's end
// does not walk the owner's monitors. When the owner ends, every connection
// still linked gets the down_msg a monitor would have sent and finishes.
// Thread safety: an actor; spawn it on the loop that owns its socket.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "actors/core/owner_watch.hpp"
#include "actors/core/shared_behavior.hpp"
#include "actors/messages/tcp_messages.hpp"
#include "actors/tcp/tcp_io.hpp"

namespace netactors {

/// The handle of a connection actor: what anyone may send it.
using tcp_connection_actor = caf::typed_actor<
    caf::replies_to<tcp_connect>::with<tcp_connection_opened>,
    caf::replies_to<tcp_write>::with<tcp_write_done>,
    caf::replies_to<tcp_try_write>::with<tcp_write_done>,
    caf::reacts_to<tcp_set_reading>, caf::reacts_to<tcp_set_read_window>,
    caf::reacts_to<tcp_shutdown>, caf::reacts_to<tcp_close>,
    caf::reacts_to<tcp_set_nodelay>, caf::reacts_to<tcp_set_keepalive>,
    caf::replies_to<tcp_get_info>::with<tcp_connection_info>>;

/// What a connection sends its owner. Owners are caf::actor (pass
/// caf::actor_cast<caf::actor>(x) for a typed one); a typed owner may
/// implement this (tcp_received and tcp_read_closed may come as requests:
/// any reply, or returning, acknowledges them).
using tcp_connection_owner = caf::typed_actor<
    caf::reacts_to<tcp_connection_opened>, caf::reacts_to<tcp_received>,
    caf::reacts_to<tcp_backpressure>, caf::reacts_to<tcp_write_refused>,
    caf::reacts_to<tcp_read_closed>, caf::reacts_to<tcp_connection_closed>>;

/// The connection's own timers: connect timeout, idle check.
using tcp_connect_timeout_atom = caf::atom_constant<caf::atom("ctimeout")>;
using tcp_idle_check_atom = caf::atom_constant<caf::atom("idlechk")>;

/// The implementation's interface: the public one plus what only the actor
/// itself sends (its io's sealed events, its timers). Not a handle to hand
/// out: it converts to tcp_connection_actor.
using tcp_connection_impl = tcp_connection_actor::extend<
    caf::reacts_to<tcp_io_connected>, caf::reacts_to<tcp_io_write_done>,
    caf::reacts_to<tcp_io_read_marker>, caf::reacts_to<tcp_io_shutdown_done>,
    caf::reacts_to<tcp_io_read_end>, caf::reacts_to<tcp_connect_timeout_atom>,
    caf::reacts_to<tcp_idle_check_atom>>;

struct tcp_connection_options {
  uint64_t high_water = 1024 * 1024;
  uint64_t low_water = 256 * 1024;
  uint64_t write_queue_limit = 16 * 1024 * 1024;
  /// After the peer's FIN, keep the write side open until the owner sends
  /// tcp_shutdown or tcp_close (Node's allowHalfOpen); tcp_read_closed then
  /// comes as a plain message, as nothing waits for the owner's answer.
  /// Otherwise it is a request, and the connection shuts down after the
  /// owner answered it and ends when its FIN went out. Either way, once
  /// both directions are closed and nothing is queued, the connection
  /// closes (which sends the FIN) instead of shutting down first.
  bool allow_half_open = false;
  /// Start reading as soon as the connection is open.
  bool start_reading = true;
  /// TCP_NODELAY on open: echo-style traffic wants it. (A listener sets
  /// this and keepalive on its own socket; accepted sockets inherit them.)
  bool nodelay = true;
  /// Stop reading as soon as the write queue passes high_water and start
  /// again below low_water, without waiting for the owner to react to
  /// tcp_backpressure (for owners that write what they read, like echo).
  bool pause_reading_when_full = false;
  /// Bytes delivered to the owner and not yet consumed before reading
  /// stops (see read_window.hpp); the owner can change it at run time with
  /// tcp_set_read_window. Memory per connection is bounded by read_window
  /// + one read (64 KiB) + write_queue_limit. 1 MiB: each window marker
  /// costs a request, a reply and a read stop/start; at 256 KiB (a marker
  /// every second 64 KiB read) bulk echo took ~1.8x the server CPU per
  /// message, at 1 MiB the same as with no window (tools/loadgen bulk, 200
  /// connections).
  uint64_t read_window = 1024 * 1024;
  /// TCP keepalive on open: first probe after this many idle seconds, then
  /// every 10 s, 6 times (net::tcp_stream::set_keepalive); a peer that
  /// vanished without FIN or RST is detected after delay + 60 s. 0: off.
  uint32_t keepalive_seconds = 60;
  /// tcp_connection_opened carries the local and peer addresses, at a
  /// getsockname and a getpeername per connection. false leaves both
  /// 0.0.0.0:0 there, for owners that never look at them (tcp_get_info
  /// still has them).
  bool opened_endpoints = true;
  /// The owner gets tcp_connection_opened when an accepted connection
  /// opens and tcp_connection_closed when it ends. false: neither (two
  /// mailbox messages fewer per connection, ~3.5k instructions), for owners
  /// that keep nothing per connection and would ignore both, like a quiet
  /// echo server. A tcp_connect is still answered with
  /// tcp_connection_opened, and every other event still comes.
  bool open_close_events = true;
  /// End the connection with ETIMEDOUT after this long without a byte read
  /// or written (checked every idle_timeout_ms / 4, so it ends within 1.25
  /// times this). 0: off.
  uint32_t idle_timeout_ms = 0;
};

struct tcp_connection_state {
  /// A write libuv has not finished: its token and size, and the
  /// requester's promise when the write was a request.
  struct pending_write {
    uint64_t token = 0;
    uint64_t size = 0;
    caf::response_promise promise;
  };

  std::shared_ptr<tcp_io> io;
  caf::actor owner;
  /// Its place in the owner's watch: ends this actor when `owner` ends
  /// (io_actor_lifecycle.hpp, owner_watch.hpp).
  owner_link watching_owner;
  /// Shared with every connection of the same listener (16 bytes here
  /// instead of a 56-byte copy per connection).
  std::shared_ptr<const tcp_connection_options> options;
  /// Holds the actor alive from tcp_connect or opening until it finishes
  /// (nobody else has to: the owner may keep no handle).
  caf::actor keep_alive;
  // Flags as bits: 8 bytes less per connection, which moves the actor
  // block (1,160 bytes) into the next smaller malloc size class.
  bool open : 1;
  bool reading : 1;  ///< the socket is reading now
  bool owner_wants_reading : 1;
  bool read_closed : 1;
  bool shutting_down : 1;
  bool shutdown_done : 1;
  bool finish_after_shutdown : 1;
  bool above_high_water : 1;
  bool paused_by_backpressure : 1;
  /// tcp_connection_closed went to the owner, or must not go (the owner
  /// ended, or asked for no open_close_events).
  bool closed_event_sent : 1;
  uint64_t next_token = 1;
  uint64_t bytes_sent = 0;
  uint64_t max_write_queue_bytes = 0;
  /// Writes libuv has not finished, oldest first (it finishes a stream's
  /// writes in order). Made on the first write that does not complete at
  /// once: an idle connection holds 8 bytes here, not a 56-byte map.
  std::unique_ptr<std::deque<pending_write>> pending_writes;
  bool writes_pending() const {
    return pending_writes && !pending_writes->empty();
  }

  /// What few connections need: requests answered later and the idle
  /// timeout's bookkeeping. Made on first use (rare()): an accepted
  /// connection without idle timeout never has them.
  struct rare_fields {
    std::vector<caf::response_promise> connect_promises;
    std::vector<caf::response_promise> shutdown_promises;
    // Idle timeout: the traffic counters at the last check, and when they
    // last changed.
    uint64_t idle_seen_traffic = 0;
    caf::actor_clock::time_point last_traffic;
  };
  std::unique_ptr<rare_fields> rare_ptr;
  rare_fields& rare() {
    if (!rare_ptr) rare_ptr = std::make_unique<rare_fields>();
    return *rare_ptr;
  }
  bool connecting() const {
    return rare_ptr && !rare_ptr->connect_promises.empty();
  }

  tcp_connection_state()
      : open(false),
        reading(false),
        owner_wants_reading(true),
        read_closed(false),
        shutting_down(false),
        shutdown_done(false),
        finish_after_shutdown(false),
        above_high_water(false),
        paused_by_backpressure(false),
        closed_event_sent(false) {}
  ~tcp_connection_state();

  static const char* name;
};

/// The connection actor itself (its handlers' `self`).
using tcp_connection_self =
    shared_stateful_pointer<tcp_connection_impl, tcp_connection_state>;

/// The connection actor's behavior. `connected`: the socket is already
/// connected (accepted); otherwise the actor waits for tcp_connect.
tcp_connection_impl::behavior_type tcp_connection(
    tcp_connection_self self, std::shared_ptr<tcp_io> io, caf::actor owner,
    tcp_connection_options options, bool connected);

/// The same, with options that many connections share (a listener's).
tcp_connection_impl::behavior_type tcp_connection_with_shared_options(
    tcp_connection_self self, std::shared_ptr<tcp_io> io, caf::actor owner,
    std::shared_ptr<const tcp_connection_options> options, bool connected);

class runtime;

/// Spawns an unconnected connection actor on the next loop, owned by
/// `owner`; request tcp_connect from it. Thread-safe. Defined with the
/// listener (target //actors/tcp:tcp_listener), which already spawns connections
/// over a uv_tcp_io: defining it here would make //actors/tcp:tcp_connection
/// depend on //actors/tcp:uv_tcp_io, which depends on it.
tcp_connection_actor spawn_tcp_connection(runtime& rt, caf::actor owner,
                                          tcp_connection_options options = {});

}  // namespace netactors
