// apps/interfaces as a process, inside the test's own network namespace: the
// table and --json are exact, --watch prints a JSON line for an address added
// and removed and for a link going down and up, and SIGINT/SIGTERM end it
// with exit code 0. Every wait is for an event, bounded only by `patience`
// (a hang guard, not a timing claim); every child is killed if a check fails.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/interfaces/test_namespace.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using interfaces_test::sh;
using json = nlohmann::json;

constexpr auto patience = std::chrono::milliseconds(30000);

std::string app_path() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return std::string{srcdir ? srcdir : "."} + "/" + (workspace ? workspace : "netactors") +
         "/apps/interfaces";
}

// A child process with its stdout and stderr on pipes.
class child {
 public:
  explicit child(std::vector<std::string> args) {
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      std::vector<char*> argv;
      auto path = app_path();
      argv.push_back(path.data());
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    out_ = out[0];
    err_ = err[0];
  }

  ~child() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
    if (err_ >= 0) ::close(err_);
  }

  bool started() const { return pid_ > 0; }

  // The next stdout line, or "" when `limit` passes (or stdout ends) first.
  std::string next_line(std::chrono::milliseconds limit) {
    auto deadline = clock_type::now() + limit;
    for (;;) {
      auto nl = out_buf_.find('\n');
      if (nl != std::string::npos) {
        auto line = out_buf_.substr(0, nl);
        out_buf_.erase(0, nl + 1);
        return line;
      }
      if (!pump(deadline)) return "";
    }
  }

  // Waits until stderr contains `text`.
  bool stderr_has(const std::string& text, std::chrono::milliseconds limit) {
    auto deadline = clock_type::now() + limit;
    while (err_buf_.find(text) == std::string::npos)
      if (!pump(deadline)) return false;
    return true;
  }

  // Everything until the child closes its output, then its exit code; -1 if
  // it does not end within `limit`, -2 if a signal ended it.
  int finish(std::chrono::milliseconds limit) {
    auto deadline = clock_type::now() + limit;
    while (pump(deadline)) {
    }
    while (clock_type::now() < deadline) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
      }
      ::usleep(2000);
    }
    return -1;
  }

  void signal(int sig) { ::kill(pid_, sig); }
  const std::string& out() const { return out_buf_; }
  const std::string& err() const { return err_buf_; }

 private:
  // Reads what is available before `deadline`; false at the deadline or
  // when both pipes are closed.
  bool pump(clock_type::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
    if (left.count() <= 0 || (out_ < 0 && err_ < 0)) return false;
    pollfd fds[2] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(left.count()));
    if (n <= 0) return n == 0 ? false : true;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      ssize_t got = ::read(fds[i].fd, buf, sizeof(buf));
      int& fd = i == 0 ? out_ : err_;
      if (got <= 0) {
        ::close(fd);
        fd = -1;
      } else {
        (i == 0 ? out_buf_ : err_buf_).append(buf, static_cast<size_t>(got));
      }
    }
    return true;
  }

  pid_t pid_ = -1;
  int out_ = -1;
  int err_ = -1;
  bool exited_ = false;
  std::string out_buf_;
  std::string err_buf_;
};

class interfaces_app : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { *setup_error() = interfaces_test::enter_test_namespace(); }

  static std::string* setup_error() {
    static std::string error = "not set up";
    return &error;
  }

  void SetUp() override { ASSERT_EQ(*setup_error(), "") << "cannot build the test namespace"; }

  // Starts `interfaces --watch ARGS...` and waits until it has subscribed.
  std::unique_ptr<child> start_watch(std::vector<std::string> args) {
    args.insert(args.begin(), "--watch");
    auto c = std::make_unique<child>(args);
    EXPECT_TRUE(c->started());
    EXPECT_TRUE(c->stderr_has("watching", patience)) << c->err();
    return c;
  }

  // The next line, parsed; null if none came (within patience).
  static json next_event(child& c) {
    auto line = c.next_line(patience);
    if (line.empty()) return nullptr;
    auto j = json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << line;
    return j;
  }
};

