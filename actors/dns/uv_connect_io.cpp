#include "actors/dns/uv_connect_io.hpp"

#include <caf/event_based_actor.hpp>

#include <memory>
#include <utility>
#include <vector>

#include "actors/tcp/uv_tcp_io.hpp"

namespace netactors {

namespace {

// Reports the connect of one attempt. Until adoption nothing else can
// happen on the stream: it does not read and nobody writes to it.
class attempt_bridge final : public net::tcp_stream::observer {
 public:
  attempt_bridge(uint32_t attempt, caf::weak_actor_ptr self)
      : attempt_(attempt), self_(std::move(self)) {}

  void on_connect(net::result<void> status) override {
    deliver_io_event(self_,
                     dns_io_attempt_done{attempt_, net_error::from(status)});
  }
  void on_read(net::byte_buffer) override {}
  void on_read_end(net::uv_error) override {}
  void on_write_done(uint64_t, net::result<void>) override {}
  void on_shutdown(net::result<void>) override {}
  void on_closing() override {}

 private:
  uint32_t attempt_;
  caf::weak_actor_ptr self_;
};

}  // namespace

uv_connect_io::uv_connect_io(loop_context& ctx) : ctx_(ctx) {}

void uv_connect_io::attach(caf::weak_actor_ptr self) {
  self_ = std::move(self);
}

net_error uv_connect_io::start(uint32_t attempt, const net::endpoint& peer) {
  if (streams_.count(attempt) != 0)
    return net_error::of(UV_EALREADY, "attempt " + std::to_string(attempt));
  auto s = net::tcp_stream::create(
      ctx_.loop(), std::make_unique<attempt_bridge>(attempt, self_));
  if (!s) return net_error::from(s.error());
  auto started = (*s)->connect(peer);
  if (!started) {
    (*s)->close();
    return net_error::from(started.error());
  }
  streams_.emplace(attempt, (*s)->id());
  return {};
}

void uv_connect_io::cancel(uint32_t attempt) {
  auto it = streams_.find(attempt);
  if (it == streams_.end()) return;
  // Closing a connecting stream cancels its connect request: libuv calls it
  // back with UV_ECANCELED, which net::tcp_stream keeps to itself.
  if (auto* h = ctx_.loop().find(it->second)) h->close();
  streams_.erase(it);
}

connect_io::adopted uv_connect_io::adopt(
    uint32_t attempt, caf::actor owner, const tcp_connection_options& options) {
  auto it = streams_.find(attempt);
  if (it == streams_.end() || ctx_.loop().find(it->second) == nullptr)
    return {};
  auto id = it->second;
  streams_.erase(it);
  // The connection actor replaces this io's observer with its own (in
  // uv_tcp_io::attach) and tells `owner` tcp_connection_opened.
  auto conn =
      ctx_.spawn(tcp_connection, std::make_shared<uv_tcp_io>(ctx_.loop(), id),
                 std::move(owner), options, true);
  return {std::move(conn), id};
}

void uv_connect_io::close() {
  if (streams_.empty()) return;
  for (auto& entry : streams_) ctx_.loop().close_handle(entry.second);
  streams_.clear();
}

}  // namespace netactors
