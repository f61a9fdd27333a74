#include "net/tcp/tcp_stream.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

namespace net {

tcp_stream::tcp_stream(loop& l, std::unique_ptr<observer> obs)
    : stream(l, std::move(obs)) {}

result<tcp_stream*> tcp_stream::create(loop& l, std::unique_ptr<observer> obs,
                                       int family) {
  auto* s = new tcp_stream(l, std::move(obs));
  int rc = family == AF_UNSPEC
               ? uv_tcp_init(l.raw(), &s->tcp_)
               : uv_tcp_init_ex(l.raw(), &s->tcp_, static_cast<unsigned>(family));
  if (rc < 0) {
    discard(s);
    return uv_error{rc, "uv_tcp_init"};
  }
  s->tcp_.data = static_cast<handle_base*>(s);
  return s;
}

result<void> tcp_stream::connect(const endpoint& peer) {
  if (peer.is_unix())
    return uv_error{UV_EAFNOSUPPORT, "TCP connect to " + peer.to_string()};
  // Requests are allocated when used, not embedded: an accepted connection
  // never connects and rarely shuts down, and idle memory per connection
  // counts.
  auto req = std::make_unique<uv_connect_t>();
  req->data = this;
  int rc = uv_tcp_connect(req.get(), &tcp_, peer.sockaddr_ptr(),
                          &stream::on_connected);
  if (rc == 0) req.release();  // the callback owns it now
  return result<void>::from_code(rc, "connect " + peer.to_string());
}

result<void> tcp_stream::set_nodelay(bool enable) {
  return set_nodelay(&tcp_, enable);
}

result<void> tcp_stream::set_keepalive(bool enable, unsigned delay_seconds) {
  return set_keepalive(&tcp_, enable, delay_seconds);
}

result<void> tcp_stream::set_nodelay(uv_tcp_t* tcp, bool enable) {
  return result<void>::from_code(uv_tcp_nodelay(tcp, enable ? 1 : 0),
                                 "nodelay");
}

result<void> tcp_stream::set_keepalive(uv_tcp_t* tcp, bool enable,
                                       unsigned delay_seconds) {
  auto what = "keepalive " + std::to_string(delay_seconds) + " s";
  if (int rc = uv_tcp_keepalive(tcp, enable ? 1 : 0, delay_seconds); rc < 0)
    return uv_error{rc, what};
  if (!enable) return {};
  // libuv sets only the idle time; the kernel's default interval (75 s) and
  // count (9) would leave a vanished peer ESTABLISHED for 11 more minutes.
  uv_os_fd_t fd;
  if (int rc = uv_fileno(reinterpret_cast<uv_handle_t*>(tcp), &fd); rc < 0)
    return uv_error{rc, what};
  int interval = keepalive_interval_seconds;
  int probes = keepalive_probes;
  if (::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval) != 0 ||
      ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes) != 0)
    return uv_error{uv_translate_sys_error(errno), what};
  return {};
}

result<endpoint> tcp_stream::local_endpoint() const {
  return endpoint_of(&tcp_, uv_tcp_getsockname, "getsockname");
}

result<endpoint> tcp_stream::peer_endpoint() const {
  return endpoint_of(&tcp_, uv_tcp_getpeername, "getpeername");
}

}  // namespace net
