#include "actors/udp/uv_udp_io.hpp"

#include <caf/all.hpp>

#include <uv.h>

#include <memory>

#include "actors/messages/udp_messages.hpp"

namespace netactors {

namespace {

net_error not_bound(const char* what) {
  return net_error::of(UV_EBADF, std::string{what} + " before udp_bind");
}

// Turns a socket's callbacks into messages. Runs on the loop thread, outside
// any actor: it only sends. It holds its actor weakly (a seam must never keep
// its own actor alive) and the receive window it shares with the actor.
class socket_bridge final : public net::udp_socket::observer {
 public:
  socket_bridge(uint64_t id, net::udp_socket* socket, caf::weak_actor_ptr self,
                caf::actor owner, std::shared_ptr<read_window> window)
      : id_(id),
        socket_(socket),
        self_(std::move(self)),
        owner_(std::move(owner)),
        window_(std::move(window)) {}

  void on_datagram(net::endpoint sender, net::byte_buffer bytes,
                   bool truncated) override {
    if (window_->on_read(window_cost(bytes.size())) ==
        read_window::verdict::deliver) {
      // Straight to the owner, as if from the socket actor: one mailbox hop.
      send_as_self(self_, owner_,
                   udp_received{id_, sender, std::move(bytes), truncated});
      return;
    }
    // A marker: nothing more is received until the actor queued it.
    (void)socket_->receive_stop();
    deliver_io_event(self_, udp_io_datagram_marker{sender, std::move(bytes), truncated,
                                                   window_->delivered()});
  }

  void on_receive_error(net::uv_error reason) override {
    send_as_self(self_, owner_,
                 udp_receive_failed{id_, net_error::from(reason)});
  }

  void on_send_done(uint64_t token, net::result<void> status) override {
    deliver_io_event(self_, udp_io_send_done{token, net_error::from(status)});
  }

  void on_closing() override {}

 private:
  uint64_t id_;
  net::udp_socket* socket_;  // owns this bridge, so outlives it
  caf::weak_actor_ptr self_;
  caf::actor owner_;
  std::shared_ptr<read_window> window_;
};

}  // namespace

uv_udp_io::uv_udp_io(net::loop& l)
    : loop_(l), window_(std::make_shared<read_window>(256 * 1024)) {}

net::udp_socket* uv_udp_io::socket() const {
  return id_ == 0 ? nullptr : loop_.find_as<net::udp_socket>(id_);
}

void uv_udp_io::attach(const caf::actor& self, caf::actor owner) {
  self_ = caf::actor_cast<caf::weak_actor_ptr>(self);
  owner_ = std::move(owner);
}

void uv_udp_io::set_send_queue_limit(uint64_t bytes) {
  send_queue_limit_ = static_cast<size_t>(bytes);
  if (auto* s = socket()) s->set_send_queue_limit(send_queue_limit_);
}

net_error uv_udp_io::bind(const net::endpoint& local, bool reuse_address,
                          bool ipv6_only, const std::string& device) {
  if (id_ != 0) return net_error::of(UV_EISCONN, "bind " + local.to_string());
  auto created = net::udp_socket::create(loop_, local.family(), nullptr);
  if (!created) return net_error::from(created.error());
  auto* s = *created;
  net::result<void> r;
  // The device first: from then on the socket sees only that interface's
  // traffic, even on a wildcard address shared with other sockets.
  if (!device.empty()) r = s->bind_to_device(device);
  if (r) r = s->bind(local, {reuse_address, ipv6_only});
  if (!r) {
    s->close();
    return net_error::from(r.error());
  }
  id_ = s->id();
  s->set_send_queue_limit(send_queue_limit_);
  s->set_observer(
      std::make_unique<socket_bridge>(id_, s, self_, owner_, window_));
  return {};
}

net::endpoint uv_udp_io::local() const {
  auto* s = socket();
  if (!s) return {};
  auto ep = s->local_endpoint();
  return ep ? *ep : net::endpoint{};
}

net_error uv_udp_io::receive_start(size_t buffer_size) {
  auto* s = socket();
  return s ? net_error::from(s->receive_start(buffer_size)) : not_bound("receive");
}

net_error uv_udp_io::receive_stop() {
  auto* s = socket();
  return s ? net_error::from(s->receive_stop()) : not_bound("receive stop");
}

net_error uv_udp_io::send(const net::endpoint& to, net::byte_buffer bytes,
                          uint64_t token) {
  auto* s = socket();
  return s ? net_error::from(s->send(to, std::move(bytes), token)) : not_bound("send");
}

net_error uv_udp_io::set_broadcast(bool enable) {
  auto* s = socket();
  return s ? net_error::from(s->set_broadcast(enable)) : not_bound("broadcast");
}

net_error uv_udp_io::set_ttl(int ttl) {
  auto* s = socket();
  return s ? net_error::from(s->set_ttl(ttl)) : not_bound("ttl");
}

net_error uv_udp_io::set_membership(const std::string& group,
                                    const std::string& interface_address,
                                    bool join) {
  auto* s = socket();
  return s ? net_error::from(s->set_membership(group, interface_address, join))
           : not_bound("membership");
}

net_error uv_udp_io::set_multicast_loop(bool enable) {
  auto* s = socket();
  return s ? net_error::from(s->set_multicast_loop(enable))
           : not_bound("multicast loop");
}

net_error uv_udp_io::set_multicast_ttl(int ttl) {
  auto* s = socket();
  return s ? net_error::from(s->set_multicast_ttl(ttl)) : not_bound("multicast ttl");
}

net_error uv_udp_io::set_multicast_interface(const std::string& address) {
  auto* s = socket();
  return s ? net_error::from(s->set_multicast_interface(address))
           : not_bound("multicast interface");
}

void uv_udp_io::close() { loop_.close_handle(id_); }

udp_socket_actor spawn_udp_socket(loop_context& ctx, caf::actor owner,
                                  udp_socket_options options) {
  return ctx.spawn(udp_socket, std::make_shared<uv_udp_io>(ctx.loop()),
                   std::move(owner), options);
}

}  // namespace netactors
