// net::pipe_listener: a listening Unix-domain stream socket (uv_pipe_t +
// uv_listen) at a filesystem path. Each accepted connection becomes a
// net::pipe_stream on the same loop, handed to the observer with no observer
// of its own yet and not reading, as net::tcp_listener does.
//
// The socket file:
//  - is created with mode 0600 from the start (no window where it is wider:
//    the socket's mode is set before bind, see pipe_listener.cpp);
//  - replaces a stale socket file (one nobody listens on: connecting to it
//    is refused) but never a live one (UV_EADDRINUSE, naming the path) and
//    never a file that is not a socket (UV_ENOTSOCK, saying what it is);
//  - is removed when the listener closes, if the path still names the
//    socket this listener created (same device and inode).
// Thread safety: loop thread only. Ownership: the loop owns the listener and
// the listener owns its observer.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "net/core/endpoint.hpp"
#include "net/core/handle.hpp"
#include "net/core/result.hpp"
#include "net/unix/pipe_stream.hpp"

namespace net {

class pipe_listener final : public handle_base {
 public:
  class observer {
   public:
    virtual ~observer() = default;
    /// A connection was accepted (or accepting failed, e.g. EMFILE).
    virtual void on_accept(result<pipe_stream*> accepted) = 0;
    /// The listener is closing; no callback follows.
    virtual void on_closing() = 0;
  };

  using stream_type = pipe_stream;

  struct options {
    int backlog = 511;
  };

  /// The mode of the socket file.
  static constexpr mode_t socket_file_mode = 0600;

  /// Creates the socket file at `local`'s path (a Unix endpoint) and
  /// listens. Errors name the path: EADDRINUSE (a live listener has it),
  /// ENOTSOCK (something else is there), ENAMETOOLONG, EACCES, ENOENT (no
  /// such directory), EINVAL (an empty path or not a Unix endpoint).
  static result<pipe_listener*> create(loop& l, const endpoint& local,
                                       const options& opts,
                                       std::unique_ptr<observer> obs);

  /// The socket's path, as a Unix endpoint.
  result<endpoint> local_endpoint() const;

 protected:
  uv_handle_t* raw_handle() noexcept override {
    return reinterpret_cast<uv_handle_t*>(&pipe_);
  }
  void on_close() override;

 private:
  pipe_listener(loop& l, std::unique_ptr<observer> obs);
  static void on_connection(uv_stream_t* server, int status);

  uv_pipe_t pipe_;
  std::unique_ptr<observer> observer_;
  // The socket file this listener created, removed on close if the path
  // still names it.
  std::string path_;
  dev_t device_ = 0;
  ino_t inode_ = 0;
  bool owns_file_ = false;
};

}  // namespace net
