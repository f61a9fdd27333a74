// net::interface_watcher: keeps a current interface_snapshot (net/interfaces/interfaces.hpp)
// and tells its observer what changed. This file holds the watcher's interface
// and both of its implementations, chosen by watch_interfaces(). Two ways to
// notice a change:
// - netlink_watcher (Linux): an AF_NETLINK/NETLINK_ROUTE socket subscribed to
//   RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR, read through a
//   uv_poll_t. Every batch of kernel notifications triggers one re-snapshot
//   and diff, so a change is seen as soon as the kernel announces it. When
//   the socket's queue overflows (a burst of changes; the kernel drops
//   notifications and flags the socket with ENOBUFS) the watcher resyncs
//   from a fresh dump and reports the difference, so no change is lost.
// - interface_poller: a uv_timer_t that re-snapshots every interval; the
//   portable fallback (what Node offers, if anything) and the answer when a
//   netlink socket cannot be had.
// watch_interfaces() picks one. Both subscribe (or start ticking) before the
// baseline snapshot is taken, so no change after create() can be missed.
// Thread safety: loop thread only. Ownership: the loop owns the watcher (see
// net/core/handle.hpp); the watcher owns its observer and, for netlink, its socket.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "net/core/handle.hpp"
#include "net/interfaces/interfaces.hpp"
#include "net/core/result.hpp"

namespace net {

class interface_watcher : public handle_base {
 public:
  /// Receives a watcher's events on the loop thread. It may close() the
  /// watcher from inside a callback.
  class observer {
   public:
    virtual ~observer() = default;
    /// `changes` (never empty) took the previous snapshot to `now`, which
    /// is also current() from here on.
    virtual void on_interfaces_changed(
        const interface_snapshot& now,
        const std::vector<interface_change>& changes) = 0;
    /// Reading the interfaces (or the netlink socket) failed; the watcher
    /// keeps going and tries again on the next notification or tick.
    virtual void on_watch_error(const uv_error& error) = 0;
    /// The watcher is closing; no callback follows. `reason` has code 0 when
    /// its owner closed it; otherwise the watcher could not go on (its
    /// socket broke) and `reason` says why.
    virtual void on_closing(const uv_error& reason) = 0;
  };

  enum class method { netlink, polling };

  /// How this watcher notices changes.
  virtual method how() const noexcept = 0;

  /// The snapshot every reported change has been applied to.
  const interface_snapshot& current() const noexcept { return current_; }

  /// Re-reads the interfaces now and reports any difference.
  void rescan();

 protected:
  interface_watcher(loop& l, std::unique_ptr<observer> obs);

  /// A snapshot that no concurrent change tore. The kernel dumps behind
  /// getifaddrs and if_nameindex are not atomic: an address added or
  /// removed while they run can be listed twice or not at all. Sets
  /// `settled` to false when changes kept coming and another trigger is
  /// on its way: rescan() then waits for it instead of reporting, except
  /// after many such waits in a row (a kernel that never stops changing
  /// still gets reported).
  virtual result<interface_snapshot> read_snapshot(bool& settled) = 0;

  /// Takes the baseline snapshot; called by create() once subscribed.
  result<void> take_baseline();

  /// Tells the observer about `error`.
  void report(const uv_error& error);

  /// The watcher cannot go on: closes, telling the observer `reason`.
  void fail(const uv_error& reason);

  /// For a create() that fails after init: the caller gets the error, so
  /// the observer hears nothing (not even on_closing).
  void forget_observer() noexcept { observer_.reset(); }

  void on_close() override;

 private:
  interface_snapshot current_;
  std::unique_ptr<observer> observer_;
  uv_error failure_{0};
  int unsettled_in_a_row_ = 0;
};

/// "netlink" or "polling".
const char* to_string(interface_watcher::method m) noexcept;

class netlink_watcher final : public interface_watcher {
 public:
  /// Opens a non-blocking NETLINK_ROUTE socket bound to the link and address
  /// multicast groups; `receive_buffer` > 0 sets its SO_RCVBUF (the kernel
  /// doubles it and applies a minimum; 0 keeps the system default). UV_ENOSYS
  /// where there is no netlink (not Linux); otherwise socket()'s, bind()'s or
  /// setsockopt()'s error (EPERM in a locked-down sandbox, EMFILE, ...).
  static result<int> open_socket(int receive_buffer = 0);

  /// Watches through `fd`, a socket from open_socket(), which the watcher
  /// owns from here on (it is closed on failure too).
  static result<netlink_watcher*> create(loop& l, int fd,
                                         std::unique_ptr<observer> obs);

  method how() const noexcept override { return method::netlink; }

  /// How many times the socket overflowed and the watcher resynced.
  uint64_t resyncs() const noexcept { return resyncs_; }

 protected:
  uv_handle_t* raw_handle() noexcept override {
    return reinterpret_cast<uv_handle_t*>(&poll_);
  }

 private:
  netlink_watcher(loop& l, int fd, std::unique_ptr<observer> obs);
  ~netlink_watcher() override;
  static void on_readable(uv_poll_t* h, int status, int events);

  /// After libuv reported an error on the socket (and stopped polling):
  /// resyncs and polls again if it was an overflow, fails otherwise.
  void recover(int status);

  /// Snapshots until no notification arrived while one was read.
  result<interface_snapshot> read_snapshot(bool& settled) override;

  /// Reads every queued notification; true if one was about links or
  /// addresses (or the kernel dropped some: ENOBUFS).
  bool drain();

  /// Whether a notification (or an overrun) is queued, without reading it.
  bool pending();

  uv_poll_t poll_;
  int fd_;
  uint64_t resyncs_ = 0;
};

class interface_poller final : public interface_watcher {
 public:
  /// Re-snapshots every `interval_ms` (at least 1).
  static result<interface_poller*> create(loop& l, uint64_t interval_ms,
                                          std::unique_ptr<observer> obs);

  method how() const noexcept override { return method::polling; }

 protected:
  uv_handle_t* raw_handle() noexcept override {
    return reinterpret_cast<uv_handle_t*>(&timer_);
  }

 private:
  interface_poller(loop& l, std::unique_ptr<observer> obs);

  /// Snapshots until two in a row agree.
  result<interface_snapshot> read_snapshot(bool& settled) override;

  uv_timer_t timer_;
};

struct interface_watch_options {
  enum class method {
    automatic,  ///< netlink where it can be opened, polling otherwise
    netlink,    ///< netlink or an error
    polling,    ///< polling only
  };
  method use = method::automatic;
  /// The polling interval.
  uint64_t poll_interval_ms = 1000;
  /// The netlink socket's SO_RCVBUF in bytes; 0: the system default. A
  /// small one overflows sooner (tests use that to make overflow certain);
  /// an overflow costs a resync, never a change.
  int netlink_receive_buffer = 0;
};

/// Starts watching as `opts` says.
result<interface_watcher*> watch_interfaces(loop& l,
                                            const interface_watch_options& opts,
                                            std::unique_ptr<interface_watcher::observer> obs);

}  // namespace net
