#include "tests/resolver/dns_lab.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace netactors::dns_testing {

namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

// Waits (bounded) for `pid`; SIGKILL after `limit`. Returns the exit code,
// or -1 if it did not exit normally.
int reap(pid_t pid, std::chrono::milliseconds limit,
         bool* timed_out = nullptr) {
  auto deadline = steady::now() + limit;
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return -1;
    if (steady::now() >= deadline) {
      if (timed_out != nullptr) *timed_out = true;
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(2ms);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void stop(pid_t& pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  reap(pid, 2s);
  pid = -1;
}

// Starts `argv` with stdout and stderr appended to `log`; -1 on failure.
// The child gets SIGKILL if this process dies first (a crashed test must
// not leave dnsmasq running); the caller is single-threaded (see enter()),
// so fork() is safe.
pid_t start_background(const std::vector<std::string>& argv,
                       const std::string& log) {
  int out =
      ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) return -1;
  auto args = c_argv(argv);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent)
      ::_exit(127);
    int in = ::open("/dev/null", O_RDONLY);
    if (in < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0)
      ::_exit(127);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(out);
  return pid;
}

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string netns_of(pid_t pid) {
  char buf[128] = {0};
  auto path = pid == 0 ? std::string{"/proc/self/ns/net"}
                       : "/proc/" + std::to_string(pid) + "/ns/net";
  auto n = ::readlink(path.c_str(), buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string{};
}

}  // namespace

std::string use_private_name_files(const std::string& dir,
                                   const std::string& hosts,
                                   const std::string& sources,
                                   bool new_namespace) {
  if (new_namespace) {
    if (::unshare(CLONE_NEWNS) != 0) return errno_text("unshare(CLONE_NEWNS)");
    // Private mounts: the bind mounts must not reach the namespace we came
    // from.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      return errno_text("mount --make-rprivate /");
  }
  auto place = [&](const std::string& name, const std::string& text,
                   const char* target) -> std::string {
    auto path = dir + "/" + name;
    {
      std::ofstream out{path};
      out << text;
      if (!out) return "cannot write " + path;
    }
    if (::mount(path.c_str(), target, nullptr, MS_BIND, nullptr) != 0)
      return errno_text("mount --bind " + path + " " + target);
    return {};
  };
  if (auto e = place("hosts", hosts, "/etc/hosts"); !e.empty()) return e;
  return place("nsswitch.conf", "hosts: " + sources + "\n",
               "/etc/nsswitch.conf");
}

