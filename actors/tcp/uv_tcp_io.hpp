// netactors::uv_tcp_io: tcp_io over a net::stream: a TCP connection
// (net::tcp_stream) or a Unix-domain one (net::pipe_stream), accepted or
// made by connect() to an IP or a Unix endpoint. On a Unix stream nodelay
// and keepalive (TCP's) succeed without doing anything, and local()/peer()
// are Unix endpoints: the socket path, no port (net/unix/pipe_stream.hpp).
// It holds the stream's id and a pointer to it that the stream's observer
// (the io's bridge) clears when the stream is deleted: a stream that closed
// underneath is simply gone, without a registry lookup per call.
// Thread safety: loop thread of `loop` only (the connection actor is
// loop-affine). Ownership: the loop owns the stream; closing it is the
// connection actor's call (through close()).
#pragma once

#include <memory>

#include "actors/tcp/tcp_io.hpp"
#include "net/core/loop.hpp"
#include "net/core/stream.hpp"

namespace netactors {

// Always made by std::make_shared: its stream's observer (the bridge) holds
// it, so that the io, its read window and the bridge's routing are one
// allocation, not three (idle memory per connection counts).
class uv_tcp_io final : public tcp_io,
                        public std::enable_shared_from_this<uv_tcp_io> {
 public:
  /// Wraps an accepted stream on `l`; attach() looks it up by its id and
  /// becomes its observer.
  uv_tcp_io(net::loop& l, net::handle_id stream);

  /// Wraps `stream` and becomes its observer now, on the loop thread: for
  /// a stream in hand (a listener's accepted one), attach() then has no
  /// lookup to make. Until attach() its events have no actor to go to
  /// (nothing is read before the actor starts reading).
  static std::shared_ptr<uv_tcp_io> observing(net::loop& l, net::stream& stream);

  /// No stream yet: connect() creates one on `l` (on the loop thread, where
  /// the actor that calls it runs), TCP or Unix after the peer endpoint.
  /// id() is 0 until then.
  explicit uv_tcp_io(net::loop& l);

  uint64_t id() const override { return id_; }
  void attach(const caf::actor& self, caf::actor owner) override;
  void send_fin_to_owner() override;
  bool read_ended() const override;
  net_error connect(const net::endpoint& peer) override;
  net_error read_start() override;
  net_error read_stop() override;
  write_outcome write(net::byte_buffer bytes, uint64_t token) override;
  size_t write_queue_size() const override;
  net_error shutdown() override;
  net_error set_nodelay(bool enable) override;
  net_error set_keepalive(bool enable, unsigned delay_seconds) override;
  read_window& window() override { return window_; }
  void set_read_window(uint64_t bytes) override;
  uint64_t bytes_received() const override;
  net::endpoint local() const override;
  net::endpoint peer() const override;
  void close() override;

 private:
  /// Until the actor sets its own (tcp_connection_options::read_window).
  static constexpr uint64_t default_read_window = 1024 * 1024;

  class bridge;  // the stream's observer: turns callbacks into messages

  net::stream* stream() const;
  void observe(net::stream& s);

  net::loop& loop_;
  net::handle_id id_;
  // The stream's observer, which knows its stream: null until observed and
  // once the stream is deleted.
  bridge* bridge_ = nullptr;
  // Kept from attach() for a stream made by connect(). Weak: the io lives in
  // its actor's state, and a seam must never keep its own actor alive.
  caf::weak_actor_ptr self_;
  caf::actor owner_;
  read_window window_;  // applied by the bridge, acks recorded by the actor
};

}  // namespace netactors
