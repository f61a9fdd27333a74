// loadgen: an echo load generator for tools/bench.sh. One thread, one
// level-triggered epoll loop, non-blocking sockets, no libuv: it should cost
// the machine far less than the server it measures. Every echoed byte is
// compared with what was sent. Prints one JSON object on stdout; exits 1 on
// any error or mismatch, 2 on bad usage. See tools/bench_README.md.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "tools/hostport.hpp"
#include "tools/loadgen_histogram.hpp"

namespace loadgen {
namespace {

enum class mode {
  pingpong,
  pipeline,
  bulk,
  connect_storm,
  idle,
  never_read,
  churn
};

const char* mode_name(mode m) {
  switch (m) {
    case mode::pingpong:
      return "pingpong";
    case mode::pipeline:
      return "pipeline";
    case mode::bulk:
      return "bulk";
    case mode::connect_storm:
      return "connect_storm";
    case mode::idle:
      return "idle";
    case mode::never_read:
      return "never_read";
    case mode::churn:
      return "churn";
  }
  return "?";
}

struct options {
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  std::string target;
  mode m = mode::pingpong;
  int connections = 1;
  uint32_t size = 64;
  uint32_t depth = 16;
  uint64_t window = 1 << 20;
  double duration = 5;
  double warmup = 1;
  uint64_t max_messages = 0;
  int server_pid = 0;
  double interval_ms = 10;         // never_read: one message per interval
  uint64_t total_connections = 0;  // churn: batches until this many opened
  long rss_cap_kib = 0;            // kill --server-pid above this RSS
};

// At most this many connections are connecting or waiting for their first
// echo at once: a server's accept backlog (the libuv book uses 128) never
// overflows, so SYN retries never show up as latency.
constexpr int max_opening = 64;
constexpr size_t read_buffer_size = 256 * 1024;
constexpr int max_iov = 64;
constexpr double connect_phase_limit_s = 30;
constexpr double drain_limit_s = 5;
constexpr uint64_t rss_sample_ns = 5000000;

uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u +
         static_cast<uint64_t>(ts.tv_nsec);
}

uint64_t seconds_to_ns(double s) { return static_cast<uint64_t>(s * 1e9); }

// This process's own CPU time in microseconds: shows whether loadgen, rather
// than the server, was the bottleneck.
double self_cpu_us() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  auto us = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) * 1e6 +
           static_cast<double>(tv.tv_usec);
  };
  return us(ru.ru_utime) + us(ru.ru_stime);
}

const char* errno_name(int err) {
  if (err == 0) return "EOF";
  const char* name = strerrorname_np(err);
  return name ? name : "E?";
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15u;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
  return x ^ (x >> 31);
}

// utime + stime of every thread of pid, in microseconds; -1 if unreadable.
double process_cpu_us(int pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE* f = fopen(path, "r");
  if (!f) return -1;
  char buf[1024];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  // The command name may contain spaces and parentheses; fields resume after
  // the last ')'. utime and stime are fields 14 and 15.
  const char* p = strrchr(buf, ')');
  if (!p) return -1;
  unsigned long long utime = 0, stime = 0;
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
             &utime, &stime) != 2)
    return -1;
  return static_cast<double>(utime + stime) * 1e6 /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

// VmRSS of pid in KiB; -1 if unreadable.
long process_rss_kib(int pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  FILE* f = fopen(path, "r");
  if (!f) return -1;
  char line[256];
  long kib = -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
  fclose(f);
  return kib;
}

[[noreturn]] void usage(const char* why) {
  fprintf(stderr,
          "loadgen: %s\n"
          "usage: loadgen --connect HOST:PORT\n"
          "  [--mode pingpong|pipeline|bulk|connect_storm|idle|never_read|"
          "churn]\n"
          "  [--connections N] [--size BYTES=64] [--depth D=16 (pipeline)]\n"
          "  [--window BYTES=1048576 (bulk; 0: unbounded)] [--duration S=5]\n"
          "  [--warmup S=1] [--max-messages N] [--interval-ms MS=10 "
          "(never_read)]\n"
          "  [--total-connections N (churn)] [--server-pid PID "
          "[--rss-cap-kib KIB]]\n",
          why);
  exit(2);
}

