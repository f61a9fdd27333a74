// net::handle_base: the common part of every libuv handle wrapper (TCP, UDP,
// timer, poll, ...). The uv handle is embedded in the subclass by value and
// its `data` points at the wrapper; the wrapper registers with its loop and is
// deleted in the close callback, never before, because libuv may still touch
// the handle until then.
// Thread safety: loop thread only.
#pragma once

#include <uv.h>

#include "net/core/loop.hpp"

namespace net {

class handle_base {
 public:
  handle_base(const handle_base&) = delete;
  handle_base& operator=(const handle_base&) = delete;

  /// Starts closing the handle; idempotent. The wrapper is deleted in the
  /// close callback, after on_close() has run.
  void close();

  bool is_closing() const noexcept { return closing_; }

  handle_id id() const noexcept { return id_; }
  net::loop& owner() noexcept { return loop_; }

 protected:
  /// Registers the wrapper with `l`. Subclasses call uv_*_init on their
  /// handle in a static create(); one whose init failed calls discard().
  explicit handle_base(net::loop& l);
  virtual ~handle_base();

  /// The embedded uv handle.
  virtual uv_handle_t* raw_handle() noexcept = 0;

  /// Called when close() begins (before uv_close): a subclass tells its
  /// observer that the handle is going away.
  virtual void on_close() {}

  /// Deletes a wrapper whose uv_*_init failed: libuv never saw the handle,
  /// so there is no close callback to wait for.
  static void discard(handle_base* h);

 private:
  static void on_closed(uv_handle_t* h);

  net::loop& loop_;
  handle_id id_;
  bool closing_ = false;
};

}  // namespace net
