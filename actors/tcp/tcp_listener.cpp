#include "actors/tcp/tcp_listener.hpp"

#include <caf/all.hpp>

#include <unistd.h>

#include <cstdio>
#include <type_traits>

#include "actors/tcp/uv_tcp_io.hpp"
#include "net/tcp/tcp_listener.hpp"
#include "net/unix/pipe_listener.hpp"

namespace netactors {

namespace {

// `options`: the handler's, less what the listening socket already gave
// every accepted socket (see inherit_socket_options).
// `stream` was just accepted or adopted on ctx's loop (this thread).
void spawn_connection(loop_context& ctx, net::stream& stream,
                      const tcp_connection_handler& handler,
                      const std::shared_ptr<const tcp_connection_options>& options) {
  auto owner = handler.actor ? handler.actor
                             : (handler.factory ? handler.factory(ctx)
                                                : caf::actor{});
  if (!owner) {
    loop_context::release_thread_logger();  // the factory may have spawned
    stream.close();  // rejected
    return;
  }
  ctx.spawn(tcp_connection_with_shared_options,
            uv_tcp_io::observing(ctx.loop(), stream), std::move(owner),
            options, true);
}

// Sets the handler's TCP_NODELAY and keepalive on the listening socket,
// which every accepted socket inherits (net::tcp_listener), and returns the
// options left for each connection to apply: five system calls fewer per
// accepted connection. An option the listener could not take stays per
// connection, where a failure is as harmless as before (best effort).
tcp_connection_options inherit_socket_options(net::tcp_listener& lis,
                                              tcp_connection_options options) {
  if (options.nodelay && lis.set_accepted_nodelay(true)) options.nodelay = false;
  if (options.keepalive_seconds > 0 &&
      lis.set_accepted_keepalive(true, options.keepalive_seconds))
    options.keepalive_seconds = 0;
  return options;
}

void report_accept_failure(const tcp_connection_handler& handler,
                           uint64_t listener_id, net_error err) {
  if (handler.events)
    caf::anon_send(handler.events, tcp_accept_failed{listener_id, err});
  else
    std::fprintf(stderr, "netactors: accept failed: %s\n",
                 err.to_string().c_str());
}

// Wraps a descriptor moved from another loop in a stream of the listener's
// kind.
net::result<net::tcp_stream*> adopt(net::tcp_listener*, net::loop& l,
                                    uv_os_sock_t fd) {
  return net::adopt_socket(l, fd, nullptr);
}
net::result<net::pipe_stream*> adopt(net::pipe_listener*, net::loop& l,
                                     uv_os_sock_t fd) {
  return net::adopt_pipe_socket(l, fd, nullptr);
}

// Hands each accepted stream to a connection actor, on this loop or, moved
// by its descriptor, on the next one. Runs on the listener's loop thread.
// One for TCP and one for Unix listeners: only the stream type differs.
template <class Listener>
class accept_bridge final : public Listener::observer {
 public:
  using stream_type = typename Listener::stream_type;

  accept_bridge(runtime* rt, loop_context* home,
                std::shared_ptr<const tcp_connection_handler> handler)
      : rt_(rt),
        home_(home),
        handler_(std::move(handler)),
        options_(std::make_shared<const tcp_connection_options>(
            handler_->options)) {}

  uint64_t listener_id = 0;

  /// What each connection applies itself (inherit_socket_options).
  void set_connection_options(const tcp_connection_options& options) {
    options_ = std::make_shared<const tcp_connection_options>(options);
  }

  void on_accept(net::result<stream_type*> accepted) override {
    if (!accepted)
      return report_accept_failure(*handler_, listener_id,
                                   net_error::from(accepted.error()));
    auto* stream = *accepted;
    auto& target = rt_->next_loop();
    if (&target == home_)
      return spawn_connection(target, *stream, *handler_, options_);
    auto fd = net::detach_socket(*stream);
    if (!fd)
      return report_accept_failure(*handler_, listener_id,
                                   net_error::from(fd.error()));
    auto id = listener_id;
    bool posted = target.loop().post(
        [&target, fd = *fd, handler = handler_, options = options_,
         id](net::loop& l) {
          auto adopted = adopt(static_cast<Listener*>(nullptr), l, fd);
          if (!adopted)
            return report_accept_failure(*handler, id,
                                         net_error::from(adopted.error()));
          spawn_connection(target, **adopted, *handler, options);
        });
    if (!posted) ::close(*fd);  // the target loop is stopping
  }

  void on_closing() override {}

 private:
  runtime* rt_;
  loop_context* home_;
  std::shared_ptr<const tcp_connection_handler> handler_;
  std::shared_ptr<const tcp_connection_options> options_;
};

// Creates the listening socket of `req` (a TCP or a Unix one) on the
// actor's loop; its bound address, or why not.
template <class Listener>
net::result<net::endpoint> listen_on(
    tcp_listener_self self, runtime* rt, loop_context* home,
    const std::shared_ptr<const tcp_connection_handler>& handler,
    const tcp_listen& req) {
  auto& st = self->state;
  auto bridge = std::make_unique<accept_bridge<Listener>>(rt, home, handler);
  auto* raw_bridge = bridge.get();
  typename Listener::options opts;
  opts.backlog = req.backlog;
  if constexpr (std::is_same_v<Listener, net::tcp_listener>)
    opts.ipv6_only = req.ipv6_only;
  auto lis = Listener::create(*st.loop, req.address, opts, std::move(bridge));
  if (!lis) return lis.error();
  st.listener_id = (*lis)->id();
  raw_bridge->listener_id = st.listener_id;
  if constexpr (std::is_same_v<Listener, net::tcp_listener>)
    raw_bridge->set_connection_options(
        inherit_socket_options(**lis, handler->options));
  return (*lis)->local_endpoint();
}

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
      auto bound = req.address.is_unix()
                       ? listen_on<net::pipe_listener>(self, rt, home, handler, req)
                       : listen_on<net::tcp_listener>(self, rt, home, handler, req);
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
