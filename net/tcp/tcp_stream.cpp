#include "net/tcp/tcp_stream.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <string>

namespace net {

struct tcp_stream::write_req {
  uv_write_t req;
  byte_buffer bytes;
  uint64_t token;
};

tcp_stream::tcp_stream(loop& l, std::unique_ptr<observer> obs)
    : handle_base(l), observer_(std::move(obs)) {}

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

void tcp_stream::set_observer(std::unique_ptr<observer> obs) {
  observer_ = std::move(obs);
}

result<void> tcp_stream::connect(const endpoint& peer) {
  // Requests are allocated when used, not embedded: an accepted connection
  // never connects and rarely shuts down, and idle memory per connection
  // counts.
  auto req = std::make_unique<uv_connect_t>();
  req->data = this;
  int rc = uv_tcp_connect(req.get(), &tcp_, peer.sockaddr_ptr(),
                          [](uv_connect_t* r, int status) {
                            std::unique_ptr<uv_connect_t> owned{r};
                            auto* self = static_cast<tcp_stream*>(r->data);
                            // A close() before the connect finished ends it
                            // with UV_ECANCELED; the observer was told already.
                            if (self->is_closing()) return;
                            self->observer_->on_connect(
                                result<void>::from_code(status, "connect"));
                          });
  if (rc == 0) req.release();  // the callback owns it now
  return result<void>::from_code(rc, "connect " + peer.to_string());
}

result<void> tcp_stream::read_start() {
  if (reading_) return {};
  int rc = uv_read_start(raw_stream(), &tcp_stream::on_alloc,
                         &tcp_stream::on_read_cb);
  if (rc == 0) reading_ = true;
  return result<void>::from_code(rc, "read start");
}

result<void> tcp_stream::read_stop() {
  if (!reading_) return {};
  reading_ = false;
  return result<void>::from_code(uv_read_stop(raw_stream()), "read stop");
}

void tcp_stream::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* self = static_cast<tcp_stream*>(static_cast<handle_base*>(h->data));
  self->read_buf_ = self->owner().take_read_buffer();
  *buf = uv_buf_init(self->read_buf_.data(),
                     static_cast<unsigned>(std::min(self->read_buf_.capacity(),
                                                    self->read_limit_)));
}

byte_buffer take_read_bytes(loop& l, byte_buffer& read_buf, size_t nread) {
  if (nread >= move_read_threshold) {
    read_buf.resize(nread);
    return std::move(read_buf);
  }
  auto bytes = byte_buffer::copy_of({read_buf.data(), nread});
  l.give_back_read_buffer(std::move(read_buf));
  return bytes;
}

void tcp_stream::on_read_cb(uv_stream_t* s, ssize_t nread, const uv_buf_t*) {
  auto* self = static_cast<tcp_stream*>(static_cast<handle_base*>(s->data));
  if (nread > 0) {
    self->bytes_read_ += static_cast<uint64_t>(nread);
    self->observer_->on_read(take_read_bytes(
        self->owner(), self->read_buf_, static_cast<size_t>(nread)));
    return;
  }
  if (self->read_buf_.capacity() > 0)
    self->owner().give_back_read_buffer(std::move(self->read_buf_));
  if (nread == 0) return;  // EAGAIN: nothing to do
  // EOF or an error: libuv stops reading on its own.
  self->reading_ = false;
  self->observer_->on_read_end(uv_error{static_cast<int>(nread), "read"});
}

