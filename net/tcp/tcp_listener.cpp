#include "net/tcp/tcp_listener.hpp"

#include <unistd.h>

namespace net {

tcp_listener::tcp_listener(loop& l, std::unique_ptr<observer> obs)
    : handle_base(l), observer_(std::move(obs)) {}

result<tcp_listener*> tcp_listener::create(loop& l, const endpoint& local,
                                           const options& opts,
                                           std::unique_ptr<observer> obs) {
  if (local.is_unix())
    return uv_error{UV_EAFNOSUPPORT, "TCP listen on " + local.to_string()};
  auto* self = new tcp_listener(l, std::move(obs));
  if (int rc = uv_tcp_init(l.raw(), &self->tcp_); rc < 0) {
    discard(self);
    return uv_error{rc, "uv_tcp_init"};
  }
  self->tcp_.data = static_cast<handle_base*>(self);
  auto where = local.to_string();
  unsigned flags = 0;
  if (opts.ipv6_only && local.family() == ip_family::v6)
    flags |= UV_TCP_IPV6ONLY;
  // libuv may defer a bind error (EADDRINUSE) to uv_listen: both are checked
  // and both name the address.
  int rc = uv_tcp_bind(&self->tcp_, local.sockaddr_ptr(), flags);
  if (rc == 0)
    rc = uv_listen(reinterpret_cast<uv_stream_t*>(&self->tcp_), opts.backlog,
                   &tcp_listener::on_connection);
  if (rc < 0) {
    self->observer_.reset();  // nobody to tell: the caller gets the error
    self->close();
    return uv_error{rc, "listen on " + where};
  }
  return self;
}

void tcp_listener::on_connection(uv_stream_t* server, int status) {
  auto* self =
      static_cast<tcp_listener*>(static_cast<handle_base*>(server->data));
  if (!self->observer_) return;
  if (status < 0) {
    self->observer_->on_accept(uv_error{status, "accept"});
    return;
  }
  auto stream = tcp_stream::create(self->owner(), nullptr);
  if (!stream) {
    self->observer_->on_accept(stream.error());
    return;
  }
  if (int rc = uv_accept(server, (*stream)->raw_stream()); rc < 0) {
    (*stream)->close();
    self->observer_->on_accept(uv_error{rc, "accept"});
    return;
  }
  self->observer_->on_accept(*stream);
}

result<endpoint> tcp_listener::local_endpoint() const {
  return endpoint_of(&tcp_, uv_tcp_getsockname, "getsockname");
}

result<void> tcp_listener::set_accepted_nodelay(bool enable) {
  return tcp_stream::set_nodelay(&tcp_, enable);
}

result<void> tcp_listener::set_accepted_keepalive(bool enable,
                                                  unsigned delay_seconds) {
  return tcp_stream::set_keepalive(&tcp_, enable, delay_seconds);
}

void tcp_listener::on_close() {
  if (observer_) observer_->on_closing();
}

result<tcp_stream*> adopt_socket(loop& l, uv_os_sock_t fd,
                                 std::unique_ptr<tcp_stream::observer> obs) {
  auto stream = tcp_stream::create(l, std::move(obs));
  if (!stream) {
    ::close(fd);
    return stream.error();
  }
  if (int rc = uv_tcp_open(
          reinterpret_cast<uv_tcp_t*>((*stream)->raw_stream()), fd);
      rc < 0) {
    ::close(fd);
    (*stream)->close();
    return uv_error{rc, "uv_tcp_open"};
  }
  return *stream;
}

}  // namespace net
