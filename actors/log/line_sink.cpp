#include "actors/log/line_sink.hpp"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace netactors {

namespace {

// How the sink's own descriptor is written.
enum mode : int {
  broken,       // no descriptor: everything is dropped and counted
  nonblocking,  // our own O_NONBLOCK open file description
  socket_send,  // a dup of a socket, written with MSG_DONTWAIT
  plain,        // a dup of a regular file: writes do not wait for a reader
  small_chunks, // a blocking dup (reopen failed): poll, then <= PIPE_BUF
};

// A descriptor of our own for `fd`, in the mode that lets us write without
// blocking. Pipes and devices are reopened (not dup'ed: O_NONBLOCK on a dup
// would change the caller's descriptor too).
int open_own(int fd, int* how) {
  struct stat st;
  *how = broken;
  if (::fstat(fd, &st) != 0) return -1;
  if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
    auto path = "/proc/self/fd/" + std::to_string(fd);
    int own = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (own >= 0) {
      *how = nonblocking;
      return own;
    }
  }
  int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (own < 0) return -1;
  if (S_ISSOCK(st.st_mode))
    *how = socket_send;
  else if (S_ISREG(st.st_mode))
    *how = plain;
  else
    *how = small_chunks;
  return own;
}

// Bytes written, 0 when the descriptor would block, -1 on a hard error.
long write_own(int fd, int how, const char* data, size_t size) {
  for (;;) {
    ssize_t n = -1;
    switch (how) {
      case nonblocking:
      case plain:
        n = ::write(fd, data, size);
        break;
      case socket_send:
        n = ::send(fd, data, size, MSG_DONTWAIT | MSG_NOSIGNAL);
        break;
      case small_chunks: {
        // After POLLOUT a pipe has room for PIPE_BUF bytes at least.
        pollfd p{fd, POLLOUT, 0};
        if (::poll(&p, 1, 0) <= 0) return 0;
        if ((p.revents & POLLOUT) == 0 && (p.revents & (POLLERR | POLLHUP)) == 0)
          return 0;
        n = ::write(fd, data, size < PIPE_BUF ? size : PIPE_BUF);
        break;
      }
      default:
        return -1;
    }
    if (n >= 0) return static_cast<long>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return -1;
  }
}

}  // namespace

line_sink::line_sink(int fd) : line_sink(fd, options{}) {}

line_sink::line_sink(int fd, options opts) : opts_(opts) {
  out_fd_ = open_own(fd, &mode_);
  failed_ = out_fd_ < 0;
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (!failed_) writer_ = std::thread{[this] { run(); }};
}

line_sink::~line_sink() {
  close();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

std::string line_sink::dropped_line(uint64_t lines) {
  return "{\"event\":\"log_dropped\",\"lines\":" + std::to_string(lines) + "}\n";
}

bool line_sink::write_line(std::string line) {
  line += '\n';
  std::lock_guard<std::mutex> lock(mutex_);
  if (closing_ || failed_ || held_lines_ >= opts_.max_lines ||
      held_bytes_ + line.size() > opts_.max_bytes) {
    ++dropped_;
    ++unreported_;
    ++dropped_pending_;
    return false;
  }
  held_bytes_ += line.size();
  ++held_lines_;
  queue_.push_back(entry{std::move(line), dropped_pending_});
  dropped_pending_ = 0;
  ready_.notify_one();
  return true;
}

line_sink::stats line_sink::counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats{written_, dropped_, held_lines_, held_bytes_};
}

bool line_sink::wait_writable() {
  pollfd fds[2] = {{out_fd_, POLLOUT, 0}, {wake_fd_, POLLIN, 0}};
  int timeout = -1;
  nfds_t count = 2;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closing_) {
      // The wake-up has done its job; from now on the deadline rules.
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          close_deadline_ - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      timeout = static_cast<int>(left.count()) + 1;
      count = 1;
    }
  }
  int n = ::poll(fds, count, timeout);
  return n >= 0 || errno == EINTR;
}

bool line_sink::past_deadline() {
  std::lock_guard<std::mutex> lock(mutex_);
  return closing_ && std::chrono::steady_clock::now() >= close_deadline_;
}

void line_sink::run() {
  // Signals belong to the application's threads; a reader that went away
  // makes write() fail with EPIPE here instead of raising SIGPIPE.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  std::string current;  // the notice (if any) and the line being written
  size_t offset = 0;
  size_t notice_size = 0;
  uint64_t notice_lines = 0;
  size_t line_size = 0;  // 0: current is a notice alone
  for (;;) {
    if (offset == current.size()) {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [this] { return !queue_.empty() || closing_; });
      if (!queue_.empty()) {
        auto& front = queue_.front();
        notice_lines = front.dropped_before;
        current = notice_lines != 0 ? dropped_line(notice_lines) : std::string{};
        notice_size = current.size();
        line_size = front.text.size();
        current += front.text;
        queue_.pop_front();
      } else if (dropped_pending_ != 0) {
        // Closing with drops after the last line: say so last.
        notice_lines = dropped_pending_;
        dropped_pending_ = 0;
        current = dropped_line(notice_lines);
        notice_size = current.size();
        line_size = 0;
      } else {
        return;  // closing, and everything is written
      }
      offset = 0;
    }
    if (past_deadline()) return;
    long n = write_own(out_fd_, mode_, current.data() + offset,
                       current.size() - offset);
    if (n < 0) {
      std::lock_guard<std::mutex> lock(mutex_);
      failed_ = true;  // from now on every line is dropped and counted
      return;
    }
    if (n == 0) {
      if (!wait_writable()) return;
      continue;
    }
    offset += static_cast<size_t>(n);
    std::lock_guard<std::mutex> lock(mutex_);
    if (notice_lines != 0 && offset >= notice_size) {
      unreported_ -= notice_lines;
      notice_lines = 0;
    }
    if (offset == current.size() && line_size != 0) {
      --held_lines_;
      held_bytes_ -= line_size;
      ++written_;
      line_size = 0;
    }
  }
}

uint64_t line_sink::close() {
  std::lock_guard<std::mutex> closing(close_mutex_);
  if (closed_) return never_written_;
  closed_ = true;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
    close_deadline_ = std::chrono::steady_clock::now() + opts_.close_timeout;
    ready_.notify_one();
  }
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
  }
  if (writer_.joinable()) writer_.join();
  if (out_fd_ >= 0) ::close(out_fd_);
  out_fd_ = -1;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Lines still held were never written in full.
    dropped_ += held_lines_;
    never_written_ = unreported_ + held_lines_;
    unreported_ = 0;
    queue_.clear();
    held_lines_ = 0;
    held_bytes_ = 0;
  }
  if (never_written_ != 0)
    write_without_waiting(opts_.report_fd, dropped_line(never_written_));
  return never_written_;
}

bool line_sink::write_without_waiting(int fd, const std::string& text) {
  int how = broken;
  int own = open_own(fd, &how);
  if (own < 0) return false;
  size_t done = 0;
  while (done < text.size()) {
    long n = write_own(own, how, text.data() + done, text.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(own);
  return done == text.size();
}

}  // namespace netactors
