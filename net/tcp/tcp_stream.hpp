// net::tcp_stream: one TCP connection (uv_tcp_t), accepted or connecting.
// Reading, writing and half-close are net::stream's (net/core/stream.hpp);
// this adds creation, connect to an IP endpoint and TCP's options.
// Thread safety: loop thread only. Ownership: the loop owns the stream (see
// net/core/handle.hpp); the stream owns its observer and its in-flight writes.
#pragma once

#include <memory>

#include "net/core/endpoint.hpp"
#include "net/core/result.hpp"
#include "net/core/stream.hpp"

namespace net {

class tcp_stream final : public stream {
 public:
  /// Creates an unconnected stream for accept() or connect().
  static result<tcp_stream*> create(loop& l, std::unique_ptr<observer> obs,
                                    int family = AF_UNSPEC);

  /// Starts connecting to `peer` (an IP endpoint; a Unix path is
  /// UV_EAFNOSUPPORT); the outcome arrives in on_connect.
  result<void> connect(const endpoint& peer) override;

  result<void> set_nodelay(bool enable);
  /// SO_KEEPALIVE with the first probe after `delay_seconds` idle; then
  /// probes every keepalive_interval_seconds, keepalive_probes times, so a
  /// vanished peer is detected delay + 60 s after the last traffic.
  result<void> set_keepalive(bool enable, unsigned delay_seconds);
  static constexpr int keepalive_interval_seconds = 10;
  static constexpr int keepalive_probes = 6;

  /// The same two options on any uv_tcp_t that has a socket: a stream, or
  /// a listener (net::tcp_listener), whose accepted sockets inherit them.
  static result<void> set_nodelay(uv_tcp_t* tcp, bool enable);
  static result<void> set_keepalive(uv_tcp_t* tcp, bool enable,
                                    unsigned delay_seconds);

  result<endpoint> local_endpoint() const override;
  result<endpoint> peer_endpoint() const override;
  uv_stream_t* raw_stream() noexcept override {
    return reinterpret_cast<uv_stream_t*>(&tcp_);
  }

 private:
  tcp_stream(loop& l, std::unique_ptr<observer> obs);

  uv_tcp_t tcp_;
};

}  // namespace net