options parse_options(int argc, char** argv) {
  options opt;
  bool have_target = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) usage(("missing value for " + arg).c_str());
    std::string val = argv[++i];
    char* end = nullptr;
    auto number = [&] {
      double d = strtod(val.c_str(), &end);
      if (val.empty() || *end != '\0' || d < 0)
        usage(("bad value for " + arg).c_str());
      return d;
    };
    if (arg == "--connect") {
      std::string host;
      if (!tools::parse_hostport(val, 1, &opt.addr, &opt.addr_len, &host))
        usage("bad --connect, want HOST:PORT");
      opt.target = val;
      have_target = true;
    } else if (arg == "--mode") {
      if (val == "pingpong")
        opt.m = mode::pingpong;
      else if (val == "pipeline")
        opt.m = mode::pipeline;
      else if (val == "bulk")
        opt.m = mode::bulk;
      else if (val == "connect_storm")
        opt.m = mode::connect_storm;
      else if (val == "idle")
        opt.m = mode::idle;
      else if (val == "never_read")
        opt.m = mode::never_read;
      else if (val == "churn")
        opt.m = mode::churn;
      else
        usage("bad --mode");
    } else if (arg == "--connections") {
      opt.connections = static_cast<int>(number());
    } else if (arg == "--size") {
      opt.size = static_cast<uint32_t>(number());
    } else if (arg == "--depth") {
      opt.depth = static_cast<uint32_t>(number());
    } else if (arg == "--window") {
      opt.window = static_cast<uint64_t>(number());
    } else if (arg == "--duration") {
      opt.duration = number();
    } else if (arg == "--warmup") {
      opt.warmup = number();
    } else if (arg == "--max-messages") {
      opt.max_messages = static_cast<uint64_t>(number());
    } else if (arg == "--server-pid") {
      opt.server_pid = static_cast<int>(number());
    } else if (arg == "--interval-ms") {
      opt.interval_ms = number();
    } else if (arg == "--total-connections") {
      opt.total_connections = static_cast<uint64_t>(number());
    } else if (arg == "--rss-cap-kib") {
      opt.rss_cap_kib = static_cast<long>(number());
    } else {
      usage(("unknown flag " + arg).c_str());
    }
  }
  if (!have_target) usage("--connect is required");
  if (opt.connections < 1) usage("--connections must be >= 1");
  if (opt.size < 1 || opt.size > (64u << 20)) usage("--size out of range");
  if (opt.depth < 1) usage("--depth must be >= 1");
  if (opt.window == 0 && opt.m != mode::bulk)
    usage("--window 0 is for --mode bulk");
  if (opt.interval_ms <= 0) usage("--interval-ms must be > 0");
  if (opt.rss_cap_kib && !opt.server_pid)
    usage("--rss-cap-kib needs --server-pid");
  if (opt.m == mode::churn &&
      opt.total_connections < static_cast<uint64_t>(opt.connections))
    usage("--total-connections must be >= --connections (churn)");
  return opt;
}

struct conn {
  int fd = -1;
  enum { closed, connecting, open } state = closed;
  bool want_out = false;
  bool reading = true;      // never_read stops after its first echo
  bool ready = false;       // its first echo has come back
  uint64_t id = 0;          // selects the payload pattern
  uint64_t next_send = 0;   // message being (or next to be) written
  uint32_t send_pos = 0;    // bytes of next_send already written
  uint64_t recv_seq = 0;    // message whose echo is expected next
  uint32_t recv_pos = 0;    // bytes of recv_seq already verified
  uint64_t send_limit = 0;  // messages this connection may start
  uint64_t opened_at = 0;
  std::vector<uint64_t> sent_at;  // ring indexed by sequence % depth
};

// Connection phases of a run:
//   opening -> warmup -> measuring -> draining -> done   (traffic modes)
//   opening -> warmup -> measuring -> done               (connect_storm,
//                                     never_read, bulk with --window 0)
//   opening -> holding -> final_check -> done            (idle)
//   opening -> opening -> ... -> done                    (churn: a batch each)

