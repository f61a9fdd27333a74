#include "actors/tcp/uv_tcp_io.hpp"

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include <uv.h>

#include "actors/core/io_event.hpp"
#include "actors/messages/tcp_messages.hpp"
#include "net/tcp/tcp_stream.hpp"
#include "net/unix/pipe_stream.hpp"

namespace netactors {

// Turns a stream's callbacks into messages. Runs on the loop thread, outside
// any actor: it only sends. It holds its io, whose actor is held weakly (a
// seam must never keep its own actor alive); the io stays until the stream
// is gone, after its actor's state released it. The io's flags about the
// FIN live here, in what would be the padding of a 48-byte allocation, not
// in the io (idle memory per connection counts).
class uv_tcp_io::bridge final : public net::stream::observer {
 public:
  bridge(std::shared_ptr<uv_tcp_io> io, net::stream* stream)
      : io_(std::move(io)), stream_(stream) {}

  // The stream owns its observer: this runs when the stream is deleted (in
  // its close callback), the moment the io must stop using it.
  ~bridge() override { io_->bridge_ = nullptr; }

  net::stream* stream() const { return stream_; }

  bool fin_to_owner = false;    // tcp_io::send_fin_to_owner was called
  bool shutdown_begun = false;  // tcp_io::shutdown was called
  bool read_ended = false;      // the FIN went straight to the owner

  void on_connect(net::result<void> status) override {
    deliver_io_event(io_->self_, tcp_io_connected{net_error::from(status)});
  }

  void on_read(net::byte_buffer bytes) override {
    auto& win = io_->window_;
    if (win.on_read(bytes.size()) == read_window::verdict::deliver) {
      // Straight to the owner, as if from the connection: one mailbox hop
      // instead of two on the hot path.
      send_as_self(io_->self_, io_->owner_,
                   tcp_received{io_->id_, std::move(bytes)});
      return;
    }
    // A marker: nothing more is read until the actor has queued it for the
    // owner (it resumes reading then, or after the owner's ack).
    (void)stream_->read_stop();
    deliver_io_event(io_->self_,
                     tcp_io_read_marker{std::move(bytes), win.delivered()});
  }

  void on_read_end(net::uv_error reason) override {
    auto& io = *io_;
    if (reason.code() == UV_EOF &&
        fin_straight_to_owner(fin_to_owner, shutdown_begun, io.window_)) {
      read_ended = true;
      send_as_self(io.self_, io.owner_,
                   tcp_read_closed{io.id_, net_error::from(reason)});
      return;
    }
    deliver_io_event(io.self_, tcp_io_read_end{net_error::from(reason)});
  }

  void on_write_done(uint64_t token, net::result<void> status) override {
    deliver_io_event(io_->self_,
                     tcp_io_write_done{token, net_error::from(status)});
  }

  void on_shutdown(net::result<void> status) override {
    deliver_io_event(io_->self_, tcp_io_shutdown_done{net_error::from(status)});
  }

  void on_closing() override {}

