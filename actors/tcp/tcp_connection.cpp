#include "actors/tcp/tcp_connection.hpp"

#include "actors/core/io_actor_lifecycle.hpp"
#include "actors/core/io_event.hpp"
#include "actors/core/shared_behavior.hpp"
#include "actors/core/tell.hpp"

#include <caf/all.hpp>

#include <uv.h>

#include <algorithm>
#include <chrono>
#include <string>

namespace netactors {

namespace {

tcp_connection_opened opened_event(tcp_connection_state& st) {
  if (!st.options->opened_endpoints) return {st.io->id(), {}, {}};
  return {st.io->id(), st.io->local(), st.io->peer()};
}

// Ends the connection: every waiting request learns why, the owner gets
// tcp_connection_closed, the socket closes, the actor quits.
void finish(tcp_connection_self self, net_error reason) {
  auto& st = self->state;
  // Made only for a request that waits: usually none does, and making it
  // cost ~2k instructions per closed connection.
  caf::error err;
  auto waiting_error = [&]() -> const caf::error& {
    if (!err) err = waiting_request_error(reason, "connection closed");
    return err;
  };
  if (st.pending_writes) {
    for (auto& w : *st.pending_writes)
      if (w.promise.pending()) w.promise.deliver(waiting_error());
    st.pending_writes->clear();
  }
  if (st.rare_ptr) {
    for (auto& rp : st.rare_ptr->connect_promises) rp.deliver(waiting_error());
    st.rare_ptr->connect_promises.clear();
    for (auto& rp : st.rare_ptr->shutdown_promises) rp.deliver(waiting_error());
    st.rare_ptr->shutdown_promises.clear();
  }
  end_socket_actor(self, reason, tcp_connection_closed{st.io->id(), reason});
}

// The peer's FIN came: to this actor, or straight from the seam to the
// owner (tcp_io::send_fin_to_owner).
bool read_closed(const tcp_connection_state& st) {
  return st.read_closed || st.io->read_ended();
}

// Reads only when the owner wants it, the write queue does not pause it and
// the read window is open.
void update_reading(tcp_connection_self self) {
  auto& st = self->state;
  if (read_closed(st) || !st.open) return;
  auto& win = st.io->window();
  bool want = st.owner_wants_reading && !st.paused_by_backpressure &&
              !win.blocked() && !win.marker_in_transit();
  if (want == st.reading) return;
  auto err = want ? st.io->read_start() : st.io->read_stop();
  if (err) return finish(self, err);
  st.reading = want;
}

// A write refused without ending the connection: the reply, or the owner
// is told.
void refuse_write(tcp_connection_self self, caf::response_promise& rp,
                  bool wants_ack, uint64_t bytes, net_error err) {
  auto& st = self->state;
  if (wants_ack)
    rp.deliver(make_caf_error(err));
  else if (st.owner)
    tell(self, st.owner, tcp_write_refused{st.io->id(), bytes, std::move(err)});
}

uint64_t write_budget(const tcp_connection_state& st) {
  auto queued = static_cast<uint64_t>(st.io->write_queue_size());
  return queued >= st.options->write_queue_limit
             ? 0
             : st.options->write_queue_limit - queued;
}

void schedule_idle_check(tcp_connection_self self) {
  auto t = self->state.options->idle_timeout_ms;
  self->delayed_send(self, std::chrono::milliseconds(std::max(1u, t / 4)),
                     tcp_idle_check_atom::value);
}

void update_backpressure(tcp_connection_self self) {
  auto& st = self->state;
  auto queued = static_cast<uint64_t>(st.io->write_queue_size());
  if (queued > st.max_write_queue_bytes) st.max_write_queue_bytes = queued;
  if (!st.above_high_water && queued > st.options->high_water) {
    st.above_high_water = true;
    if (st.options->pause_reading_when_full) {
      st.paused_by_backpressure = true;
      update_reading(self);
    }
    tell(self, st.owner, tcp_backpressure{st.io->id(), queued, true});
  } else if (st.above_high_water && queued <= st.options->low_water) {
    st.above_high_water = false;
    if (st.paused_by_backpressure) {
      st.paused_by_backpressure = false;
      update_reading(self);
    }
    tell(self, st.owner, tcp_backpressure{st.io->id(), queued, false});
  }
}

void on_open(tcp_connection_self self) {
  auto& st = self->state;
  st.open = true;
  st.keep_alive = caf::actor_cast<caf::actor>(self);
  if (st.options->allow_half_open) st.io->send_fin_to_owner();
  if (st.options->nodelay) (void)st.io->set_nodelay(true);  // best effort
  if (st.options->keepalive_seconds > 0)  // best effort too
    (void)st.io->set_keepalive(true, st.options->keepalive_seconds);
  if (st.options->open_close_events) tell(self, st.owner, opened_event(st));
  update_reading(self);
  if (st.options->idle_timeout_ms > 0) {
    st.rare().last_traffic = self->clock().now();
    schedule_idle_check(self);
  }
}

// No write waits for libuv: a close now loses nothing.
bool nothing_queued(const tcp_connection_state& st) {
  return !st.writes_pending() && st.io->write_queue_size() == 0;
}

// The owner has seen tcp_read_closed and everything before it (or, with
// allow_half_open, has been sent it and ends the write side itself).
void after_owner_saw_eof(tcp_connection_self self) {
  auto& st = self->state;
  // Our FIN went out already: both directions are done.
  if (st.shutdown_done) return finish(self, {});
  if (st.shutting_down) {
    st.finish_after_shutdown = true;
    return;
  }
  if (st.options->allow_half_open) return;
  // Nothing left to send: closing sends the FIN a shutdown would, without
  // the shutdown call and its completion message.
  if (nothing_queued(st)) return finish(self, {});
  if (auto err = st.io->shutdown()) return finish(self, err);
  st.shutting_down = true;
  st.finish_after_shutdown = true;
}

// tcp_write and tcp_try_write.
void write(tcp_connection_self self, net::byte_buffer data,
           bool refuse_when_full) {
  auto& st = self->state;
  bool wants_ack = self->current_message_id().is_request();
  caf::response_promise rp;
  if (wants_ack) rp = self->make_response_promise();
  auto fail = [&](net_error err) {
    if (wants_ack) rp.deliver(make_caf_error(err));
    finish(self, err);
  };
  uint64_t size = data.size();
  if (!st.open)
    return refuse_write(self, rp, wants_ack, size,
                        net_error::of(UV_ENOTCONN, "write before the connection is open"));
  if (st.shutting_down) return fail(net_error::of(UV_EPIPE, "write after shutdown"));
  if (size > write_budget(st)) {
    auto err = net_error::of(
        UV_ENOBUFS, "write of " + std::to_string(size) + " bytes over the write queue limit of " +
                        std::to_string(st.options->write_queue_limit) + " bytes (" +
                        std::to_string(write_budget(st)) + " left)");
    if (refuse_when_full) return refuse_write(self, rp, wants_ack, size, err);
    return fail(err);
  }
  auto token = st.next_token++;
  auto outcome = st.io->write(std::move(data), token);
  if (outcome.error) return fail(outcome.error);
  if (outcome.completed) {
    st.bytes_sent += size;
    if (wants_ack) rp.deliver(tcp_write_done{st.io->id(), size});
    return;
  }
  if (!st.pending_writes)
    st.pending_writes =
        std::make_unique<std::deque<tcp_connection_state::pending_write>>();
  st.pending_writes->push_back({token, size, std::move(rp)});
  update_backpressure(self);
}

}  // namespace

const char* tcp_connection_state::name = "tcp_connection";

tcp_connection_state::~tcp_connection_state() {
  if (io) io->close();
}

namespace {

// The connection actor's handlers, shared by every connection
// (actors/core/shared_behavior.hpp: 656 bytes less per connection).
tcp_connection_impl::behavior_type connection_behavior() {
  return {
    // The writes and their completions first: CAF 0.17 tries the handlers
    // in order, comparing type_info names, and these are what nearly every
    // message is (each handler tried before one cost ~100 instructions).
    // write() answers a request itself (now or when the write is done).
    [](tcp_write& w) -> caf::result<tcp_write_done> {
      auto self = bound_self<tcp_connection_self>();
      write(self, std::move(w.data), false);
      return caf::delegated<tcp_write_done>{};
    },
    [](tcp_try_write& w) -> caf::result<tcp_write_done> {
      auto self = bound_self<tcp_connection_self>();
      write(self, std::move(w.data), true);
      return caf::delegated<tcp_write_done>{};
    },
    [](tcp_io_write_done& ev) {
      auto self = bound_self<tcp_connection_self>();
      if (!from_own_io(self)) return;
      auto& st = self->state;
      if (!st.writes_pending()) return;
      auto& fifo = *st.pending_writes;
      // libuv completes a stream's writes in order: nearly always the first.
      auto it = fifo.front().token == ev.token
                    ? fifo.begin()
                    : std::find_if(fifo.begin(), fifo.end(),
                                   [&](const auto& w) { return w.token == ev.token; });
      if (it == fifo.end()) return;
      auto done = std::move(*it);
      fifo.erase(it);
      if (ev.status) {
        if (done.promise.pending()) done.promise.deliver(make_caf_error(ev.status));
        return finish(self, ev.status);
      }
      st.bytes_sent += done.size;
      if (done.promise.pending())
        done.promise.deliver(tcp_write_done{st.io->id(), done.size});
      update_backpressure(self);
    },
    // Then what every connection sees once (the peer's FIN): the handlers
    // after it run for few connections.
    [](tcp_io_read_end& ev) {
      auto self = bound_self<tcp_connection_self>();
      if (!from_own_io(self)) return;
      auto& st = self->state;
      st.read_closed = true;
      st.reading = false;
      if (ev.reason.name != "EOF") return finish(self, std::move(ev.reason));
      if (st.options->allow_half_open) {
        // The owner ends the write side itself (tcp_shutdown, tcp_close):
        // nothing waits for its answer, so no request (~1.0k instructions
        // per connection for the promise, the reply and its handler). (Most
        // FINs of such a connection do not even come here: the seam sends
        // them to the owner itself, see tcp_io::send_fin_to_owner.)
        tell(self, st.owner, tcp_read_closed{st.io->id(), std::move(ev.reason)});
        // Unless our own FIN is already on its way: then both ends are done.
        return after_owner_saw_eof(self);
      }
      // Every tcp_received went to the owner before this; the owner's reply
      // comes after any tcp_write it sent in response to them.
      self->request(st.owner, caf::infinite,
                    tcp_read_closed{st.io->id(), std::move(ev.reason)})
          .then([self]() { after_owner_saw_eof(self); },
                [self](caf::error&) { after_owner_saw_eof(self); });
    },
    // What a half-open connection's owner sends next (echo's answer to
    // tcp_read_closed): right behind the FIN, ahead of the rare handlers.
    // Answers a request through `rp` (now or when the FIN is out) and
    // nothing else: returning `delegated` spares CAF's promise for a plain
    // send (~500 instructions per connection).
    [](tcp_shutdown&) -> caf::result<void> {
      auto self = bound_self<tcp_connection_self>();
      auto& st = self->state;
      caf::response_promise rp;
      if (self->current_message_id().is_request())
        rp = self->make_response_promise();
      if (!st.open) {
        rp.deliver(make_caf_error(net_error::of(UV_ENOTCONN, "shutdown")));
        return caf::delegated<void>{};
      }
      if (st.shutting_down) {
        if (st.shutdown_done) rp.deliver(caf::unit);
        else if (rp.pending()) st.rare().shutdown_promises.push_back(std::move(rp));
        return caf::delegated<void>{};
      }
      // The peer's FIN came and nothing is left to send: closing sends our
      // FIN as a shutdown would, without its call and completion message.
      if (read_closed(st) && nothing_queued(st)) {
        rp.deliver(caf::unit);
        finish(self, {});
        return caf::delegated<void>{};
      }
      if (auto err = st.io->shutdown()) {
        rp.deliver(make_caf_error(err));
        finish(self, err);
        return caf::delegated<void>{};
      }
      st.shutting_down = true;
      if (rp.pending()) st.rare().shutdown_promises.push_back(std::move(rp));
      // Both directions done: nothing left for this connection to do.
      st.finish_after_shutdown = read_closed(st);
      return caf::delegated<void>{};
    },
    [](tcp_connect& req) -> caf::result<tcp_connection_opened> {
      auto self = bound_self<tcp_connection_self>();
      auto& st = self->state;
      if (st.open || st.connecting())
        return make_caf_error(net_error::of(UV_EISCONN, "connect"));
      auto rp = self->make_response_promise();
      st.rare().connect_promises.push_back(rp);
      // Someone waits for the outcome: stay alive for it.
      st.keep_alive = caf::actor_cast<caf::actor>(self);
      if (auto err = st.io->connect(req.peer)) {
        finish(self, err);
        return rp;
      }
      if (req.timeout_ms > 0)
        self->delayed_send(self, std::chrono::milliseconds(req.timeout_ms),
                           tcp_connect_timeout_atom::value);
      return rp;  // answered by tcp_io_connected or finish
    },
    [](tcp_io_connected& ev) {
      auto self = bound_self<tcp_connection_self>();
      if (!from_own_io(self)) return;
      auto& st = self->state;
      if (ev.status) return finish(self, ev.status);
      for (auto& rp : st.rare().connect_promises) rp.deliver(opened_event(st));
      st.rare().connect_promises.clear();
      on_open(self);
    },
    [](tcp_connect_timeout_atom) {
      auto self = bound_self<tcp_connection_self>();
      if (!self->state.open)
        finish(self, net_error::of(UV_ETIMEDOUT, "connect timed out"));
    },
    [](tcp_set_reading& r) {
      auto self = bound_self<tcp_connection_self>();
      // The owner's own pause; the automatic ones stay as they are.
      self->state.owner_wants_reading = r.enable;
      update_reading(self);
    },
    [](tcp_set_read_window& r) -> caf::result<void> {
      auto self = bound_self<tcp_connection_self>();
      if (r.bytes == 0)
        return make_caf_error(net_error::of(UV_EINVAL, "read window of 0 bytes"));
      self->state.io->set_read_window(r.bytes);
      update_reading(self);
      return caf::unit;
    },
    [](tcp_io_read_marker& ev) {
      auto self = bound_self<tcp_connection_self>();
      if (!from_own_io(self)) return;
      auto& st = self->state;
      st.reading = false;  // the seam stopped reading at the marker
      st.io->window().marker_forwarded();
      auto position = ev.position;
      auto acked = [self, position] {
        self->state.io->window().consumed_up_to(position);
        update_reading(self);
      };
      // Any reply, an error too (the owner ended, did not understand),
      // means the owner is done with every byte up to the marker.
      self->request(st.owner, caf::infinite,
                    tcp_received{st.io->id(), std::move(ev.data)})
          .then([acked]() { acked(); }, [acked](caf::error&) { acked(); });
      // Queued behind every fast-path read: reading may go on.
      update_reading(self);
    },
    [](tcp_idle_check_atom) {
      auto self = bound_self<tcp_connection_self>();
      auto& st = self->state;
      if (!st.open) return;
      auto traffic = st.io->bytes_received() + st.bytes_sent;
      auto now = self->clock().now();
      auto& idle = st.rare();
      if (traffic != idle.idle_seen_traffic) {
        idle.idle_seen_traffic = traffic;
        idle.last_traffic = now;
      } else if (now - idle.last_traffic >=
                 std::chrono::milliseconds(st.options->idle_timeout_ms)) {
        return finish(self, net_error::of(
                                UV_ETIMEDOUT, "no traffic for " +
                                                  std::to_string(st.options->idle_timeout_ms) +
                                                  " ms (idle timeout)"));
      }
      schedule_idle_check(self);
    },
    [](tcp_io_shutdown_done& ev) {
      auto self = bound_self<tcp_connection_self>();
      if (!from_own_io(self)) return;
      auto& st = self->state;
      if (ev.status) return finish(self, ev.status);
      st.shutdown_done = true;
      if (st.rare_ptr) {
        for (auto& rp : st.rare_ptr->shutdown_promises) rp.deliver(caf::unit);
        st.rare_ptr->shutdown_promises.clear();
      }
      if (st.finish_after_shutdown) finish(self, {});
    },
    [](tcp_close&) { finish(bound_self<tcp_connection_self>(), {}); },
    [](tcp_set_nodelay& o) -> caf::result<void> {
      auto self = bound_self<tcp_connection_self>();
      if (auto err = self->state.io->set_nodelay(o.enable))
        return make_caf_error(err);
      return caf::unit;
    },
    [](tcp_set_keepalive& o) -> caf::result<void> {
      auto self = bound_self<tcp_connection_self>();
      if (auto err = self->state.io->set_keepalive(o.enable, o.delay_seconds))
        return make_caf_error(err);
      return caf::unit;
    },
    [](tcp_get_info&) {
      auto self = bound_self<tcp_connection_self>();
      auto& st = self->state;
      return tcp_connection_info{st.io->id(),
                                 st.io->local(),
                                 st.io->peer(),
                                 st.reading && !read_closed(st),
                                 st.io->bytes_received(),
                                 st.bytes_sent,
                                 st.io->write_queue_size(),
                                 st.max_write_queue_bytes,
                                 st.options->high_water,
                                 st.options->write_queue_limit,
                                 write_budget(st),
                                 st.io->window().window(),
                                 st.io->window().unconsumed()};
    },
  };
}

}  // namespace

tcp_connection_impl::behavior_type tcp_connection(
    tcp_connection_self self, std::shared_ptr<tcp_io> io, caf::actor owner,
    tcp_connection_options options, bool connected) {
  return tcp_connection_with_shared_options(
      self, std::move(io), std::move(owner),
      std::make_shared<const tcp_connection_options>(options), connected);
}

tcp_connection_impl::behavior_type tcp_connection_with_shared_options(
    tcp_connection_self self, std::shared_ptr<tcp_io> io, caf::actor owner,
    std::shared_ptr<const tcp_connection_options> options, bool connected) {
  auto& st = self->state;
  st.io = std::move(io);
  st.owner = std::move(owner);
  st.options = std::move(options);
  st.owner_wants_reading = st.options->start_reading;
  st.closed_event_sent = !st.options->open_close_events;
  st.io->set_read_window(st.options->read_window);
  st.io->attach(caf::actor_cast<caf::actor>(self), st.owner);
  end_with_owner_or_exit<finish>(self, "connection actor");
  if (connected) on_open(self);
  // Built once: its handlers find their actor with bound_self.
  static auto shared = connection_behavior();
  return use_shared_behavior(self, shared);
}

}  // namespace netactors
