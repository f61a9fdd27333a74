#include "net/core/stream.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

namespace net {

struct stream::write_req {
  uv_write_t req;
  byte_buffer bytes;
  uint64_t token;
};

stream::stream(loop& l, std::unique_ptr<observer> obs)
    : handle_base(l), observer_(std::move(obs)) {}

void stream::set_observer(std::unique_ptr<observer> obs) {
  observer_ = std::move(obs);
}

void stream::on_connected(uv_connect_t* r, int status) {
  std::unique_ptr<uv_connect_t> owned{r};
  auto* self = static_cast<stream*>(r->data);
  // A close() before the connect finished ends it with UV_ECANCELED; the
  // observer was told already.
  if (self->is_closing()) return;
  self->observer_->on_connect(result<void>::from_code(status, "connect"));
}

result<void> stream::read_start() {
  if (reading_) return {};
  int rc = uv_read_start(raw_stream(), &stream::on_alloc, &stream::on_read_cb);
  if (rc == 0) reading_ = true;
  return result<void>::from_code(rc, "read start");
}

result<void> stream::read_stop() {
  if (!reading_) return {};
  reading_ = false;
  return result<void>::from_code(uv_read_stop(raw_stream()), "read stop");
}

void stream::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* self = static_cast<stream*>(static_cast<handle_base*>(h->data));
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

void stream::on_read_cb(uv_stream_t* s, ssize_t nread, const uv_buf_t*) {
  auto* self = static_cast<stream*>(static_cast<handle_base*>(s->data));
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

result<stream::write_status> stream::write(byte_buffer bytes, uint64_t token) {
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

void stream::on_written(uv_write_t* req, int status) {
  std::unique_ptr<write_req> wr{reinterpret_cast<write_req*>(req)};
  auto* self = static_cast<stream*>(req->data);
  self->owner().give_back_read_buffer(std::move(wr->bytes));
  // Writes cancelled by close() end with UV_ECANCELED after on_closing();
  // the observer is gone by then.
  if (self->is_closing()) return;
  self->observer_->on_write_done(wr->token,
                                 result<void>::from_code(status, "write"));
}

size_t stream::write_queue_size() const noexcept {
  // raw_stream() hands out a mutable handle; this only reads it.
  return uv_stream_get_write_queue_size(const_cast<stream*>(this)->raw_stream());
}

result<void> stream::shutdown() {
  auto req = std::make_unique<uv_shutdown_t>();
  req->data = this;
  int rc = uv_shutdown(req.get(), raw_stream(), [](uv_shutdown_t* r, int status) {
    std::unique_ptr<uv_shutdown_t> owned{r};
    auto* self = static_cast<stream*>(r->data);
    if (self->is_closing()) return;
    self->observer_->on_shutdown(result<void>::from_code(status, "shutdown"));
  });
  if (rc == 0) req.release();  // the callback owns it now
  return result<void>::from_code(rc, "shutdown");
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

void stream::on_close() {
  if (read_buf_.capacity() > 0)
    owner().give_back_read_buffer(std::move(read_buf_));
  if (observer_) observer_->on_closing();
}

result<uv_os_sock_t> detach_socket(stream& s) {
  // Whatever happens the stream closes here: a socket left open on a failed
  // move would never be served (the peer would wait in CLOSE_WAIT forever).
  uv_os_fd_t fd;
  if (int rc = uv_fileno(reinterpret_cast<uv_handle_t*>(s.raw_stream()), &fd);
      rc < 0) {
    s.close();
    return uv_error{rc, "uv_fileno"};
  }
  int copy = ::dup(fd);
  int err = errno;
  s.close();
  if (copy < 0)
    return uv_error{uv_translate_sys_error(err),
                    "dup of an accepted connection (to move it to another loop)"};
  return copy;
}

}  // namespace net
