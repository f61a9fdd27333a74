#include "net/interfaces/interface_watcher.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#ifdef __linux__
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#endif

namespace net {

namespace {
// Snapshots per rescan while changes keep coming.
constexpr int max_snapshot_attempts = 4;
// Rescans in a row that may wait for calmer times before one reports
// anyway.
constexpr int max_unsettled_in_a_row = 16;
}  // namespace

interface_watcher::interface_watcher(loop& l, std::unique_ptr<observer> obs)
    : handle_base(l), observer_(std::move(obs)) {}

result<void> interface_watcher::take_baseline() {
  // An unsettled baseline is still the best there is; the next notification
  // or tick corrects it.
  bool settled = true;
  auto now = read_snapshot(settled);
  if (!now) return now.error();
  current_ = std::move(*now);
  return {};
}

void interface_watcher::report(const uv_error& error) {
  if (observer_) observer_->on_watch_error(error);
}

void interface_watcher::rescan() {
  if (is_closing()) return;
  bool settled = true;
  auto now = read_snapshot(settled);
  if (!now) {
    report(now.error());
    return;
  }
  if (!settled && ++unsettled_in_a_row_ < max_unsettled_in_a_row) return;
  unsettled_in_a_row_ = 0;
  auto changes = diff_interfaces(current_, *now);
  if (changes.empty()) return;
  current_ = std::move(*now);
  if (observer_) observer_->on_interfaces_changed(current_, changes);
}

void interface_watcher::fail(const uv_error& reason) {
  if (is_closing()) return;
  failure_ = reason;
  close();
}

void interface_watcher::on_close() {
  if (observer_) observer_->on_closing(failure_);
}

const char* to_string(interface_watcher::method m) noexcept {
  return m == interface_watcher::method::netlink ? "netlink" : "polling";
}

// -- netlink -----------------------------------------------------------------

result<int> netlink_watcher::open_socket(int receive_buffer) {
#ifdef __linux__
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    NETLINK_ROUTE);
  if (fd < 0)
    return uv_error{uv_translate_sys_error(errno), "netlink socket"};
  sockaddr_nl local;
  std::memset(&local, 0, sizeof(local));
  local.nl_family = AF_NETLINK;
  local.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
  if (receive_buffer > 0 &&
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer,
                   sizeof(receive_buffer)) < 0) {
    int err = errno;
    ::close(fd);
    return uv_error{uv_translate_sys_error(err), "netlink SO_RCVBUF"};
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) < 0) {
    int err = errno;
    ::close(fd);
    return uv_error{uv_translate_sys_error(err), "netlink bind"};
  }
  return fd;
#else
  return uv_error{UV_ENOSYS, "netlink"};
#endif
}

netlink_watcher::netlink_watcher(loop& l, int fd, std::unique_ptr<observer> obs)
    : interface_watcher(l, std::move(obs)), fd_(fd) {}

netlink_watcher::~netlink_watcher() {
  // Runs in the close callback (or after a failed init): libuv no longer
  // watches the descriptor, so it may be closed now and not before.
  ::close(fd_);
}

result<netlink_watcher*> netlink_watcher::create(loop& l, int fd,
                                                 std::unique_ptr<observer> obs) {
  auto* self = new netlink_watcher(l, fd, std::move(obs));
  if (int rc = uv_poll_init(l.raw(), &self->poll_, fd); rc < 0) {
    discard(self);
    return uv_error{rc, "uv_poll_init (netlink)"};
  }
  self->poll_.data = static_cast<handle_base*>(self);
  // The socket is already subscribed: whatever changes from now on is either
  // in the baseline or queued on the socket.
  auto baseline = self->take_baseline();
  int rc = baseline ? uv_poll_start(&self->poll_, UV_READABLE,
                                    &netlink_watcher::on_readable)
                    : 0;
  if (!baseline || rc < 0) {
    self->forget_observer();
    self->close();
    if (!baseline) return baseline.error();
    return uv_error{rc, "uv_poll_start (netlink)"};
  }
  return self;
}

void netlink_watcher::on_readable(uv_poll_t* h, int status, int) {
  auto* self =
      static_cast<netlink_watcher*>(static_cast<handle_base*>(h->data));
  if (status < 0) {
    self->recover(status);
    return;
  }
  // Read everything queued, then re-snapshot once: a link going down comes
  // as several notifications (the link, then each address it loses).
  if (self->drain()) self->rescan();
}

void netlink_watcher::recover(int status) {
#ifdef __linux__
  // libuv reports POLLERR as UV_EBADF and stops polling. On a netlink socket
  // that is how an overflow shows: the kernel dropped notifications and set
  // the socket's error to ENOBUFS. Reading SO_ERROR clears it; then the
  // socket works again and a fresh snapshot stands in for what was lost.
  int err = 0;
  socklen_t len = sizeof(err);
  if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
  if (err == ENOBUFS) {
    ++resyncs_;
    if (int rc = uv_poll_start(&poll_, UV_READABLE, &netlink_watcher::on_readable);
        rc < 0) {
      fail(uv_error{rc, "uv_poll_start (netlink)"});
      return;
    }
    drain();
    rescan();
    return;
  }
  if (err != 0) {
    fail(uv_error{uv_translate_sys_error(err), "netlink socket"});
    return;
  }
#endif
  // Nothing says why: the descriptor itself is broken.
  fail(uv_error{status, "netlink poll"});
}

