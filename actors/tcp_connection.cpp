#include "actors/tcp_connection.hpp"

#include "actors/io_actor_lifecycle.hpp"

#include <caf/all.hpp>

#include <uv.h>

namespace netactors {

namespace {

using connect_timeout_atom = caf::atom_constant<caf::atom("ctimeout")>;

tcp_connection_opened opened_event(tcp_connection_state& st) {
  return {st.io->id(), st.io->local(), st.io->peer()};
}

// Ends the connection: every waiting request learns why, the owner gets
// tcp_connection_closed, the socket closes, the actor quits.
void finish(tcp_connection_actor* self, net_error reason) {
  auto& st = self->state;
  auto err = reason.ok() ? make_caf_error(net_error::of(UV_ECANCELED, "connection closed"))
                         : make_caf_error(reason);
  for (auto& entry : st.pending_writes)
    if (entry.second.promise.pending()) entry.second.promise.deliver(err);
  st.pending_writes.clear();
  for (auto& rp : st.connect_promises) rp.deliver(err);
  st.connect_promises.clear();
  for (auto& rp : st.shutdown_promises) rp.deliver(err);
  st.shutdown_promises.clear();
  if (!st.closed_event_sent && st.owner) {
    st.closed_event_sent = true;
    self->send(st.owner, tcp_connection_closed{st.io->id(), reason});
  }
  st.io->close();
  self->quit(reason.ok() ? caf::error{} : make_caf_error(reason));
}

void set_reading(tcp_connection_actor* self, bool enable);

void update_backpressure(tcp_connection_actor* self) {
  auto& st = self->state;
  auto queued = static_cast<uint64_t>(st.io->write_queue_size());
  if (queued > st.max_write_queue_bytes) st.max_write_queue_bytes = queued;
  if (!st.above_high_water && queued > st.options.high_water) {
    st.above_high_water = true;
    if (st.options.pause_reading_when_full && st.reading) {
      st.paused_by_backpressure = true;
      set_reading(self, false);
    }
    self->send(st.owner, tcp_backpressure{st.io->id(), queued, true});
  } else if (st.above_high_water && queued <= st.options.low_water) {
    st.above_high_water = false;
    if (st.paused_by_backpressure) {
      st.paused_by_backpressure = false;
      set_reading(self, true);
    }
    self->send(st.owner, tcp_backpressure{st.io->id(), queued, false});
  }
}

void set_reading(tcp_connection_actor* self, bool enable) {
  auto& st = self->state;
  if (st.read_closed || !st.open || enable == st.reading) return;
  auto err = enable ? st.io->read_start() : st.io->read_stop();
  if (err) return finish(self, err);
  st.reading = enable;
}

void on_open(tcp_connection_actor* self) {
  auto& st = self->state;
  st.open = true;
  if (st.options.nodelay) (void)st.io->set_nodelay(true);  // best effort
  self->send(st.owner, opened_event(st));
  if (st.options.start_reading) set_reading(self, true);
}

// The owner has seen tcp_read_closed and everything before it.
void after_owner_saw_eof(tcp_connection_actor* self) {
  auto& st = self->state;
  // Our FIN went out already: both directions are done.
  if (st.shutdown_done) return finish(self, {});
  if (st.shutting_down) {
    st.finish_after_shutdown = true;
    return;
  }
  if (st.options.allow_half_open) return;
  if (auto err = st.io->shutdown()) return finish(self, err);
  st.shutting_down = true;
  st.finish_after_shutdown = true;
}

}  // namespace

const char* tcp_connection_state::name = "tcp_connection";

tcp_connection_state::~tcp_connection_state() {
  if (io) io->close();
}

caf::behavior tcp_connection(tcp_connection_actor* self,
                             std::shared_ptr<tcp_io> io, caf::actor owner,
                             tcp_connection_options options, bool connected) {
  auto& st = self->state;
  st.io = std::move(io);
  st.owner = std::move(owner);
  st.options = options;
  st.io->attach(caf::actor_cast<caf::actor>(self), st.owner);
  end_with_owner_or_exit<finish>(self, "connection actor");
  if (connected) on_open(self);
  return {
    [self](tcp_connect& req) {
      auto& st = self->state;
      if (st.open || !st.connect_promises.empty()) {
        self->make_response_promise().deliver(
            make_caf_error(net_error::of(UV_EISCONN, "connect")));
        return;
      }
      st.connect_promises.push_back(self->make_response_promise());
      if (auto err = st.io->connect(req.peer)) return finish(self, err);
      if (req.timeout_ms > 0)
        self->delayed_send(self, std::chrono::milliseconds(req.timeout_ms),
                           connect_timeout_atom::value);
    },
    [self](tcp_io_connected& ev) {
      auto& st = self->state;
      if (ev.status) return finish(self, ev.status);
      for (auto& rp : st.connect_promises) rp.deliver(opened_event(st));
      st.connect_promises.clear();
      on_open(self);
    },
    [self](connect_timeout_atom) {
      if (!self->state.open)
        finish(self, net_error::of(UV_ETIMEDOUT, "connect timed out"));
    },
    [self](tcp_write& w) {
      auto& st = self->state;
      bool wants_ack = self->current_message_id().is_request();
      caf::response_promise rp;
      if (wants_ack) rp = self->make_response_promise();
      auto fail = [&](net_error err) {
        if (wants_ack) rp.deliver(make_caf_error(err));
        finish(self, err);
      };
      if (!st.open) return fail(net_error::of(UV_ENOTCONN, "write"));
      if (st.shutting_down) return fail(net_error::of(UV_EPIPE, "write after shutdown"));
      uint64_t size = w.data.size();
      if (st.io->write_queue_size() + size > st.options.write_queue_limit)
        return fail(net_error::of(UV_ENOBUFS, "write queue limit of " +
                                                  std::to_string(st.options.write_queue_limit) +
                                                  " bytes"));
      auto token = st.next_token++;
      auto outcome = st.io->write(std::move(w.data), token);
      if (outcome.error) return fail(outcome.error);
      if (outcome.completed) {
        st.bytes_sent += size;
        if (wants_ack) rp.deliver(tcp_write_done{st.io->id(), size});
        return;
      }
      st.pending_writes.emplace(token, tcp_connection_state::pending_write{
                                           size, std::move(rp)});
      update_backpressure(self);
    },
    [self](tcp_io_write_done& ev) {
      auto& st = self->state;
      auto it = st.pending_writes.find(ev.token);
      if (it == st.pending_writes.end()) return;
      auto done = std::move(it->second);
      st.pending_writes.erase(it);
      if (ev.status) {
        if (done.promise.pending()) done.promise.deliver(make_caf_error(ev.status));
        return finish(self, ev.status);
      }
      st.bytes_sent += done.size;
      if (done.promise.pending())
        done.promise.deliver(tcp_write_done{st.io->id(), done.size});
      update_backpressure(self);
    },
    [self](tcp_set_reading& r) {
      // The owner's word overrides an automatic pause.
      self->state.paused_by_backpressure = false;
      set_reading(self, r.enable);
    },
    [self](tcp_shutdown&) {
      auto& st = self->state;
      // Reply only to a request; a plain send gets no empty message back.
      caf::response_promise rp;
      if (self->current_message_id().is_request())
        rp = self->make_response_promise();
      if (!st.open) {
        rp.deliver(make_caf_error(net_error::of(UV_ENOTCONN, "shutdown")));
        return;
      }
      if (st.shutting_down) {
        if (st.shutdown_done) rp.deliver(caf::unit);
        else if (rp.pending()) st.shutdown_promises.push_back(std::move(rp));
        return;
      }
      if (auto err = st.io->shutdown()) {
        rp.deliver(make_caf_error(err));
        return finish(self, err);
      }
      st.shutting_down = true;
      if (rp.pending()) st.shutdown_promises.push_back(std::move(rp));
      // Both directions done: nothing left for this connection to do.
      st.finish_after_shutdown = st.read_closed;
    },
    [self](tcp_io_shutdown_done& ev) {
      auto& st = self->state;
      if (ev.status) return finish(self, ev.status);
      st.shutdown_done = true;
      for (auto& rp : st.shutdown_promises) rp.deliver(caf::unit);
      st.shutdown_promises.clear();
      if (st.finish_after_shutdown) finish(self, {});
    },
    [self](tcp_close&) { finish(self, {}); },
    [self](tcp_set_nodelay& o) -> caf::result<void> {
      if (auto err = self->state.io->set_nodelay(o.enable))
        return make_caf_error(err);
      return caf::unit;
    },
    [self](tcp_set_keepalive& o) -> caf::result<void> {
      if (auto err = self->state.io->set_keepalive(o.enable, o.delay_seconds))
        return make_caf_error(err);
      return caf::unit;
    },
    [self](tcp_get_info&) {
      auto& st = self->state;
      return tcp_connection_info{st.io->id(),
                                 st.io->local(),
                                 st.io->peer(),
                                 st.reading,
                                 st.io->bytes_received(),
                                 st.bytes_sent,
                                 st.io->write_queue_size(),
                                 st.max_write_queue_bytes,
                                 st.options.high_water,
                                 st.options.write_queue_limit};
    },
    [self](tcp_io_read_end& ev) {
      auto& st = self->state;
      st.read_closed = true;
      st.reading = false;
      if (ev.reason.name != "EOF") return finish(self, ev.reason);
      // Every tcp_received went to the owner before this; the owner's reply
      // comes after any tcp_write it sent in response to them.
      self->request(st.owner, caf::infinite,
                    tcp_read_closed{st.io->id(), ev.reason})
          .then([self]() { after_owner_saw_eof(self); },
                [self](caf::error&) { after_owner_saw_eof(self); });
    },
  };
}

}  // namespace netactors