result<tcp_stream::write_status> tcp_stream::write(byte_buffer bytes,
                                                   uint64_t token) {
  if (is_closing()) return uv_error{UV_ECANCELED, "write on a closing stream"};
  size_t offset = 0;
  if (!bytes.empty()) {
    // uv_try_write refuses (EAGAIN) while earlier writes are queued, so
    // bytes never overtake each other. One chunk is more than the kernel
    // takes at once anyway.
    auto buf = uv_buf_init(bytes.data(), static_cast<unsigned>(std::min(
                                             bytes.size(), max_write_chunk)));
    int rc = uv_try_write(raw_stream(), &buf, 1);
    if (rc >= 0) {
      offset = static_cast<size_t>(rc);
    } else if (rc != UV_EAGAIN) {
      return uv_error{rc, "write"};
    }
  }
  if (offset == bytes.size()) {
    owner().give_back_read_buffer(std::move(bytes));
    return write_status::completed;
  }
  auto req = std::make_unique<write_req>();
  req->bytes = std::move(bytes);
  req->token = token;
  req->req.data = this;
  auto bufs = write_bufs(req->bytes.data() + offset, req->bytes.size() - offset);
  if (int rc = uv_write(&req->req, raw_stream(), bufs.data(),
                        static_cast<unsigned>(bufs.size()), &on_written);
      rc < 0)
    return uv_error{rc, "write"};  // the callback will never run
  req.release();  // on_written owns it now
  return write_status::pending;
}

void tcp_stream::on_written(uv_write_t* req, int status) {
  std::unique_ptr<write_req> wr{reinterpret_cast<write_req*>(req)};
  auto* self = static_cast<tcp_stream*>(req->data);
  self->owner().give_back_read_buffer(std::move(wr->bytes));
  // Writes cancelled by close() end with UV_ECANCELED after on_closing();
  // the observer is gone by then.
  if (self->is_closing()) return;
  self->observer_->on_write_done(wr->token,
                                 result<void>::from_code(status, "write"));
}

size_t tcp_stream::write_queue_size() const noexcept {
  return uv_stream_get_write_queue_size(
      reinterpret_cast<const uv_stream_t*>(&tcp_));
}

result<void> tcp_stream::shutdown() {
  auto req = std::make_unique<uv_shutdown_t>();
  req->data = this;
  int rc = uv_shutdown(req.get(), raw_stream(),
                       [](uv_shutdown_t* r, int status) {
                         std::unique_ptr<uv_shutdown_t> owned{r};
                         auto* self = static_cast<tcp_stream*>(r->data);
                         if (self->is_closing()) return;
                         self->observer_->on_shutdown(
                             result<void>::from_code(status, "shutdown"));
                       });
  if (rc == 0) req.release();  // the callback owns it now
  return result<void>::from_code(rc, "shutdown");
}

result<void> tcp_stream::set_nodelay(bool enable) {
  return result<void>::from_code(uv_tcp_nodelay(&tcp_, enable ? 1 : 0),
                                 "nodelay");
}

result<void> tcp_stream::set_keepalive(bool enable, unsigned delay_seconds) {
  auto what = "keepalive " + std::to_string(delay_seconds) + " s";
  if (int rc = uv_tcp_keepalive(&tcp_, enable ? 1 : 0, delay_seconds); rc < 0)
    return uv_error{rc, what};
  if (!enable) return {};
  // libuv sets only the idle time; the kernel's default interval (75 s) and
  // count (9) would leave a vanished peer ESTABLISHED for 11 more minutes.
  uv_os_fd_t fd;
  if (int rc = uv_fileno(raw_handle(), &fd); rc < 0) return uv_error{rc, what};
  int interval = keepalive_interval_seconds;
  int probes = keepalive_probes;
  if (::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval) != 0 ||
      ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes) != 0)
    return uv_error{uv_translate_sys_error(errno), what};
  return {};
}

std::vector<uv_buf_t> write_bufs(char* data, size_t size, size_t chunk) {
  std::vector<uv_buf_t> bufs;
  bufs.reserve(size / chunk + 1);
  do {
    auto n = std::min(size, chunk);
    bufs.push_back(uv_buf_init(data, static_cast<unsigned>(n)));
    data += n;
    size -= n;
  } while (size > 0);
  return bufs;
}

result<endpoint> tcp_stream::local_endpoint() const {
  return endpoint_of(&tcp_, uv_tcp_getsockname, "getsockname");
}

result<endpoint> tcp_stream::peer_endpoint() const {
  return endpoint_of(&tcp_, uv_tcp_getpeername, "getpeername");
}

void tcp_stream::on_close() {
  if (read_buf_.capacity() > 0)
    owner().give_back_read_buffer(std::move(read_buf_));
  if (observer_) observer_->on_closing();
}

}  // namespace net
