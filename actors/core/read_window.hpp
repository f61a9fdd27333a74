// netactors::read_window: inbound flow control for a socket actor (TCP
// connection, UDP socket). It bounds the bytes delivered to the owner and
// not yet consumed by it, without the owner writing any acknowledgement.
//
// D = bytes delivered to the owner, A = bytes the owner has consumed, W =
// the window. A read goes straight to the owner (fast path, one mailbox
// hop) while D - A stays small. The read that brings D - A to W/2 with no
// marker outstanding, or to W, becomes a *marker*: the seam stops reading
// and hands it to the actor, which sends it to the owner as a CAF request.
// CAF answers a request when the owner's handler returns, and a mailbox is
// FIFO per sender, so the reply means every byte up to the marker was
// handled: A = the marker's position. Reading resumes at once after a W/2
// marker (the request is already queued behind the fast-path bytes) and
// after an ack once D - A < W. Each read is at most read_limit() =
// max(1, min(64 KiB, W/2)) bytes, so after any ack D - A < W: no deadlock,
// and a tiny W is a pull mode. An owner that wants to hold back credit takes
// a response promise for the marker and delivers it later.
// Bound: the owner's mailbox holds at most W + one read of this socket.
// Thread safety: none; the seam and the actor share it on the loop thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace netactors {

class read_window {
 public:
  /// The largest single read, whatever the window.
  static constexpr uint64_t max_read = 64 * 1024;

  explicit read_window(uint64_t window) : window_(std::max<uint64_t>(1, window)) {}

  enum class verdict { deliver, marker };

  /// `n` more bytes were read: deliver them straight, or as a marker (the
  /// seam then stops reading; the marker's position is delivered()).
  verdict on_read(uint64_t n) {
    delivered_ += n;
    auto unconsumed = delivered_ - consumed_;
    bool outstanding = marker_ > consumed_;
    if (unconsumed >= window_ ||
        (!outstanding && unconsumed >= std::max<uint64_t>(1, window_ / 2))) {
      marker_ = delivered_;
      ++markers_in_transit_;
      return verdict::marker;
    }
    return verdict::deliver;
  }

  /// The actor took a marker from the seam (and queued it for the owner).
  void marker_forwarded() {
    if (markers_in_transit_ > 0) --markers_in_transit_;
  }

  /// A marker is between the seam and the actor: the seam stopped reading
  /// for it, and nobody may start reading again before the actor forwarded
  /// it (bytes read meanwhile would overtake it on the fast path).
  bool marker_in_transit() const { return markers_in_transit_ > 0; }

  /// The owner answered the marker at `position`.
  void consumed_up_to(uint64_t position) {
    consumed_ = std::max(consumed_, std::min(position, delivered_));
  }

  /// Reading must wait for the owner: a marker is outstanding and the
  /// owner holds a full window. (With no marker outstanding reading goes
  /// on: the next read becomes one, so a window made smaller still ends in
  /// an ack.)
  bool blocked() const {
    return marker_ > consumed_ && delivered_ - consumed_ >= window_;
  }

  /// Changes W (at least 1); takes effect with the next read.
  void set_window(uint64_t w) { window_ = std::max<uint64_t>(1, w); }

  /// How many bytes one read may take.
  uint64_t read_limit() const {
    return std::max<uint64_t>(1, std::min(max_read, window_ / 2));
  }

  uint64_t window() const { return window_; }
  uint64_t delivered() const { return delivered_; }
  uint64_t consumed() const { return consumed_; }
  uint64_t unconsumed() const { return delivered_ - consumed_; }

 private:
  uint64_t window_;
  uint64_t delivered_ = 0;
  uint64_t consumed_ = 0;
  uint64_t marker_ = 0;  // position of the last marker
  uint32_t markers_in_transit_ = 0;
};

}  // namespace netactors