result<interface_snapshot> netlink_watcher::read_snapshot(bool& settled) {
  for (int attempt = 1;; ++attempt) {
    auto now = snapshot_interfaces();
    if (!now) return now;
    // Every change announces itself on this socket, subscribed before the
    // first snapshot: if nothing arrived while this one was read, the dumps
    // saw one consistent state.
    if (!pending()) return now;
    if (attempt == max_snapshot_attempts) {
      // Leave the notifications queued: the poll handle fires again on the
      // next loop iteration, after other handles had their turn.
      settled = false;
      return now;
    }
    drain();
  }
}

bool netlink_watcher::pending() {
#ifdef __linux__
  char byte;
  for (;;) {
    ssize_t n = ::recv(fd_, &byte, sizeof(byte), MSG_PEEK | MSG_DONTWAIT);
    if (n >= 0) return true;
    if (errno == EINTR) continue;
    // ENOBUFS: notifications were dropped; a fresh snapshot is the remedy.
    return errno == ENOBUFS;
  }
#else
  return false;
#endif
}

bool netlink_watcher::drain() {
#ifdef __linux__
  alignas(nlmsghdr) char buf[16384];
  bool relevant = false;
  for (;;) {
    sockaddr_nl from;
    std::memset(&from, 0, sizeof(from));
    iovec iov{buf, sizeof(buf)};
    msghdr msg;
    std::memset(&msg, 0, sizeof(msg));
    msg.msg_name = &from;
    msg.msg_namelen = sizeof(from);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    ssize_t n = ::recvmsg(fd_, &msg, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == ENOBUFS) {
        // The kernel dropped notifications (our queue overflowed): the
        // snapshot below catches up with whatever they said.
        relevant = true;
        continue;
      }
      // Any other error is not expected on a netlink socket; say so and let
      // the next readable event try again.
      report(uv_error{uv_translate_sys_error(errno), "netlink recvmsg"});
      break;
    }
    // Only the kernel speaks for the routing tables.
    if (from.nl_pid != 0) continue;
    if ((msg.msg_flags & MSG_TRUNC) != 0) relevant = true;
    auto len = static_cast<unsigned>(n);
    for (auto* nh = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(nh, len);
         nh = NLMSG_NEXT(nh, len)) {
      switch (nh->nlmsg_type) {
        case RTM_NEWLINK:
        case RTM_DELLINK:
        case RTM_NEWADDR:
        case RTM_DELADDR:
          relevant = true;
          break;
        default:
          break;
      }
    }
  }
  return relevant;
#else
  return false;
#endif
}

// -- polling -----------------------------------------------------------------

interface_poller::interface_poller(loop& l, std::unique_ptr<observer> obs)
    : interface_watcher(l, std::move(obs)) {}

result<interface_snapshot> interface_poller::read_snapshot(bool& settled) {
  // Without notifications, agreement of two reads in a row is the sign
  // that no change tore them; failing that, the next tick tries again.
  auto previous = snapshot_interfaces();
  for (int attempt = 2; previous; ++attempt) {
    auto now = snapshot_interfaces();
    if (!now || *now == *previous) return now;
    if (attempt == max_snapshot_attempts) {
      settled = false;
      return now;
    }
    previous = std::move(now);
  }
  return previous;
}

result<interface_poller*> interface_poller::create(
    loop& l, uint64_t interval_ms, std::unique_ptr<observer> obs) {
  if (interval_ms == 0) interval_ms = 1;
  auto* self = new interface_poller(l, std::move(obs));
  if (int rc = uv_timer_init(l.raw(), &self->timer_); rc < 0) {
    discard(self);
    return uv_error{rc, "uv_timer_init"};
  }
  self->timer_.data = static_cast<handle_base*>(self);
  auto baseline = self->take_baseline();
  if (!baseline) {
    self->forget_observer();
    self->close();
    return baseline.error();
  }
  uv_timer_start(
      &self->timer_,
      [](uv_timer_t* t) {
        static_cast<interface_poller*>(static_cast<handle_base*>(t->data))
            ->rescan();
      },
      interval_ms, interval_ms);
  return self;
}

result<interface_watcher*> watch_interfaces(
    loop& l, const interface_watch_options& opts,
    std::unique_ptr<interface_watcher::observer> obs) {
  using method = interface_watch_options::method;
  if (opts.use != method::polling) {
    auto fd = netlink_watcher::open_socket(opts.netlink_receive_buffer);
    if (fd) {
      auto w = netlink_watcher::create(l, *fd, std::move(obs));
      if (!w) return w.error();
      return static_cast<interface_watcher*>(*w);
    }
    if (opts.use == method::netlink) return fd.error();
  }
  auto p = interface_poller::create(l, opts.poll_interval_ms, std::move(obs));
  if (!p) return p.error();
  return static_cast<interface_watcher*>(*p);
}

}  // namespace net
