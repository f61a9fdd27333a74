// netactors::line_sink: bounded line output that never holds its producers
// hostage. A --verbose server logging to a pipe nobody reads must not grow
// without limit, stall its loops or hang on exit; so lines go to a queue of
// at most `max_lines` lines and `max_bytes` bytes, one writer thread empties
// it, and what does not fit is dropped and counted, never waited for.
//
// Where lines went missing the output says so, with one JSON line in their
// place once writing resumes: {"event":"log_dropped","lines":N}. If it never
// resumes before close(), that same line goes to `report_fd` (stderr)
// instead, counting every line that was not written.
//
// The writer never blocks in write(): it writes through a descriptor of its
// own (pipes, FIFOs and character devices are reopened through
// /proc/self/fd with O_NONBLOCK, so the flags of the caller's descriptor stay
// as they are; sockets are written with MSG_DONTWAIT) and waits with poll().
// So close() always returns: after at most `close_timeout`, whatever the
// reader does. Regular files are written with plain writes (a disk does not
// wait for a reader). The writer thread blocks every signal, so a reader that
// went away is EPIPE (everything after it dropped and counted), not SIGPIPE.
//
// No CAF here (actors/log/line_sink_actor.hpp adapts it to a log actor).
// Thread safety: write_line(), counters() and close() are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace netactors {

class line_sink {
 public:
  struct options {
    /// At most this many lines wait to be written (4096)...
    size_t max_lines = 4096;
    /// ...and at most this many bytes of them (1 MiB, newlines included).
    size_t max_bytes = 1024 * 1024;
    /// close() gives the writer this long to write what waits (300 ms).
    std::chrono::milliseconds close_timeout{300};
    /// Where the count of lines never written goes at close (stderr).
    int report_fd = 2;
  };

  struct stats {
    uint64_t written = 0;  // lines written in full
    uint64_t dropped = 0;  // lines dropped, or not written by close()
    size_t queued_lines = 0;
    size_t queued_bytes = 0;
  };

  /// Writes lines to `fd`, which stays the caller's (the sink writes through
  /// a descriptor of its own, closed by close()).
  explicit line_sink(int fd);
  line_sink(int fd, options opts);
  ~line_sink();  // close()

  line_sink(const line_sink&) = delete;
  line_sink& operator=(const line_sink&) = delete;

  /// Queues `line` plus a newline, or drops it when the queue is full, the
  /// output failed or the sink is closed. Never waits for the writer.
  /// Returns whether the line was queued.
  bool write_line(std::string line);

  stats counters() const;

  /// Stops taking lines, lets the writer write what waits for at most
  /// close_timeout, ends it, and reports lines never written to report_fd.
  /// Idempotent; returns the count of lines never written.
  uint64_t close();

  /// The drop notice: {"event":"log_dropped","lines":N}.
  static std::string dropped_line(uint64_t lines);

  /// Writes `text` to `fd` if that is possible without waiting (a best
  /// effort for last words, e.g. on stderr); returns whether all of it went.
  static bool write_without_waiting(int fd, const std::string& text);

 private:
  struct entry {
    std::string text;        // the line and its newline
    uint64_t dropped_before; // lines dropped just before this one
  };

  void run();
  // Waits until the output may take bytes, close() wakes the writer, or
  // (once closing) the close deadline passes: then false.
  bool wait_writable();
  bool past_deadline();

  options opts_;
  int out_fd_ = -1;    // the sink's own descriptor
  int mode_ = 0;       // how it writes (see line_sink.cpp)
  int wake_fd_ = -1;   // eventfd: wakes the writer out of poll() at close

  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<entry> queue_;
  size_t held_lines_ = 0;   // queued plus the one being written
  size_t held_bytes_ = 0;
  uint64_t dropped_pending_ = 0;  // dropped after the last queued line
  uint64_t written_ = 0;
  uint64_t dropped_ = 0;
  uint64_t unreported_ = 0;  // dropped lines no notice in the output counts
  bool closing_ = false;
  bool failed_ = false;
  std::chrono::steady_clock::time_point close_deadline_;

  std::mutex close_mutex_;
  bool closed_ = false;
  uint64_t never_written_ = 0;
  std::thread writer_;
};

}  // namespace netactors
