#include "actors/udp/udp_socket.hpp"

#include "actors/core/io_actor_lifecycle.hpp"
#include "actors/core/io_event.hpp"
#include "actors/core/tell.hpp"

#include <caf/all.hpp>

#include <uv.h>

#include <string>

namespace netactors {

namespace {

// Ends the actor: waiting requests learn why, the owner gets udp_closed, the
// socket closes.
void finish(udp_socket_self self, net_error reason) {
  auto& st = self->state;
  auto err = waiting_request_error(reason, "socket closed");
  for (auto& entry : st.pending)
    if (entry.second.promise.pending()) entry.second.promise.deliver(err);
  st.pending.clear();
  end_socket_actor(self, reason, udp_closed{st.io->id(), reason});
}

// Receives only when the owner wants it and the window is open.
net_error update_receiving(udp_socket_self self) {
  auto& st = self->state;
  if (!st.bound) return {};
  auto& win = st.io->window();
  bool want = st.owner_wants_receiving && !win.blocked() && !win.marker_in_transit();
  if (want == st.receiving) return {};
  auto err = want ? st.io->receive_start(st.options.receive_buffer_size)
                  : st.io->receive_stop();
  if (!err) st.receiving = want;
  return err;
}

caf::result<void> reply(const net_error& err) {
  if (err) return make_caf_error(err);
  return caf::unit;
}

// udp_send: a request is answered (now, or when the datagram went out);
// a plain send reports a failure to the owner.
void send_datagram(udp_socket_self self, udp_send& req) {
  auto& st = self->state;
  bool wants_ack = self->current_message_id().is_request();
  caf::response_promise rp;
  if (wants_ack) rp = self->make_response_promise();
  auto fail = [&](net_error err) {
    if (wants_ack)
      rp.deliver(make_caf_error(err));
    else
      tell(self, st.owner, udp_send_failed{st.io->id(), req.to, err});
  };
  if (!st.bound)
    return fail(net_error::of(UV_EBADF, "send to " + req.to.to_string() +
                                            " before udp_bind"));
  auto token = st.next_token++;
  uint64_t size = req.data.size();
  if (auto err = st.io->send(req.to, std::move(req.data), token))
    return fail(err);
  st.pending.emplace(
      token, udp_socket_state::pending_send{size, req.to, std::move(rp)});
}

}  // namespace

const char* udp_socket_state::name = "udp_socket";

udp_socket_state::~udp_socket_state() {
  if (io) io->close();
}

udp_socket_impl::behavior_type udp_socket(udp_socket_self self,
                                          std::shared_ptr<udp_io> io,
                                          caf::actor owner,
                                          udp_socket_options options) {
  auto& st = self->state;
  st.io = std::move(io);
  st.owner = std::move(owner);
  st.options = options;
  st.owner_wants_receiving = options.start_receiving;
  st.io->window().set_window(options.receive_window);
  st.io->set_send_queue_limit(options.send_queue_limit);
  st.io->attach(caf::actor_cast<caf::actor>(self), st.owner);
  end_with_owner_or_exit<finish>(self, "udp socket actor");
  return {
    [self](udp_bind& req) -> caf::result<udp_bound> {
      auto& st = self->state;
      if (st.bound)
        return make_caf_error(net_error::of(
            UV_EISCONN, "bind " + req.address.to_string() + ": already bound"));
      if (auto err = st.io->bind(req.address, req.reuse_address, req.ipv6_only,
                                 req.device)) {
        auto caf_err = make_caf_error(err);
        finish(self, err);
        return caf_err;
      }
      st.bound = true;
      st.keep_alive = caf::actor_cast<caf::actor>(self);
      if (auto err = update_receiving(self)) {
        auto caf_err = make_caf_error(err);
        finish(self, err);
        return caf_err;
      }
      return udp_bound{st.io->id(), st.io->local()};
    },
    // send_datagram answers a request itself (now or when it went out).
    [self](udp_send& req) -> caf::result<udp_send_done> {
      send_datagram(self, req);
      return caf::delegated<udp_send_done>{};
    },
    [self](udp_io_send_done& ev) {
      if (!from_own_io(self)) return;
      auto& st = self->state;
      auto it = st.pending.find(ev.token);
      if (it == st.pending.end()) return;
      auto done = std::move(it->second);
      st.pending.erase(it);
      if (ev.status) {
        if (done.promise.pending())
          done.promise.deliver(make_caf_error(ev.status));
        else
          tell(self, st.owner,
                     udp_send_failed{st.io->id(), done.to, ev.status});
        return;
      }
      if (done.promise.pending())
        done.promise.deliver(udp_send_done{st.io->id(), done.bytes});
    },
    [self](udp_set_receiving& req) -> caf::result<void> {
      auto& st = self->state;
      if (!st.bound)
        return make_caf_error(
            net_error::of(UV_EBADF, "receive before udp_bind"));
      st.owner_wants_receiving = req.enable;
      return reply(update_receiving(self));
    },
    [self](udp_set_receive_window& req) -> caf::result<void> {
      if (req.bytes == 0)
        return make_caf_error(net_error::of(UV_EINVAL, "receive window of 0 bytes"));
      self->state.io->window().set_window(req.bytes);
      return reply(update_receiving(self));
    },
    [self](udp_io_datagram_marker& ev) {
      if (!from_own_io(self)) return;
      auto& st = self->state;
      st.receiving = false;  // the seam stopped receiving at the marker
      st.io->window().marker_forwarded();
      auto position = ev.position;
      auto acked = [self, position] {
        self->state.io->window().consumed_up_to(position);
        if (auto err = update_receiving(self)) finish(self, err);
      };
      // Any reply, an error too, means the owner is done with everything
      // up to the marker.
      self->request(st.owner, caf::infinite,
                    udp_received{st.io->id(), ev.from, std::move(ev.data),
                                 ev.truncated})
          .then([acked]() { acked(); }, [acked](caf::error&) { acked(); });
      if (auto err = update_receiving(self)) finish(self, err);
    },
    [self](udp_set_broadcast& req) {
      return reply(self->state.io->set_broadcast(req.enable));
    },
    [self](udp_set_ttl& req) {
      return reply(self->state.io->set_ttl(req.ttl));
    },
    [self](udp_set_membership& req) {
      return reply(self->state.io->set_membership(
          req.group, req.interface_address, req.join));
    },
    [self](udp_set_multicast_loop& req) {
      return reply(self->state.io->set_multicast_loop(req.enable));
    },
    [self](udp_set_multicast_ttl& req) {
      return reply(self->state.io->set_multicast_ttl(req.ttl));
    },
    [self](udp_set_multicast_interface& req) {
      return reply(
          self->state.io->set_multicast_interface(req.interface_address));
    },
    [self](udp_close&) { finish(self, {}); },
  };
}

}  // namespace netactors
