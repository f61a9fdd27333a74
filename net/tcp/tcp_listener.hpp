// net::tcp_listener: a listening TCP socket (uv_tcp_t + uv_listen). Each
// accepted connection becomes a net::tcp_stream on the same loop, handed to
// the observer with no observer of its own yet and not reading, so nothing
// can be lost before its owner is ready.
// Thread safety: loop thread only. Ownership: the loop owns the listener and
// the listener owns its observer.
#pragma once

#include <memory>

#include "net/core/endpoint.hpp"
#include "net/core/handle.hpp"
#include "net/core/result.hpp"
#include "net/tcp/tcp_stream.hpp"

namespace net {

class tcp_listener : public handle_base {
 public:
  class observer {
   public:
    virtual ~observer() = default;
    /// A connection was accepted (or accepting failed, e.g. EMFILE).
    virtual void on_accept(result<tcp_stream*> accepted) = 0;
    /// The listener is closing; no callback follows.
    virtual void on_closing() = 0;
  };

  struct options {
    int backlog = 511;
    /// For an IPv6 endpoint: accept IPv6 only (no ::ffff:a.b.c.d clients).
    bool ipv6_only = false;
  };

  using stream_type = tcp_stream;

  /// Binds to `local` (an IP endpoint) and listens. EADDRINUSE and EACCES are reported here
  /// whether libuv raises them at bind or only at listen.
  static result<tcp_listener*> create(loop& l, const endpoint& local,
                                      const options& opts,
                                      std::unique_ptr<observer> obs);

  /// The bound address; port 0 resolved to the real port.
  result<endpoint> local_endpoint() const;

  /// TCP_NODELAY and keepalive (as tcp_stream::set_nodelay/set_keepalive)
  /// on the listening socket. Linux copies a listener's socket options to
  /// every socket it accepts afterwards, so this is one system call per
  /// listener instead of one (keepalive: four) per connection.
  result<void> set_accepted_nodelay(bool enable);
  result<void> set_accepted_keepalive(bool enable, unsigned delay_seconds);

 protected:
  uv_handle_t* raw_handle() noexcept override {
    return reinterpret_cast<uv_handle_t*>(&tcp_);
  }
  void on_close() override;

 private:
  tcp_listener(loop& l, std::unique_ptr<observer> obs);
  static void on_connection(uv_stream_t* server, int status);

  uv_tcp_t tcp_;
  std::unique_ptr<observer> observer_;
};

/// Wraps a connected TCP socket (from detach_socket, net/core/stream.hpp)
/// in a stream on `l`; on
/// failure the descriptor is closed. Loop thread (of `l`) only.
result<tcp_stream*> adopt_socket(loop& l, uv_os_sock_t fd,
                                 std::unique_ptr<tcp_stream::observer> obs);

}  // namespace net