 private:
  std::shared_ptr<uv_tcp_io> io_;
  net::stream* stream_;  // owns this bridge, so outlives it
};

uv_tcp_io::uv_tcp_io(net::loop& l, net::handle_id stream)
    : loop_(l), id_(stream), window_(default_read_window) {}

uv_tcp_io::uv_tcp_io(net::loop& l)
    : loop_(l), id_(0), window_(default_read_window) {}

net::stream* uv_tcp_io::stream() const {
  return bridge_ != nullptr ? bridge_->stream() : nullptr;
}

void uv_tcp_io::send_fin_to_owner() {
  if (bridge_ != nullptr) bridge_->fin_to_owner = true;
}

bool uv_tcp_io::read_ended() const {
  return bridge_ != nullptr && bridge_->read_ended;
}

std::shared_ptr<uv_tcp_io> uv_tcp_io::observing(net::loop& l,
                                               net::stream& stream) {
  auto io = std::make_shared<uv_tcp_io>(l, stream.id());
  io->observe(stream);
  return io;
}

void uv_tcp_io::attach(const caf::actor& self, caf::actor owner) {
  self_ = caf::actor_cast<caf::weak_actor_ptr>(self);
  owner_ = std::move(owner);
  if (bridge_ != nullptr) return;  // observed already (observing())
  // The only lookup in the loop's registry: from here on the bridge says
  // when the stream is gone. (The cast to the base class is a dynamic_cast
  // walk.)
  if (id_ == 0) return;
  if (auto* s = loop_.find_as<net::stream>(id_)) observe(*s);
}

void uv_tcp_io::observe(net::stream& s) {
  s.set_read_limit(static_cast<size_t>(window_.read_limit()));
  auto b = std::make_unique<bridge>(shared_from_this(), &s);
  bridge_ = b.get();
  s.set_observer(std::move(b));
}

void uv_tcp_io::set_read_window(uint64_t bytes) {
  window_.set_window(bytes);
  if (auto* s = stream())
    s->set_read_limit(static_cast<size_t>(window_.read_limit()));
}

namespace {
net_error gone(const char* what) {
  return net_error::of(UV_EBADF, std::string{what} + " on a closed socket");
}

// A stream of the kind `peer` needs: Unix for a path, TCP for an address.
net::result<net::stream*> new_stream(net::loop& l, const net::endpoint& peer) {
  if (peer.is_unix()) {
    auto p = net::pipe_stream::create(l, nullptr);
    if (!p) return p.error();
    return *p;
  }
  auto t = net::tcp_stream::create(l, nullptr);
  if (!t) return t.error();
  return *t;
}

}  // namespace

net_error uv_tcp_io::connect(const net::endpoint& peer) {
  if (id_ != 0) return net_error::of(UV_EISCONN, "connect");
  auto s = new_stream(loop_, peer);
  if (!s) return net_error::from(s.error());
  id_ = (*s)->id();
  observe(**s);
  return net_error::from((*s)->connect(peer));
}

net_error uv_tcp_io::read_start() {
  auto* s = stream();
  return s ? net_error::from(s->read_start()) : gone("read");
}

net_error uv_tcp_io::read_stop() {
  auto* s = stream();
  return s ? net_error::from(s->read_stop()) : gone("read stop");
}

tcp_io::write_outcome uv_tcp_io::write(net::byte_buffer bytes, uint64_t token) {
  auto* s = stream();
  if (!s) return {gone("write"), false};
  auto r = s->write(std::move(bytes), token);
  if (!r) return {net_error::from(r.error()), false};
  return {{}, *r == net::stream::write_status::completed};
}

size_t uv_tcp_io::write_queue_size() const {
  auto* s = stream();
  return s ? s->write_queue_size() : 0;
}

net_error uv_tcp_io::shutdown() {
  auto* s = stream();
  if (!s) return gone("shutdown");
  bridge_->shutdown_begun = true;
  return net_error::from(s->shutdown());
}

// TCP's options; a Unix stream has nothing to set.
net_error uv_tcp_io::set_nodelay(bool enable) {
  auto* s = stream();
  if (!s) return gone("nodelay");
  auto* tcp = dynamic_cast<net::tcp_stream*>(s);
  return tcp ? net_error::from(tcp->set_nodelay(enable)) : net_error{};
}

net_error uv_tcp_io::set_keepalive(bool enable, unsigned delay_seconds) {
  auto* s = stream();
  if (!s) return gone("keepalive");
  auto* tcp = dynamic_cast<net::tcp_stream*>(s);
  return tcp ? net_error::from(tcp->set_keepalive(enable, delay_seconds))
             : net_error{};
}

uint64_t uv_tcp_io::bytes_received() const {
  auto* s = stream();
  return s ? s->bytes_read() : 0;
}

net::endpoint uv_tcp_io::local() const {
  auto* s = stream();
  if (!s) return {};
  auto ep = s->local_endpoint();
  return ep ? *ep : net::endpoint{};
}

net::endpoint uv_tcp_io::peer() const {
  auto* s = stream();
  if (!s) return {};
  auto ep = s->peer_endpoint();
  return ep ? *ep : net::endpoint{};
}

void uv_tcp_io::close() { loop_.close_handle(id_); }

}  // namespace netactors