TEST_F(interfaces_app, json_is_exactly_the_documented_form) {
  child c({"--json"});
  ASSERT_TRUE(c.started());
  EXPECT_EQ(c.finish(patience), 0) << c.err();
  // Byte for byte: key order, no spaces, one line.
  EXPECT_EQ(c.out(), nlohmann::ordered_json::parse(interfaces_test::expected_json).dump() + "\n");
}

TEST_F(interfaces_app, the_table_lists_every_interface_its_state_and_addresses) {
  child c({});
  ASSERT_TRUE(c.started());
  EXPECT_EQ(c.finish(patience), 0) << c.err();
  EXPECT_EQ(c.out(),
            "NAME  INDEX  STATE                MAC                ADDRESSES\n"
            "lo    1      up,running,loopback  00:00:00:00:00:00  127.0.0.1/8\n"
            "                                                     ::1/128\n"
            "va    10     up,running           02:00:00:00:00:0a  192.0.2.10/24\n"
            "                                                     2001:db8::10/64\n"
            "                                                     fe80::10/64 (scope 10)\n"
            "vb    11     up,running           02:00:00:00:00:0b  -\n");
}

TEST_F(interfaces_app, watch_prints_addresses_added_and_removed_and_stops_on_sigterm) {
  auto c = start_watch({});
  ASSERT_EQ(sh("ip addr add 198.51.100.7/24 dev va"), 0);
  EXPECT_EQ(next_event(*c), json::parse(R"({"event":"address_added","interface":"va",
    "address":{"family":"ipv4","address":"198.51.100.7","netmask":"255.255.255.0","prefix":24}})"));
  ASSERT_EQ(sh("ip -6 addr add 2001:db8::77/64 dev va nodad"), 0);
  EXPECT_EQ(next_event(*c), json::parse(R"({"event":"address_added","interface":"va",
    "address":{"family":"ipv6","address":"2001:db8::77","netmask":"ffff:ffff:ffff:ffff::","prefix":64}})"));
  ASSERT_EQ(sh("ip addr del 198.51.100.7/24 dev va"), 0);
  EXPECT_EQ(next_event(*c), json::parse(R"({"event":"address_removed","interface":"va",
    "address":{"family":"ipv4","address":"198.51.100.7","netmask":"255.255.255.0","prefix":24}})"));
  ASSERT_EQ(sh("ip -6 addr del 2001:db8::77/64 dev va"), 0);
  EXPECT_EQ(next_event(*c)["event"], "address_removed");
  c->signal(SIGTERM);
  EXPECT_EQ(c->finish(patience), 0) << c->err();
  EXPECT_EQ(c->out(), "");  // nothing more than the four lines
}

// Reads lines until every predicate has matched one (or patience runs out).
std::vector<json> lines_until(child& c, const std::vector<std::function<bool(const json&)>>& preds) {
  std::vector<json> lines;
  auto all_seen = [&] {
    for (auto& p : preds) {
      bool hit = false;
      for (auto& l : lines) hit = hit || p(l);
      if (!hit) return false;
    }
    return true;
  };
  auto deadline = clock_type::now() + patience;
  while (!all_seen() && clock_type::now() < deadline) {
    auto line = c.next_line(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()));
    if (!line.empty()) lines.push_back(json::parse(line));
  }
  EXPECT_TRUE(all_seen()) << json(lines).dump(1);
  return lines;
}

bool mentions_address(const std::vector<json>& lines, const std::string& address) {
  for (auto& l : lines)
    if (l.contains("address") && l["address"]["address"] == address) return true;
  return false;
}

