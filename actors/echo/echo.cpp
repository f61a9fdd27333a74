#include "actors/echo/echo.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <chrono>

#include "actors/core/handled.hpp"
#include "actors/messages/tcp_messages.hpp"
#include "actors/tcp/tcp_listener.hpp"

namespace netactors {

namespace {

// `make` builds the event's JSON only when a log actor is set: most servers
// log nothing, and building the lines cost ~37k instructions per connection.
template <class MakeEvent>
void log_event(caf::stateful_actor<echo_handler_state>* self, MakeEvent make) {
  if (self->state.log) self->send(self->state.log, make().dump());
}

// Only connections send the handler their events.
tcp_connection_actor sender_of(caf::local_actor* self) {
  return caf::actor_cast<tcp_connection_actor>(self->current_sender());
}

}  // namespace

const char* echo_handler_state::name = "echo_handler";

caf::behavior echo_handler(caf::stateful_actor<echo_handler_state>* self,
                           caf::actor log) {
  self->state.log = std::move(log);
  return {
    // First: CAF tries the handlers in order, and this one runs for every
    // message echoed (each handler tried before costs ~100 instructions);
    // then the peer's FIN, which every connection sends; opened and closed
    // (which only --verbose servers ask for), backpressure (rare) last.
    [self](tcp_received& ev) -> caf::result<void> {
      // The buffer libuv read into moves on into uv_write: no copy.
      self->send(sender_of(self), tcp_write{std::move(ev.data)});
      return handled(self);  // a window marker is a request: acknowledged
    },
    [self](tcp_read_closed& ev) -> caf::result<void> {
      log_event(self, [&] {
        return nlohmann::json{{"event", "peer_closed"},
                              {"id", ev.id},
                              {"reason", ev.reason.name}};
      });
      // Every echo write for the bytes before the FIN is already in the
      // connection's mailbox. A request (the connection ends its write side
      // after the reply) is answered; from a half-open connection comes a
      // plain message, and the handler ends the write side itself, behind
      // those writes.
      if (!self->current_message_id().is_request())
        self->send(sender_of(self), tcp_shutdown{});
      return handled(self);
    },
    [self](tcp_connection_opened& ev) {
      log_event(self, [&] {
        return nlohmann::json{{"event", "connected"},
                              {"id", ev.id},
                              {"peer", ev.peer},
                              {"local", ev.local}};
      });
    },
    [self](tcp_connection_closed& ev) {
      log_event(self, [&] {
        return nlohmann::json{{"event", "closed"},
                              {"id", ev.id},
                              {"reason", ev.reason.ok() ? "closed" : ev.reason.name}};
      });
    },
    [self](tcp_backpressure& ev) {
      self->send(sender_of(self), tcp_set_reading{!ev.above_high_water});
      log_event(self, [&] {
        return nlohmann::json{{"event", ev.above_high_water ? "paused" : "resumed"},
                              {"id", ev.id},
                              {"queued_bytes", ev.queued_bytes}};
      });
    },
  };
}

namespace {

struct echo_client_state {
  echo_client_job job;
  caf::actor reply_to;
  tcp_connection_actor conn;
  echo_client_result result;
  size_t index = 0;       // message being echoed
  std::string pending;    // bytes of it received so far
  std::chrono::steady_clock::time_point sent_at;
  bool done = false;
  static const char* name;
};

const char* echo_client_state::name = "echo_client";

using echo_client_actor = caf::stateful_actor<echo_client_state>;

void client_finish(echo_client_actor* self, std::string error) {
  auto& st = self->state;
  if (st.done) return;
  st.done = true;
  if (st.result.error.empty()) st.result.error = std::move(error);
  self->send(st.reply_to, st.result);
  if (st.conn) self->send(st.conn, tcp_close{});
  self->quit();
}

void send_next(echo_client_actor* self) {
  auto& st = self->state;
  if (st.index == st.job.messages.size()) {
    self->send(st.conn, tcp_shutdown{});
    return;
  }
  st.pending.clear();
  st.sent_at = std::chrono::steady_clock::now();
  self->send(st.conn,
             tcp_write{net::byte_buffer::copy_of(st.job.messages[st.index])});
}

caf::behavior echo_client(echo_client_actor* self, runtime* rt,
                          echo_client_job job, caf::actor reply_to) {
  auto& st = self->state;
  st.job = std::move(job);
  st.reply_to = std::move(reply_to);
  st.conn = spawn_tcp_connection(*rt, caf::actor_cast<caf::actor>(self));
  self->request(st.conn, caf::infinite,
                tcp_connect{st.job.server, st.job.connect_timeout_ms})
      .then([self](tcp_connection_opened&) { send_next(self); },
            [self](caf::error& err) { client_finish(self, error_name(err)); });
  return {
    [](tcp_connection_opened&) {},  // the connect reply already told us
    [self](tcp_received& ev) {
      auto& st = self->state;
      if (st.index >= st.job.messages.size()) {
        ++st.result.mismatches;  // bytes nobody sent
        return;
      }
      st.pending += ev.data.view();
      const auto& expected = st.job.messages[st.index];
      if (st.pending.size() < expected.size()) return;
      auto elapsed = std::chrono::steady_clock::now() - st.sent_at;
      st.result.round_trip_us.push_back(static_cast<uint32_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()));
      ++st.result.messages;
      st.result.bytes += expected.size();
      if (st.pending.compare(0, expected.size(), expected) != 0 ||
          st.pending.size() > expected.size())
        ++st.result.mismatches;
      ++st.index;
      send_next(self);
    },
    [](tcp_backpressure&) {},
    [self](tcp_read_closed&) {
      auto& st = self->state;
      if (st.index < st.job.messages.size())
        client_finish(self, "EOF before every echo arrived");
      else
        client_finish(self, "");
    },
    [self](tcp_connection_closed& ev) {
      client_finish(self, ev.reason.ok() ? "closed early" : ev.reason.name);
    },
  };
}

}  // namespace

caf::actor spawn_echo_client(runtime& rt, caf::actor reply_to,
                             echo_client_job job) {
  return rt.next_loop().spawn(echo_client, &rt, std::move(job),
                              std::move(reply_to));
}

}  // namespace netactors