process_result run_process(const std::vector<std::string>& argv,
                           std::chrono::milliseconds limit) {
  process_result res;
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return res;
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return res;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid = -1;
  auto args = c_argv(argv);
  int rc = ::posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    res.err = "posix_spawnp " + argv[0] + ": " + std::strerror(rc);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return res;
  }
  auto deadline = steady::now() + limit;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&res.out, &res.err};
  int open = 2;
  while (open > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - steady::now());
    if (left <= 0ms) {
      res.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    int n = ::poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      auto got = ::read(fds[i].fd, buf, sizeof(buf));
      if (got > 0) {
        sinks[i]->append(buf, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  bool killed = false;
  res.exit_code = reap(pid, res.timed_out ? 1s : limit, &killed);
  res.timed_out = res.timed_out || killed;
  return res;
}

std::unique_ptr<dns_lab> dns_lab::enter(const dns_lab_config& config,
                                        std::string* error) {
  std::unique_ptr<dns_lab> lab{new dns_lab};
  auto fail = [&](std::string why) {
    *error = std::move(why);
    return nullptr;
  };
  if (::unshare(CLONE_NEWNET | CLONE_NEWNS) != 0)
    return fail(errno_text("unshare(CLONE_NEWNET | CLONE_NEWNS)"));
  // Private mounts: the resolv.conf bind mount below must not propagate to
  // the namespace we came from.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return fail(errno_text("mount --make-rprivate /"));
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir_template =
      std::string{tmp != nullptr ? tmp : "/tmp"} + "/dns_lab.XXXXXX";
  if (::mkdtemp(dir_template.data()) == nullptr)
    return fail(errno_text("mkdtemp"));
  lab->dir_ = dir_template;

  auto sh = [&](std::vector<std::string> argv) -> std::string {
    auto r = run_process(argv, 5s);
    if (r.exit_code == 0) return {};
    return joined(argv) + " failed (exit " + std::to_string(r.exit_code) +
           "): " + r.err + r.out;
  };
  auto in_peer = [&](std::vector<std::string> argv) {
    argv.insert(argv.begin(),
                {"nsenter", "-t", std::to_string(lab->peer_), "-n"});
    return sh(std::move(argv));
  };

  if (auto e = sh({"ip", "link", "set", "lo", "up"}); !e.empty())
    return fail(e);
  lab->peer_ = start_background({"unshare", "--net", "sleep", "300"},
                                lab->dir_ + "/peer.log");
  if (lab->peer_ < 0) return fail("could not start `unshare --net sleep`");
  // unshare(1) execs sleep once it has its namespace: wait for that.
  auto own = netns_of(0);
  auto deadline = steady::now() + 5s;
  while (netns_of(lab->peer_).empty() || netns_of(lab->peer_) == own) {
    if (steady::now() > deadline)
      return fail("the peer never got its own network namespace");
    std::this_thread::sleep_for(1ms);
  }
  auto peer = std::to_string(lab->peer_);
  std::vector<std::vector<std::string>> client_steps = {
      {"ip", "link", "add", "vc", "type", "veth", "peer", "name", "vs", "netns",
       peer},
      {"ip", "addr", "add", "198.51.100.2/24", "dev", "vc"},
      {"ip", "-6", "addr", "add", "2001:db8:100::2/64", "dev", "vc", "nodad"},
      {"ip", "link", "set", "vc", "up"},
  };
  std::vector<std::vector<std::string>> peer_steps = {
      {"ip", "link", "set", "lo", "up"},
      {"ip", "addr", "add", "198.51.100.1/24", "dev", "vs"},
      {"ip", "-6", "addr", "add", "2001:db8:100::1/64", "dev", "vs", "nodad"},
      {"ip", "link", "set", "vs", "up"},
      // dnsmasq's forwarded *.slow.test queries go back to the client, which
      // does not forward them: no answer, ever.
      {"ip", "route", "add", "192.0.2.0/24", "via", "198.51.100.2"},
      // IPv6 for addresses nobody has is discarded here without a word
      // (without this route some stacks answer "no route" after a while).
      {"ip", "-6", "route", "add", "blackhole", "2001:db8::/48"},
  };
  for (auto& step : client_steps)
    if (auto e = sh(step); !e.empty()) return fail(e);
  for (auto& step : peer_steps)
    if (auto e = in_peer(step); !e.empty()) return fail(e);
  for (auto& a : config.local_addresses) {
    bool v6 = a.find(':') != std::string::npos;
    std::vector<std::string> argv = {"ip"};
    if (v6) argv.push_back("-6");
    for (const char* s : {"addr", "add"}) argv.push_back(s);
    argv.push_back(a);
    argv.push_back("dev");
    argv.push_back("lo");
    if (v6) argv.push_back("nodad");
    if (auto e = sh(argv); !e.empty()) return fail(e);
  }
  for (auto& route : std::vector<std::vector<std::string>>{
           {"ip", "route", "add", "192.0.2.0/24", "via", "198.51.100.1"},
           {"ip", "-6", "route", "add", "2001:db8::/48", "via",
            "2001:db8:100::1"}})
    if (auto e = sh(route); !e.empty()) return fail(e);
  for (auto& u : config.unreachable) {
    std::vector<std::string> argv = {"ip"};
    if (u.find(':') != std::string::npos) argv.push_back("-6");
    for (const char* s : {"route", "add", "unreachable"}) argv.push_back(s);
    argv.push_back(u);
    if (auto e = sh(argv); !e.empty()) return fail(e);
  }

  auto resolv = lab->dir_ + "/resolv.conf";
  {
    std::ofstream out{resolv};
    out << "nameserver 198.51.100.1\noptions " << config.resolv_options
        << "\n";
    if (!out) return fail("cannot write " + resolv);
  }
  if (::mount(resolv.c_str(), "/etc/resolv.conf", nullptr, MS_BIND, nullptr) !=
      0)
    return fail(errno_text("mount --bind " + resolv + " /etc/resolv.conf"));
  if (auto e = use_private_name_files(lab->dir_, config.hosts, "files dns",
                                      false);
      !e.empty())
    return fail(e);

  // -d: stay in the foreground, keep the user (Bazel's sandbox cannot
  // change groups), log to stderr.
  std::vector<std::string> dnsmasq = {
      "nsenter",
      "-t",
      peer,
      "-n",
      "dnsmasq",
      "-d",
      "--conf-file=/dev/null",
      "--no-resolv",
      "--no-hosts",
      "--no-poll",
      "--listen-address=198.51.100.1",
      "--bind-interfaces",
      "--port=53",
      "--local=/test/",
      "--local=/in-addr.arpa/",
      "--local=/ip6.arpa/",
      "--server=/slow.test/192.0.2.99",
      "--host-record=lab-ready.test,198.51.100.1",
      "--log-queries",
      "--log-facility=-"};
  dnsmasq.insert(dnsmasq.end(), config.dnsmasq_options.begin(),
                 config.dnsmasq_options.end());
  lab->dnsmasq_ = start_background(dnsmasq, lab->dir_ + "/dnsmasq.log");
  if (lab->dnsmasq_ < 0) return fail("could not start dnsmasq");
  // Ready when it answers. Until it listens, the query meets a closed port
  // and fails at once, so this loop is short.
  for (int i = 0;; ++i) {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    int rc = ::getaddrinfo("lab-ready.test", "53", &hints, &res);
    if (res != nullptr) ::freeaddrinfo(res);
    if (rc == 0) break;
    int status = 0;
    if (::waitpid(lab->dnsmasq_, &status, WNOHANG) == lab->dnsmasq_) {
      lab->dnsmasq_ = -1;
      return fail("dnsmasq exited: " + read_file(lab->dir_ + "/dnsmasq.log"));
    }
    if (i == 200)
      return fail(std::string{"dnsmasq does not answer: "} +
                  ::gai_strerror(rc) + "\n" +
                  read_file(lab->dir_ + "/dnsmasq.log"));
    std::this_thread::sleep_for(10ms);
  }
  return lab;
}

dns_lab::~dns_lab() {
  stop(dnsmasq_);
  stop(peer_);
  if (dir_.empty()) return;
  // The bind mount keeps its own reference to resolv.conf; the files go.
  for (const char* name : {"/resolv.conf", "/hosts", "/nsswitch.conf",
                           "/dnsmasq.log", "/peer.log"})
    ::unlink((dir_ + name).c_str());
  ::rmdir(dir_.c_str());
}

std::string dns_lab::dnsmasq_log() const {
  return read_file(dir_ + "/dnsmasq.log");
}

// -- echo_listener ----------------------------------------------------------

struct echo_listener::shared {
  int stop_fd = -1;
  std::atomic<int> accepted{0};
  std::thread worker;
};

namespace {

// Echoes on `conn` until EOF, an error, or `stop_fd` fires.
void echo(int conn, int stop_fd) {
  pollfd fds[2] = {{conn, POLLIN, 0}, {stop_fd, POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 2, 1000) < 0 && errno != EINTR) return;
    if (fds[1].revents != 0) return;
    if (fds[0].revents == 0) continue;
    char buf[4096];
    auto n = ::recv(conn, buf, sizeof(buf), 0);
    if (n <= 0) return;
    for (ssize_t off = 0; off < n;) {
      auto w =
          ::send(conn, buf + off, static_cast<size_t>(n - off), MSG_NOSIGNAL);
      if (w <= 0) return;
      off += w;
    }
  }
}

}  // namespace

echo_listener::echo_listener(const std::string& address, uint16_t port)
    : shared_(std::make_shared<shared>()) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  bool v6 = address.find(':') != std::string::npos;
  if (v6) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(port);
    ::inet_pton(AF_INET6, address.c_str(), &sa->sin6_addr);
    len = sizeof(sockaddr_in6);
  } else {
    auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    ::inet_pton(AF_INET, address.c_str(), &sa->sin_addr);
    len = sizeof(sockaddr_in);
  }
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd < 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
      ::listen(fd, 16) != 0) {
    error_ =
        errno_text("listen on " + address + " port " + std::to_string(port));
    if (fd >= 0) ::close(fd);
    return;
  }
  fd_ = fd;
  shared_->stop_fd = ::eventfd(0, EFD_CLOEXEC);
  shared_->worker = std::thread{[fd, s = shared_] {
    pollfd fds[2] = {{fd, POLLIN, 0}, {s->stop_fd, POLLIN, 0}};
    for (;;) {
      if (::poll(fds, 2, 1000) < 0 && errno != EINTR) return;
      if (fds[1].revents != 0) return;
      if (fds[0].revents == 0) continue;
      int conn = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      ++s->accepted;
      echo(conn, s->stop_fd);
      ::close(conn);
    }
  }};
}

echo_listener::~echo_listener() {
  if (fd_ < 0) return;
  uint64_t one = 1;
  (void)::write(shared_->stop_fd, &one, sizeof(one));
  shared_->worker.join();
  ::close(shared_->stop_fd);
  ::close(fd_);
}

int echo_listener::accepted() const { return shared_->accepted.load(); }

}  // namespace netactors::dns_testing
