// net::pipe_stream: one Unix-domain stream connection (uv_pipe_t), accepted
// or connecting. Reading, writing and half-close are net::stream's
// (net/core/stream.hpp); this adds creation, connect to a socket path and the
// two ends' names.
// Endpoints: a Unix endpoint (endpoint::is_unix(), "unix:PATH") holds the
// path and no port. The listening end's name is the path it was bound to; a
// connecting client's socket is unnamed, so the peer of an accepted
// connection and the local end of a client are "unix:" (empty path).
// Thread safety: loop thread only. Ownership: the loop owns the stream (see
// net/core/handle.hpp); the stream owns its observer and its in-flight writes.
#pragma once

#include <memory>

#include "net/core/endpoint.hpp"
#include "net/core/result.hpp"
#include "net/core/stream.hpp"

namespace net {

class pipe_stream final : public stream {
 public:
  /// Creates an unconnected stream for accept() or connect().
  static result<pipe_stream*> create(loop& l, std::unique_ptr<observer> obs);

  /// Starts connecting to the socket at `peer`'s path (a non-empty Unix
  /// endpoint, else UV_EINVAL / UV_EAFNOSUPPORT here); the outcome
  /// (ENOENT, ECONNREFUSED, EACCES, ...) arrives in on_connect.
  result<void> connect(const endpoint& peer) override;

  result<endpoint> local_endpoint() const override;
  result<endpoint> peer_endpoint() const override;
  uv_stream_t* raw_stream() noexcept override {
    return reinterpret_cast<uv_stream_t*>(&pipe_);
  }

 private:
  explicit pipe_stream(loop& l, std::unique_ptr<observer> obs);

  uv_pipe_t pipe_;
};

/// Wraps a connected Unix socket (from detach_socket) in a stream on `l`; on
/// failure the descriptor is closed. Loop thread (of `l`) only.
result<pipe_stream*> adopt_pipe_socket(loop& l, uv_os_sock_t fd,
                                       std::unique_ptr<stream::observer> obs);

}  // namespace net
