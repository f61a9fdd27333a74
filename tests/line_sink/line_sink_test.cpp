// line_sink: every line in order while the reader keeps up; bounded in lines
// and bytes, counting what it drops, when nobody reads; the drop notice where
// lines went missing once output resumes; close() returning with a writer
// that cannot write, and reporting what was never written.
#include "actors/log/line_sink.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

using netactors::line_sink;

namespace {

// A pipe whose buffer is full: nothing written to it goes anywhere until the
// test reads (drain()). Its read end is non-blocking for drain().
struct stuck_pipe {
  int read_end = -1;
  int write_end = -1;
  size_t prefill = 0;

  stuck_pipe() {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    read_end = fds[0];
    write_end = fds[1];
    ::fcntl(write_end, F_SETPIPE_SZ, 4096);
    int flags = ::fcntl(write_end, F_GETFL);
    ::fcntl(write_end, F_SETFL, flags | O_NONBLOCK);
    std::string block(512, 'x');
    for (;;) {
      auto n = ::write(write_end, block.data(), block.size());
      if (n <= 0) break;
      prefill += static_cast<size_t>(n);
    }
    ::fcntl(write_end, F_SETFL, flags);  // the sink must not rely on it
  }
  ~stuck_pipe() {
    if (read_end >= 0) ::close(read_end);
    if (write_end >= 0) ::close(write_end);
  }

  // Reads the prefill away: the sink can write again.
  void drain() {
    std::string buf(prefill, '\0');
    size_t got = 0;
    while (got < prefill) {
      auto n = ::read(read_end, &buf[got], prefill - got);
      ASSERT_GT(n, 0);
      got += static_cast<size_t>(n);
    }
  }

  // Reads one line (blocking).
  std::string line() {
    std::string out;
    char c;
    while (::read(read_end, &c, 1) == 1 && c != '\n') out += c;
    return out;
  }

  // Reads to EOF (every write end closed).
  std::string rest() {
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(read_end, buf, sizeof buf)) > 0;)
      out.append(buf, static_cast<size_t>(n));
    return out;
  }
};

struct plain_pipe {
  int read_end = -1;
  int write_end = -1;
  plain_pipe() {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    read_end = fds[0];
    write_end = fds[1];
  }
  ~plain_pipe() {
    if (read_end >= 0) ::close(read_end);
    if (write_end >= 0) ::close(write_end);
  }
  void close_write() {
    ::close(write_end);
    write_end = -1;
  }
  std::string rest() {
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(read_end, buf, sizeof buf)) > 0;)
      out.append(buf, static_cast<size_t>(n));
    return out;
  }
};

line_sink::options small(size_t lines, plain_pipe& report) {
  line_sink::options o;
  o.max_lines = lines;
  o.close_timeout = std::chrono::milliseconds{50};
  o.report_fd = report.write_end;
  return o;
}

// Waits (for the writer, not for time) until nothing is held.
void wait_until_written(line_sink& sink) {
  while (sink.counters().queued_lines != 0) std::this_thread::yield();
}

}  // namespace

TEST(line_sink, writes_every_line_in_order_while_the_reader_keeps_up) {
  plain_pipe out;
  plain_pipe report;
  std::string got;
  std::thread reader{[&] { got = out.rest(); }};
  {
    line_sink sink{out.write_end, small(4096, report)};
    // A reader that keeps up sees everything, however fast lines come, as
    // long as the queue never holds more than its bound.
    for (int i = 0; i < 2000; ++i) {
      if (i % 500 == 0) wait_until_written(sink);
      EXPECT_TRUE(sink.write_line("line " + std::to_string(i)));
    }
    EXPECT_EQ(sink.close(), 0u);
    EXPECT_EQ(sink.counters().written, 2000u);
    EXPECT_EQ(sink.counters().dropped, 0u);
  }
  out.close_write();
  reader.join();
  std::string want;
  for (int i = 0; i < 2000; ++i) want += "line " + std::to_string(i) + "\n";
  EXPECT_EQ(got, want);
  report.close_write();
  EXPECT_EQ(report.rest(), "");  // nothing to report
}

TEST(line_sink, holds_at_most_max_lines_and_drops_the_rest_without_waiting) {
  stuck_pipe out;
  plain_pipe report;
  line_sink sink{out.write_end, small(10, report)};
  // Nobody reads: a blocking producer would hang here (and fail by timeout).
  int queued = 0;
  for (int i = 0; i < 100000; ++i)
    if (sink.write_line("event " + std::to_string(i))) ++queued;
  EXPECT_EQ(queued, 10);
  auto c = sink.counters();
  EXPECT_EQ(c.queued_lines, 10u);
  EXPECT_EQ(c.dropped, 99990u);
  EXPECT_EQ(c.written, 0u);
}

