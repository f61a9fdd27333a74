#include "actors/tcp/tcp_listener.hpp"

#include <caf/all.hpp>

#include <unistd.h>

#include <cstdio>

#include "actors/tcp/uv_tcp_io.hpp"
#include "net/tcp/tcp_listener.hpp"

namespace netactors {

namespace {

void spawn_connection(loop_context& ctx, net::handle_id stream,
                      const tcp_connection_handler& handler) {
  auto owner = handler.actor ? handler.actor
                             : (handler.factory ? handler.factory(ctx)
                                                : caf::actor{});
  if (!owner) {
    loop_context::release_thread_logger();  // the factory may have spawned
    if (auto* h = ctx.loop().find(stream)) h->close();  // rejected
    return;
  }
  ctx.spawn(tcp_connection, std::make_shared<uv_tcp_io>(ctx.loop(), stream),
            std::move(owner), handler.options, true);
}

void report_accept_failure(const tcp_connection_handler& handler,
                           uint64_t listener_id, net_error err) {
  if (handler.events)
    caf::anon_send(handler.events, tcp_accept_failed{listener_id, err});
  else
    std::fprintf(stderr, "netactors: accept failed: %s\n",
                 err.to_string().c_str());
}

// Hands each accepted stream to a connection actor, on this loop or, moved
// by its descriptor, on the next one. Runs on the listener's loop thread.
class accept_bridge final : public net::tcp_listener::observer {
 public:
  accept_bridge(runtime* rt, loop_context* home,
                std::shared_ptr<const tcp_connection_handler> handler)
      : rt_(rt), home_(home), handler_(std::move(handler)) {}

  uint64_t listener_id = 0;

  void on_accept(net::result<net::tcp_stream*> accepted) override {
    if (!accepted)
      return report_accept_failure(*handler_, listener_id,
                                   net_error::from(accepted.error()));
    auto* stream = *accepted;
    auto& target = rt_->next_loop();
    if (&target == home_) return spawn_connection(target, stream->id(), *handler_);
    auto fd = net::detach_socket(*stream);
    if (!fd)
      return report_accept_failure(*handler_, listener_id,
                                   net_error::from(fd.error()));
    auto id = listener_id;
    bool posted = target.loop().post(
        [&target, fd = *fd, handler = handler_, id](net::loop& l) {
          auto adopted = net::adopt_socket(l, fd, nullptr);
          if (!adopted)
            return report_accept_failure(*handler, id,
                                         net_error::from(adopted.error()));
          spawn_connection(target, (*adopted)->id(), *handler);
        });
    if (!posted) ::close(*fd);  // the target loop is stopping
  }

  void on_closing() override {}

 private:
  runtime* rt_;
  loop_context* home_;
  std::shared_ptr<const tcp_connection_handler> handler_;
};

}  // namespace

const char* tcp_listener_state::name = "tcp_listener";

tcp_listener_state::~tcp_listener_state() {
  if (loop != nullptr) loop->close_handle(listener_id);
}

tcp_listener_actor::behavior_type tcp_listener(
    tcp_listener_self self, runtime* rt, loop_context* home,
    std::shared_ptr<const tcp_connection_handler> handler) {
  self->state.loop = &home->loop();
  return {
    [=](tcp_listen& req) -> caf::result<tcp_listening> {
      auto& st = self->state;
      if (st.listener_id != 0)
        return make_caf_error(net_error::of(UV_EISCONN, "already listening"));
      auto bridge = std::make_unique<accept_bridge>(rt, home, handler);
      auto* raw_bridge = bridge.get();
      net::tcp_listener::options opts;
      opts.backlog = req.backlog;
      opts.ipv6_only = req.ipv6_only;
      auto lis = net::tcp_listener::create(*st.loop, req.address, opts,
                                           std::move(bridge));
      if (!lis) {
        auto err = make_caf_error(lis.error());
        self->quit(err);
        return err;
      }
      st.listener_id = (*lis)->id();
      raw_bridge->listener_id = st.listener_id;
      auto bound = (*lis)->local_endpoint();
      if (!bound) {
        auto err = make_caf_error(bound.error());
        self->quit(err);
        return err;
      }
      return tcp_listening{st.listener_id, *bound};
    },
    [=](tcp_close&) { self->quit(); },
  };
}

tcp_listener_actor spawn_tcp_listener(runtime& rt,
                                      tcp_connection_handler handler) {
  auto& home = rt.loop_at(0);
  return home.spawn(tcp_listener, &rt, &home,
                    std::make_shared<const tcp_connection_handler>(
                        std::move(handler)));
}

tcp_connection_actor spawn_tcp_connection(runtime& rt, caf::actor owner,
                                          tcp_connection_options options) {
  auto& ctx = rt.next_loop();
  return ctx.spawn(tcp_connection, std::make_shared<uv_tcp_io>(ctx.loop()),
                   std::move(owner), options, false);
}

}  // namespace netactors