enum class phase {
  opening,
  warmup,
  measuring,
  draining,
  holding,
  final_check,
  done
};

class generator {
 public:
  explicit generator(const options& opt) : opt_(opt) {
    switch (opt_.m) {
      case mode::pingpong:
        depth_ = 1;
        break;
      case mode::pipeline:
        depth_ = opt_.depth;
        break;
      case mode::bulk:
        // --window 0 streams as fast as the sockets take it: no window, so
        // no round-trip times either.
        depth_ = opt_.window == 0 ? 0
                                  : static_cast<uint32_t>(std::max<uint64_t>(
                                        1, opt_.window / opt_.size));
        break;
      case mode::connect_storm:
      case mode::idle:
      case mode::churn:
        depth_ = 1;
        break;
      case mode::never_read:
        depth_ = 0;  // paced instead, see pace()
        break;
    }
    // Random bytes; message (id, seq) is the slice starting at a hashed
    // offset, so a misordered, duplicated or foreign message fails memcmp.
    pattern_len_ = 1 << 20;
    pattern_.resize(pattern_len_ + opt_.size);
    uint64_t x = 42;
    for (auto& b : pattern_) b = static_cast<char>(splitmix64(x++) >> 56);
    rbuf_.resize(read_buffer_size);
    conns_.resize(static_cast<size_t>(opt_.connections));
    for (auto& c : conns_) c.sent_at.resize(depth_);
  }

  int run();

 private:
  const char* payload(uint64_t id, uint64_t seq) const {
    return pattern_.data() +
           splitmix64(id * 0x100000001b3u ^ seq) % pattern_len_;
  }

  bool traffic_mode() const {
    return opt_.m == mode::pingpong || opt_.m == mode::pipeline ||
           opt_.m == mode::bulk;
  }

  // Modes whose latency is the whole connection's life, from connect().
  bool per_connection_mode() const {
    return opt_.m == mode::connect_storm || opt_.m == mode::churn;
  }

  // Whether connection c may start message seq now.
  bool may_start(const conn& c, uint64_t seq) const {
    if (depth_ && seq - c.recv_seq >= depth_) return false;
    if (seq >= c.send_limit) return false;
    return phase_ == phase::opening || phase_ == phase::warmup ||
           phase_ == phase::measuring || phase_ == phase::final_check;
  }

  void error(const char* what, int err) {
    ++errors_;
    std::string key = std::string(what) + ": " + errno_name(err);
    if (first_error_.empty()) first_error_ = key;
    if (++error_kinds_[key] == 1)
      fprintf(stderr, "loadgen: %s %s: %s (%s)\n", what, opt_.target.c_str(),
              errno_name(err), err ? strerror(err) : "connection closed");
  }

  void open_conn(conn& c);
  void close_conn(conn& c);
  void fail_conn(conn& c, const char* what, int err);
  void set_interest(conn& c, bool out);
  void set_out(conn& c, bool on);
  void on_event(conn& c, uint32_t events);
  void on_connected(conn& c);
  void on_readable(conn& c);
  void verify(conn& c, const char* p, size_t n);
  void on_complete(conn& c);
  void try_send(conn& c);
  void advance_phase(uint64_t now);
  void open_more();
  void pace(uint64_t now);
  void next_batch(uint64_t now);
  void sample_rss(uint64_t now);
  void report();

  options opt_;
  uint32_t depth_ = 1;
  size_t pattern_len_ = 0;
  std::vector<char> pattern_;
  std::vector<char> rbuf_;
  std::vector<conn> conns_;
  int ep_ = -1;

  phase phase_ = phase::opening;
  bool stop_ = false;
  uint64_t next_id_ = 0;
  size_t next_to_open_ = 0;  // opening phase: conns_ index
  int opening_ = 0;          // connecting or awaiting their first echo
  size_t ready_ = 0;
  uint64_t in_flight_ = 0;  // messages started and not fully echoed
  int open_conns_ = 0;
  bool ever_connected_ = false;