TEST(line_sink, holds_at_most_max_bytes) {
  stuck_pipe out;
  plain_pipe report;
  auto o = small(1000, report);
  o.max_bytes = 100;
  line_sink sink{out.write_end, o};
  std::string line(29, 'b');  // 30 bytes with its newline
  int queued = 0;
  for (int i = 0; i < 50; ++i)
    if (sink.write_line(line)) ++queued;
  EXPECT_EQ(queued, 3);
  EXPECT_EQ(sink.counters().queued_bytes, 90u);
  EXPECT_FALSE(sink.write_line(std::string(200, 'c')));  // never fits
  EXPECT_EQ(sink.counters().dropped, 48u);
}

TEST(line_sink, says_how_many_lines_went_missing_where_they_went_missing) {
  stuck_pipe out;
  plain_pipe report;
  line_sink sink{out.write_end, small(3, report)};
  for (auto l : {"a", "b", "c", "d", "e"}) sink.write_line(l);
  out.drain();  // output resumes
  EXPECT_EQ(out.line(), "a");
  EXPECT_EQ(out.line(), "b");
  EXPECT_EQ(out.line(), "c");
  wait_until_written(sink);
  EXPECT_TRUE(sink.write_line("f"));
  EXPECT_EQ(out.line(), R"({"event":"log_dropped","lines":2})");
  EXPECT_EQ(out.line(), "f");
  EXPECT_EQ(sink.close(), 0u);
  EXPECT_EQ(sink.counters().dropped, 2u);
  EXPECT_EQ(sink.counters().written, 4u);
}

TEST(line_sink, drops_after_the_last_line_are_the_last_line_at_close) {
  stuck_pipe out;
  plain_pipe report;
  line_sink sink{out.write_end, small(1, report)};
  for (auto l : {"a", "b", "c"}) sink.write_line(l);
  std::string got;
  std::thread reader{[&] {
    out.drain();
    got = out.rest();
  }};
  wait_until_written(sink);
  EXPECT_EQ(sink.close(), 0u);
  ::close(out.write_end);
  out.write_end = -1;
  reader.join();
  EXPECT_EQ(got, "a\n{\"event\":\"log_dropped\",\"lines\":2}\n");
}

TEST(line_sink, close_returns_with_a_writer_that_cannot_write_and_reports_on_stderr) {
  stuck_pipe out;
  plain_pipe report;
  line_sink sink{out.write_end, small(10, report)};
  for (int i = 0; i < 1000; ++i) sink.write_line(std::string(100, 'z'));
  // The writer waits for a reader that never comes: close() gives up after
  // close_timeout and counts every line that never went out.
  EXPECT_EQ(sink.close(), 1000u);
  EXPECT_EQ(sink.counters().dropped, 1000u);
  EXPECT_EQ(sink.counters().queued_lines, 0u);
  EXPECT_FALSE(sink.write_line("after close"));
  EXPECT_EQ(sink.close(), 1000u);  // idempotent
  report.close_write();
  EXPECT_EQ(report.rest(), "{\"event\":\"log_dropped\",\"lines\":1000}\n");
}

TEST(line_sink, a_reader_that_went_away_is_counted_not_a_sigpipe) {
  plain_pipe out;
  plain_pipe report;
  ::close(out.read_end);
  out.read_end = -1;
  line_sink sink{out.write_end, small(10, report)};
  for (int i = 0; i < 100; ++i) sink.write_line("to nobody");
  EXPECT_EQ(sink.close(), 100u);
  report.close_write();
  EXPECT_EQ(report.rest(), "{\"event\":\"log_dropped\",\"lines\":100}\n");
}

TEST(line_sink, a_stuck_socket_does_not_hold_close_either) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  plain_pipe report;
  {
    line_sink sink{fds[0], small(100, report)};
    // Far more than the socket buffers take; nobody reads fds[1].
    for (int i = 0; i < 100; ++i) sink.write_line(std::string(64 * 1024, 's'));
    EXPECT_GT(sink.close(), 0u);
  }
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(line_sink, writes_to_a_regular_file) {
  char path[] = "/tmp/line_sink_testXXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  plain_pipe report;
  {
    line_sink sink{fd, small(10, report)};
    sink.write_line("one");
    sink.write_line("two");
    EXPECT_EQ(sink.close(), 0u);
  }
  std::string got(64, '\0');
  auto n = ::pread(fd, &got[0], got.size(), 0);
  got.resize(n > 0 ? static_cast<size_t>(n) : 0);
  EXPECT_EQ(got, "one\ntwo\n");
  ::close(fd);
  ::unlink(path);
}
