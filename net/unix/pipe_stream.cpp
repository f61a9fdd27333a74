#include "net/unix/pipe_stream.hpp"

#include <sys/un.h>
#include <unistd.h>

#include <string>

namespace net {

pipe_stream::pipe_stream(loop& l, std::unique_ptr<observer> obs)
    : stream(l, std::move(obs)) {}

result<pipe_stream*> pipe_stream::create(loop& l, std::unique_ptr<observer> obs) {
  auto* s = new pipe_stream(l, std::move(obs));
  if (int rc = uv_pipe_init(l.raw(), &s->pipe_, 0); rc < 0) {
    discard(s);
    return uv_error{rc, "uv_pipe_init"};
  }
  s->pipe_.data = static_cast<handle_base*>(s);
  return s;
}

result<void> pipe_stream::connect(const endpoint& peer) {
  if (!peer.is_unix())
    return uv_error{UV_EAFNOSUPPORT,
                    "Unix socket connect to " + peer.to_string()};
  auto path = peer.path();
  if (path.empty()) return uv_error{UV_EINVAL, "connect to an empty Unix socket path"};
  auto req = std::make_unique<uv_connect_t>();
  req->data = this;
  // Errors (ENOENT, ECONNREFUSED, ...) always arrive in the callback.
  uv_pipe_connect(req.release(), &pipe_, path.c_str(), &stream::on_connected);
  return {};
}

namespace {

// uv_pipe_getsockname / uv_pipe_getpeername as an endpoint. An abstract
// socket's name (leading NUL) is written "@name", as ss(8) does.
template <class Getter>
result<endpoint> pipe_name(const uv_pipe_t* p, Getter get, const char* what) {
  char buf[sizeof(sockaddr_un{}.sun_path) + 1];
  size_t size = sizeof(buf);
  if (int rc = get(p, buf, &size); rc < 0) return uv_error{rc, what};
  std::string name{buf, size};
  if (!name.empty() && name.front() == '\0') name.front() = '@';
  return endpoint::from_path(name);
}

}  // namespace

result<endpoint> pipe_stream::local_endpoint() const {
  return pipe_name(&pipe_, uv_pipe_getsockname, "getsockname");
}

result<endpoint> pipe_stream::peer_endpoint() const {
  return pipe_name(&pipe_, uv_pipe_getpeername, "getpeername");
}

result<pipe_stream*> adopt_pipe_socket(loop& l, uv_os_sock_t fd,
                                       std::unique_ptr<stream::observer> obs) {
  auto s = pipe_stream::create(l, std::move(obs));
  if (!s) {
    ::close(fd);
    return s.error();
  }
  if (int rc = uv_pipe_open(reinterpret_cast<uv_pipe_t*>((*s)->raw_stream()), fd);
      rc < 0) {
    ::close(fd);
    (*s)->close();
    return uv_error{rc, "uv_pipe_open"};
  }
  return *s;
}

}  // namespace net