  uint64_t t_start_ = 0, t_phase_ = 0, t_m0_ = 0, t_m1_ = 0;
  double cpu0_ = -1, cpu1_ = -1;
  double self0_ = 0, self1_ = 0;
  long rss_before_ = -1, rss_holding_ = -1;
  uint64_t held_ns_ = 0;
  // --server-pid: RSS sampled every rss_sample_ns while the run lasts.
  long rss_start_ = -1, rss_peak_ = -1, rss_end_ = -1;
  uint64_t t_rss_ = 0;
  bool over_cap_ = false;
  uint64_t over_cap_after_ns_ = 0;
  std::vector<long> batch_rss_;  // churn: RSS while each batch is held
  uint64_t opened_ = 0;          // churn: connections opened so far
  uint64_t bytes_sent_ = 0;

  histogram hist_;
  uint64_t messages_ = 0, bytes_ = 0, total_messages_ = 0;
  uint64_t errors_ = 0, mismatches_ = 0;
  std::string first_error_;
  std::map<std::string, int> error_kinds_;
};

void generator::set_interest(conn& c, bool out) {
  c.want_out = out;
  epoll_event ev{};
  ev.events = (c.reading ? EPOLLIN : 0u) | (out ? EPOLLOUT : 0u);
  ev.data.u64 = static_cast<uint64_t>(&c - conns_.data());
  epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
}

void generator::set_out(conn& c, bool on) {
  if (c.want_out != on) set_interest(c, on);
}

void generator::open_conn(conn& c) {
  c.id = next_id_++;
  c.next_send = c.recv_seq = 0;
  c.send_pos = c.recv_pos = 0;
  c.ready = false;
  c.reading = true;
  // Only the first message until every connection is ready (see
  // advance_phase): early connections must not flood the server while later
  // ones still wait for their first echo.
  c.send_limit = 1;
  c.opened_at = now_ns();
  ++opening_;
  c.fd = socket(opt_.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                0);
  if (c.fd < 0) {
    --opening_;
    error("socket", errno);
    stop_ = true;  // EMFILE and friends will not get better by retrying
    return;
  }
  // The client is the instrument: it must send each message at once.
  int one = 1;
  setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ++open_conns_;
  c.state = conn::connecting;
  c.want_out = true;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.u64 = static_cast<uint64_t>(&c - conns_.data());
  epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
  if (connect(c.fd, reinterpret_cast<const sockaddr*>(&opt_.addr),
              opt_.addr_len) < 0 &&
      errno != EINPROGRESS)
    fail_conn(c, "connect", errno);
}

void generator::close_conn(conn& c) {
  if (c.state == conn::closed) return;
  if (!c.ready) --opening_;
  // Messages it still owed are gone with it.
  in_flight_ -= c.next_send + (c.send_pos > 0 ? 1 : 0) - c.recv_seq;
  close(c.fd);  // also removes it from the epoll set
  c.fd = -1;
  c.state = conn::closed;
  c.want_out = false;
  --open_conns_;
}

void generator::fail_conn(conn& c, const char* what, int err) {
  bool was_connecting = c.state == conn::connecting;
  error(what, err);
  close_conn(c);
  // Nothing ever answered: the target is wrong or down; retrying only spins.
  if (was_connecting && !ever_connected_) stop_ = true;
  if (opt_.m == mode::connect_storm &&
      (phase_ == phase::warmup || phase_ == phase::measuring) && !stop_)
    open_conn(c);
}

void generator::on_event(conn& c, uint32_t events) {
  if (c.state == conn::connecting) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return fail_conn(c, "connect", err);
    if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_connected(c);
    return;
  }
  if (c.state != conn::open) return;
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c);
  if (c.state == conn::open && (events & EPOLLOUT)) try_send(c);
}

void generator::on_connected(conn& c) {
  ever_connected_ = true;
  c.state = conn::open;
  set_out(c, false);
  try_send(c);
}