TEST_F(interfaces_app, watch_prints_a_link_going_down_and_up_and_stops_on_sigint) {
  auto c = start_watch({});
  ASSERT_EQ(sh("ip link set va down"), 0);
  // va down, vb without carrier; va keeps its IPv4 address (the kernel only
  // flushes the IPv6 ones of a down link).
  auto down = lines_until(
      *c, {[](const json& l) {
             return l["event"] == "interface_changed" && l["interface"]["name"] == "va" &&
                    l["interface"]["up"] == false && l["previous"]["up"] == true &&
                    l["interface"]["addresses"].size() == 1;
           },
           [](const json& l) {
             return l["event"] == "interface_changed" && l["interface"]["name"] == "vb" &&
                    l["interface"]["running"] == false;
           },
           [](const json& l) {
             return l["event"] == "address_removed" && l["address"]["address"] == "fe80::10";
           }});
  EXPECT_FALSE(mentions_address(down, "192.0.2.10")) << json(down).dump(1);
  ASSERT_EQ(sh("ip link set va up"), 0);
  auto up = lines_until(*c, {[](const json& l) {
                          return l["event"] == "interface_changed" &&
                                 l["interface"]["name"] == "va" &&
                                 l["interface"]["up"] == true &&
                                 l["interface"]["running"] == true;
                        }});
  EXPECT_FALSE(mentions_address(up, "192.0.2.10")) << json(up).dump(1);
  c->signal(SIGINT);
  EXPECT_EQ(c->finish(patience), 0) << c->err();
  // Going down deleted va's IPv6 addresses; restore the topology.
  ASSERT_EQ(sh("ip -6 addr add 2001:db8::10/64 dev va nodad"), 0);
  ASSERT_EQ(sh("ip -6 addr add fe80::10/64 dev va nodad"), 0);
}

// NETLINK_ROUTE notifications the kernel dropped because a socket's queue
// was full, summed over this namespace's sockets (/proc/net/netlink lists
// those of the reader's namespace; the Drops column).
uint64_t netlink_route_drops() {
  std::ifstream in{"/proc/net/netlink"};
  std::string line;
  std::getline(in, line);  // header
  uint64_t drops = 0;
  while (std::getline(in, line)) {
    std::istringstream fields{line};
    std::string sk, eth, pid, groups, rmem, wmem, dump, locks;
    uint64_t d = 0;
    if (fields >> sk >> eth >> pid >> groups >> rmem >> wmem >> dump >> locks >> d &&
        eth == "0")
      drops += d;
  }
  return drops;
}

// A burst of 400 address changes while the watcher is stopped (SIGSTOP),
// into a netlink queue of a few KiB (--netlink-buffer): the kernel drops
// notifications and flags the socket, for certain. Once it runs again,
// every address is still reported exactly once each way (the watcher
// re-reads every interface), and the watch goes on.
TEST_F(interfaces_app, watch_reports_every_change_of_a_burst_that_overflows_netlink) {
  constexpr int burst = 400;
  auto c = start_watch({"--netlink-buffer", "4096"});
  auto batch = [](const char* verb) {
    return std::string{"(for i in $(seq 0 "} + std::to_string(burst - 1) +
           "); do echo \"addr " + verb +
           " 10.$((i / 250)).$((i % 250)).1/32 dev va\"; done) | ip -batch -";
  };
  auto read_events = [&](const char* event, size_t want) {
    size_t n = 0, other = 0;
    auto deadline = clock_type::now() + patience;
    while (n < want && clock_type::now() < deadline) {
      auto line = c->next_line(
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()));
      if (line.empty()) break;
      (json::parse(line)["event"] == event ? n : other) += 1;
    }
    EXPECT_EQ(n, want) << event;
    EXPECT_EQ(other, 0u) << event;
  };
  auto burst_while_stopped = [&](const char* verb) {
    auto drops_before = netlink_route_drops();
    c->signal(SIGSTOP);
    EXPECT_EQ(sh(batch(verb)), 0);
    // The overflow happened (this is what the test is about).
    EXPECT_GT(netlink_route_drops(), drops_before) << verb;
    c->signal(SIGCONT);
  };
  burst_while_stopped("add");
  read_events("address_added", burst);
  burst_while_stopped("del");
  read_events("address_removed", burst);
  // Still watching.
  ASSERT_EQ(sh("ip addr add 198.51.100.7/24 dev va"), 0);
  EXPECT_EQ(next_event(*c)["event"], "address_added");
  ASSERT_EQ(sh("ip addr del 198.51.100.7/24 dev va"), 0);
  EXPECT_EQ(next_event(*c)["event"], "address_removed");
  c->signal(SIGTERM);
  EXPECT_EQ(c->finish(patience), 0) << c->err();
  EXPECT_EQ(c->err().find("EBADF"), std::string::npos) << c->err();
}