void generator::on_readable(conn& c) {
  ssize_t n = read(c.fd, rbuf_.data(), rbuf_.size());
  if (n > 0) {
    verify(c, rbuf_.data(), static_cast<size_t>(n));
    if (c.state == conn::open) try_send(c);
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  fail_conn(c, "read", n == 0 ? 0 : errno);
}

void generator::verify(conn& c, const char* p, size_t n) {
  while (n > 0 && c.state == conn::open) {
    // Only bytes already written can come back.
    size_t avail = c.recv_seq < c.next_send ? opt_.size - c.recv_pos
                   : c.recv_seq == c.next_send && c.send_pos > c.recv_pos
                       ? c.send_pos - c.recv_pos
                       : 0;
    const char* want = payload(c.id, c.recv_seq) + c.recv_pos;
    size_t k = std::min(n, avail);
    if (k == 0 || memcmp(p, want, k) != 0) {
      size_t at = 0;
      while (at < k && p[at] == want[at]) ++at;
      ++mismatches_;
      if (mismatches_ <= 5)
        fprintf(stderr,
                "loadgen: mismatch on connection %llu, message %llu, byte "
                "%llu: %s\n",
                static_cast<unsigned long long>(c.id),
                static_cast<unsigned long long>(c.recv_seq),
                static_cast<unsigned long long>(c.recv_pos + at),
                k == 0 ? "more bytes than were sent" : "wrong byte");
      close_conn(c);  // the stream cannot be resynchronised
      if (opt_.m == mode::connect_storm &&
          (phase_ == phase::warmup || phase_ == phase::measuring))
        open_conn(c);
      return;
    }
    c.recv_pos += static_cast<uint32_t>(k);
    p += k;
    n -= k;
    if (c.recv_pos == opt_.size) on_complete(c);
  }
}

void generator::on_complete(conn& c) {
  uint64_t now = now_ns();
  bool counted = phase_ == phase::measuring ||
                 ((opt_.m == mode::idle || opt_.m == mode::churn) &&
                  phase_ == phase::opening);
  if (counted) {
    if (per_connection_mode())
      hist_.add(now - c.opened_at);
    else if (depth_)
      hist_.add(now - c.sent_at[c.recv_seq % depth_]);
    ++messages_;
    bytes_ += opt_.size;
  }
  ++total_messages_;
  ++c.recv_seq;
  c.recv_pos = 0;
  --in_flight_;
  if (!c.ready) {
    c.ready = true;
    --opening_;
    ++ready_;
    if (opt_.m == mode::never_read) {
      // From now on the server's echoes pile up in its own write queue.
      c.reading = false;
      set_interest(c, c.want_out);
    }
  }
  if (opt_.m == mode::connect_storm) {
    // A graceful close: the server sees EOF and closes its side.
    close_conn(c);
    if (phase_ == phase::warmup || phase_ == phase::measuring) open_conn(c);
  }
}

void generator::try_send(conn& c) {
  iovec iov[max_iov];
  for (;;) {
    int cnt = 0;
    size_t total = 0;
    uint64_t seq = c.next_send;
    uint32_t pos = c.send_pos;
    // A partly written message is always finished, even while draining.
    while (cnt < max_iov && (pos > 0 || may_start(c, seq))) {
      iov[cnt].iov_base = const_cast<char*>(payload(c.id, seq)) + pos;
      iov[cnt].iov_len = opt_.size - pos;
      total += iov[cnt].iov_len;
      ++cnt;
      ++seq;
      pos = 0;
    }
    if (cnt == 0) return set_out(c, false);
    uint64_t now = now_ns();
    ssize_t n = writev(c.fd, iov, cnt);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return set_out(c, true);
      return fail_conn(c, "write", errno);
    }
    bytes_sent_ += static_cast<uint64_t>(n);
    for (auto left = static_cast<size_t>(n); left > 0;) {
      if (c.send_pos == 0) {
        if (depth_) c.sent_at[c.next_send % depth_] = now;
        ++in_flight_;
      }
      size_t rest = opt_.size - c.send_pos;
      if (left >= rest) {
        left -= rest;
        ++c.next_send;
        c.send_pos = 0;
      } else {
        c.send_pos += static_cast<uint32_t>(left);
        left = 0;
      }
    }
    if (static_cast<size_t>(n) < total) return set_out(c, true);
    if (cnt < max_iov) return set_out(c, false);
  }
}

void generator::open_more() {
  while (phase_ == phase::opening && !stop_ && opening_ < max_opening &&
         next_to_open_ < conns_.size()) {
    ++opened_;
    open_conn(conns_[next_to_open_++]);
  }
}

// never_read: each connection may have started 1 + elapsed / interval
// messages, but never more than one beyond what it has fully written, so a
// connection the server stopped reading does not save up a burst.
void generator::pace(uint64_t now) {
  auto interval = static_cast<uint64_t>(opt_.interval_ms * 1e6);
  uint64_t due = 1 + (now - t_start_) / interval;
  for (auto& c : conns_) {
    if (c.state != conn::open || !c.ready) continue;
    uint64_t limit = std::min(due, c.next_send + 1);
    if (limit > c.send_limit) {
      c.send_limit = limit;
      try_send(c);
    }
  }
}

// churn: every connection of the batch has echoed once; note the server's
// RSS with the whole batch open, close them all, and open the next batch.
void generator::next_batch(uint64_t now) {
  if (opt_.server_pid) batch_rss_.push_back(process_rss_kib(opt_.server_pid));
  for (auto& c : conns_) close_conn(c);
  ready_ = 0;
  next_to_open_ = 0;
  t_phase_ = now;
  bool time_up = now - t_start_ >= seconds_to_ns(opt_.duration);
  if (opened_ + conns_.size() > opt_.total_connections || time_up) {
    if (time_up && opened_ < opt_.total_connections)
      fprintf(stderr,
              "loadgen: churn stopped by --duration after %llu of "
              "%llu connections\n",
              static_cast<unsigned long long>(opened_),
              static_cast<unsigned long long>(opt_.total_connections));
    t_m1_ = now;
    phase_ = phase::done;
  }
}

// The server's RSS, every rss_sample_ns: its peak, and the guard that kills
// it above --rss-cap-kib before it drives the machine into swap or OOM.
void generator::sample_rss(uint64_t now) {
  if (!opt_.server_pid || now - t_rss_ < rss_sample_ns) return;
  t_rss_ = now;
  long kib = process_rss_kib(opt_.server_pid);
  if (kib < 0) return;
  if (rss_start_ < 0) rss_start_ = kib;
  rss_peak_ = std::max(rss_peak_, kib);
  if (opt_.rss_cap_kib && kib > opt_.rss_cap_kib && !over_cap_) {
    fprintf(stderr,
            "loadgen: server RSS %ld KiB is over the cap of %ld KiB; killing "
            "it (pid %d)\n",
            kib, opt_.rss_cap_kib, opt_.server_pid);
    kill(opt_.server_pid, SIGKILL);
    over_cap_ = true;
    over_cap_after_ns_ = now - t_start_;
    stop_ = true;
  }
}