TEST_F(interfaces_app, watch_with_poll_uses_the_polling_fallback) {
  auto c = start_watch({"--poll", "50"});
  ASSERT_EQ(sh("ip addr add 198.51.100.9/24 dev va"), 0);
  EXPECT_EQ(next_event(*c), json::parse(R"({"event":"address_added","interface":"va",
    "address":{"family":"ipv4","address":"198.51.100.9","netmask":"255.255.255.0","prefix":24}})"));
  ASSERT_EQ(sh("ip addr del 198.51.100.9/24 dev va"), 0);
  EXPECT_EQ(next_event(*c)["event"], "address_removed");
  c->signal(SIGTERM);
  EXPECT_EQ(c->finish(patience), 0) << c->err();
}

// Linux lets an interface name be any bytes but '/', ':' and white space;
// one that is not UTF-8 is printed with those bytes escaped as \xNN.
// (A veth pair, with a plain peer "xq": the dummy driver may be missing.)
constexpr const char* odd_link =
    "ip link add \"$(printf 'x\\377\\376\\033')\" type veth peer name xq";
constexpr const char* odd_link_del = "ip link del \"$(printf 'x\\377\\376\\033')\"";

TEST_F(interfaces_app, json_and_table_escape_a_name_that_is_not_utf8) {
  ASSERT_EQ(sh(odd_link), 0);
  child c({"--json"});
  ASSERT_TRUE(c.started());
  int json_rc = c.finish(patience);
  child table({});
  ASSERT_TRUE(table.started());
  int table_rc = table.finish(patience);
  ASSERT_EQ(sh(odd_link_del), 0);
  EXPECT_EQ(json_rc, 0) << c.err();
  auto j = json::parse(c.out(), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << c.out();
  bool found = false;
  for (auto& i : j["interfaces"]) found = found || i["name"] == "x\\xff\\xfe\\x1b";
  EXPECT_TRUE(found) << c.out();
  EXPECT_EQ(table_rc, 0) << table.err();
  EXPECT_NE(table.out().find("x\\xff\\xfe\\x1b "), std::string::npos) << table.out();
  EXPECT_EQ(table.out().find('\x1b'), std::string::npos);  // no raw escape code
}

TEST_F(interfaces_app, watch_escapes_a_name_that_is_not_utf8_and_goes_on) {
  auto c = start_watch({});
  ASSERT_EQ(sh(odd_link), 0);
  // The odd link is a veth pair: both ends are seen, the odd name escaped.
  auto both_ends = [](const char* event) {
    auto end = [event](const char* name) {
      return [event, name](const json& l) {
        return l["event"] == event && l["interface"]["name"] == name;
      };
    };
    return std::vector<std::function<bool(const json&)>>{end("x\\xff\\xfe\\x1b"),
                                                         end("xq")};
  };
  auto added = lines_until(*c, both_ends("interface_added"));
  EXPECT_EQ(added.size(), 2u) << json(added).dump(1);
  ASSERT_EQ(sh(odd_link_del), 0);
  auto removed = lines_until(*c, both_ends("interface_removed"));
  EXPECT_EQ(removed.size(), 2u) << json(removed).dump(1);
  // The printer is alive: the next change is printed too.
  ASSERT_EQ(sh("ip addr add 198.51.100.7/24 dev va"), 0);
  EXPECT_EQ(next_event(*c)["event"], "address_added");
  ASSERT_EQ(sh("ip addr del 198.51.100.7/24 dev va"), 0);
  EXPECT_EQ(next_event(*c)["event"], "address_removed");
  c->signal(SIGTERM);
  EXPECT_EQ(c->finish(patience), 0) << c->err();
  EXPECT_EQ(c->out(), "");  // nothing else, no CAF "unhandled exception" line
}

TEST_F(interfaces_app, bad_command_lines_exit_with_2) {
  for (auto args : std::vector<std::vector<std::string>>{
           {"--bogus"}, {"--poll", "50"}, {"--json", "--watch"}, {"--watch", "--poll", "0"},
           {"--netlink-buffer", "4096"}, {"--watch", "--netlink-buffer", "0"},
           {"--watch", "--poll", "50", "--netlink-buffer", "4096"}}) {
    child c(args);
    ASSERT_TRUE(c.started());
    EXPECT_EQ(c.finish(patience), 2) << args[0] << " " << c.err();
    EXPECT_FALSE(c.err().empty());
    EXPECT_EQ(c.out(), "");
  }
}

}  // namespace