void generator::advance_phase(uint64_t now) {
  switch (phase_) {
    case phase::opening:
      if (opt_.m == mode::connect_storm) {
        for (auto& c : conns_) open_conn(c);
        phase_ = phase::warmup;
        t_phase_ = now;
        return;
      }
      // A connection that fails before its first echo would leave the run
      // measuring something other than asked; the error is already counted.
      if (errors_ || mismatches_) return void(stop_ = true);
      open_more();
      if (ready_ == conns_.size()) {
        if (opt_.m == mode::churn) return next_batch(now);
        t_phase_ = now;
        if (opt_.m == mode::idle) {
          t_m1_ = now;
          phase_ = phase::holding;
        } else {
          phase_ = phase::warmup;
          if (traffic_mode())
            for (auto& c : conns_) {
              c.send_limit = UINT64_MAX;
              if (c.state == conn::open) try_send(c);
            }
        }
      } else if (now - t_phase_ > seconds_to_ns(connect_phase_limit_s)) {
        fprintf(stderr,
                "loadgen: only %zu of %zu connections ready after %gs\n",
                ready_, conns_.size(), connect_phase_limit_s);
        ++errors_;
        stop_ = true;
      }
      return;
    case phase::warmup:
      if (now - t_phase_ >= seconds_to_ns(opt_.warmup)) {
        phase_ = phase::measuring;
        t_m0_ = t_phase_ = now;
        self0_ = self_cpu_us();
        if (opt_.server_pid) cpu0_ = process_cpu_us(opt_.server_pid);
      }
      return;
    case phase::measuring:
      if (now - t_m0_ >= seconds_to_ns(opt_.duration) ||
          (opt_.max_messages && messages_ >= opt_.max_messages) ||
          open_conns_ == 0) {
        if (opt_.server_pid) cpu1_ = process_cpu_us(opt_.server_pid);
        self1_ = self_cpu_us();
        // Without a window nothing is owed: a server may hold up to its
        // high-water mark per connection, and there is nothing to drain.
        phase_ = depth_ == 0 ? phase::done : phase::draining;
        t_m1_ = t_phase_ = now;
      }
      return;
    case phase::draining:
      if (in_flight_ == 0) {
        phase_ = phase::done;
      } else if (now - t_phase_ > seconds_to_ns(drain_limit_s)) {
        fprintf(stderr, "loadgen: %llu messages unanswered after %gs\n",
                static_cast<unsigned long long>(in_flight_), drain_limit_s);
        ++errors_;
        phase_ = phase::done;
      }
      return;
    case phase::holding:
      for (auto& c : conns_)
        if (c.state != conn::open) return void(stop_ = true);
      if (now - t_phase_ >= seconds_to_ns(opt_.duration)) {
        held_ns_ = now - t_phase_;
        if (opt_.server_pid) rss_holding_ = process_rss_kib(opt_.server_pid);
        // One more exchange each proves the server kept them all.
        phase_ = phase::final_check;
        t_phase_ = now;
        for (auto& c : conns_) {
          c.send_limit = 2;
          try_send(c);
        }
      }
      return;
    case phase::final_check: {
      bool all = true;
      for (auto& c : conns_)
        all = all && c.state == conn::open && c.recv_seq == 2;
      if (all) {
        phase_ = phase::done;
      } else if (now - t_phase_ > seconds_to_ns(drain_limit_s) ||
                 open_conns_ < opt_.connections) {
        fprintf(stderr, "loadgen: idle connections did not all answer again\n");
        ++errors_;
        phase_ = phase::done;
      }
      return;
    }
    case phase::done:
      return;
  }
}

int generator::run() {
  ep_ = epoll_create1(EPOLL_CLOEXEC);
  if (ep_ < 0) {
    error("epoll_create1", errno);
    return 1;
  }
  if (opt_.server_pid && opt_.m == mode::idle)
    rss_before_ = process_rss_kib(opt_.server_pid);
  t_start_ = t_phase_ = now_ns();
  sample_rss(t_start_);
  std::vector<epoll_event> events(1024);
  uint64_t now = t_start_;
  while (!stop_ && phase_ != phase::done) {
    sample_rss(now);
    advance_phase(now);
    if (stop_ || phase_ == phase::done) break;
    if (opt_.m == mode::never_read &&
        (phase_ == phase::warmup || phase_ == phase::measuring))
      pace(now);
    int n = epoll_wait(ep_, events.data(), static_cast<int>(events.size()), 10);
    if (n < 0 && errno != EINTR) {
      error("epoll_wait", errno);
      break;
    }
    for (int i = 0; i < n; ++i)
      on_event(conns_[events[i].data.u64], events[i].events);
    now = now_ns();
  }
  if (phase_ == phase::measuring || phase_ == phase::warmup) t_m1_ = now;
  if (opt_.server_pid && !over_cap_) {
    rss_end_ = process_rss_kib(opt_.server_pid);
    rss_peak_ = std::max(rss_peak_, rss_end_);
  }
  report();
  for (auto& c : conns_)
    if (c.state != conn::closed) close(c.fd);
  close(ep_);
  return errors_ || mismatches_ ? 1 : 0;
}

void generator::report() {
  uint64_t t0 =
      opt_.m == mode::idle || opt_.m == mode::churn ? t_start_ : t_m0_;
  double seconds = t0 && t_m1_ > t0 ? static_cast<double>(t_m1_ - t0) / 1e9 : 0;
  double rate = seconds > 0 ? static_cast<double>(messages_) / seconds : 0;
  double mbps = seconds > 0 ? static_cast<double>(bytes_) / seconds / 1e6 : 0;
  printf(
      "{\"mode\":\"%s\",\"connections\":%d,\"size\":%u,\"depth\":%u,"
      "\"messages\":%llu,\"bytes\":%llu,\"seconds\":%.3f,"
      "\"msgs_per_sec\":%.1f,\"mb_per_sec\":%.3f,\"p50_us\":%.1f,"
      "\"p99_us\":%.1f,\"p999_us\":%.1f,\"errors\":%llu,\"mismatches\":%llu,"
      "\"total_messages\":%llu",
      mode_name(opt_.m), opt_.connections, opt_.size, depth_,
      static_cast<unsigned long long>(messages_),
      static_cast<unsigned long long>(bytes_), seconds, rate, mbps,
      hist_.quantile(0.5) / 1e3, hist_.quantile(0.99) / 1e3,
      hist_.quantile(0.999) / 1e3, static_cast<unsigned long long>(errors_),
      static_cast<unsigned long long>(mismatches_),
      static_cast<unsigned long long>(total_messages_));
  printf(",\"bytes_sent\":%llu", static_cast<unsigned long long>(bytes_sent_));
  if (depth_ == 0)
    printf(",\"in_flight_at_end\":%llu",
           static_cast<unsigned long long>(in_flight_));
  if (self1_ > 0 && seconds > 0)
    printf(",\"loadgen_cpu_pct\":%.1f", (self1_ - self0_) / seconds / 1e4);
  if (cpu0_ >= 0 && cpu1_ >= 0) {
    double cpu = cpu1_ - cpu0_;
    printf(
        ",\"server_cpu_us\":%.0f,\"server_cpu_us_per_msg\":%.3f,"
        "\"server_cpu_pct\":%.1f",
        cpu, messages_ ? cpu / static_cast<double>(messages_) : 0.0,
        seconds > 0 ? cpu / seconds / 1e4 : 0.0);
  }
  if (opt_.m == mode::idle) {
    printf(",\"held_seconds\":%.3f", static_cast<double>(held_ns_) / 1e9);
    if (rss_before_ >= 0 && rss_holding_ >= 0)
      printf(
          ",\"server_rss_kib_before\":%ld,\"server_rss_kib_holding\":%ld,"
          "\"rss_kib_per_conn\":%.3f",
          rss_before_, rss_holding_,
          static_cast<double>(rss_holding_ - rss_before_) / opt_.connections);
  }
  if (opt_.server_pid) {
    printf(
        ",\"server_rss_kib_start\":%ld,\"server_rss_kib_peak\":%ld,"
        "\"server_rss_kib_end\":%ld,\"over_cap\":%s",
        rss_start_, rss_peak_, rss_end_, over_cap_ ? "true" : "false");
    if (over_cap_)
      printf(",\"over_cap_after_s\":%.3f",
             static_cast<double>(over_cap_after_ns_) / 1e9);
  }
  if (opt_.m == mode::churn) {
    printf(",\"opened\":%llu,\"batches\":%zu,\"batch_rss_kib\":[",
           static_cast<unsigned long long>(opened_), batch_rss_.size());
    for (size_t i = 0; i < batch_rss_.size(); ++i)
      printf("%s%ld", i ? "," : "", batch_rss_[i]);
    printf("]");
  }
  printf(",\"first_error\":");
  if (first_error_.empty())
    printf("null");
  else
    printf("\"%s\"", first_error_.c_str());
  printf("}\n");
  fflush(stdout);
}

}  // namespace
}  // namespace loadgen

int main(int argc, char** argv) {
  auto opt = loadgen::parse_options(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  // Thousands of idle connections need thousands of descriptors.
  rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  loadgen::generator gen{opt};
  return gen.run();
}
