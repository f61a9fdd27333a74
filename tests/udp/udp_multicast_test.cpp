// UDP socket actors and multicast between two network namespaces: join,
// leave, multicast loop on and off (on a veth: lo delivers to itself
// regardless), multicast TTL and interface, as a plain POSIX socket in the
// other namespace sees them.
//
// The test process moves itself into a new network namespace (A) before any
// thread starts, and makes a second one (B) held by a file descriptor; a
// veth pair joins them: A has 192.0.2.1/24, B 192.0.2.2/24. The actors run in
// A; sockets for B are created by a thread that entered B. Both namespaces
// vanish with the process. Needs root (CI is root); without it every test
// fails saying so.
#include <caf/all.hpp>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "actors/messages/messages.hpp"
#include "actors/messages/net_error.hpp"
#include "actors/core/runtime.hpp"
#include "actors/udp/uv_udp_io.hpp"
#include "tests/udp/posix_udp.hpp"

namespace netactors {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::posix_udp;

std::string setup_error;  // set by SetUpTestSuite when namespaces failed
int namespace_b = -1;     // fd of /proc/<pid>/ns/net of namespace B

bool sh(const std::string& command) {
  int rc = std::system(command.c_str());
  if (rc != 0) setup_error = "'" + command + "' exited with " + std::to_string(rc);
  return rc == 0;
}

// Runs `f` on a thread that entered namespace B (a socket keeps the
// namespace it was created in, whatever thread uses it later).
template <class F>
auto in_namespace_b(F f) {
  decltype(f()) result;
  std::thread t{[&] {
    if (::setns(namespace_b, CLONE_NEWNET) != 0) std::abort();
    result = f();
  }};
  t.join();
  return result;
}

void add_membership(int fd, const char* group, const char* interface_address) {
  ip_mreq m{};
  ::inet_pton(AF_INET, group, &m.imr_multiaddr);
  ::inet_pton(AF_INET, interface_address, &m.imr_interface);
  ASSERT_EQ(::setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof m), 0)
      << std::strerror(errno);
}

void set_multicast_if(int fd, const char* interface_address) {
  in_addr a{};
  ::inet_pton(AF_INET, interface_address, &a);
  ASSERT_EQ(::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &a, sizeof a), 0)
      << std::strerror(errno);
}

net::endpoint ep(const std::string& text) { return *net::endpoint::parse(text); }

class udp_multicast_test : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    // Before any thread exists: the whole process moves into namespace A.
    if (::unshare(CLONE_NEWNET) != 0) {
      setup_error = std::string{"unshare(CLONE_NEWNET): "} + std::strerror(errno) +
                    " (this test needs root, as CI has)";
      return;
    }
    int ready[2];
    if (::pipe(ready) != 0) {
      setup_error = "pipe";
      return;
    }
    pid_t child = ::fork();
    if (child == 0) {
      char c = ::unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
      (void)!::write(ready[1], &c, 1);
      ::pause();
      ::_exit(0);
    }
    char c = 'n';
    (void)!::read(ready[0], &c, 1);
    ::close(ready[0]);
    ::close(ready[1]);
    if (c == 'y') {
      auto path = "/proc/" + std::to_string(child) + "/ns/net";
      namespace_b = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      auto b = "nsenter -t " + std::to_string(child) + " -n ";
      if (namespace_b >= 0 && sh("ip link set lo up") &&
          sh("ip link add va type veth peer name vb netns " + std::to_string(child)) &&
          sh("ip addr add 192.0.2.1/24 dev va") && sh("ip link set va up") &&
          sh(b + "ip link set lo up") &&
          sh(b + "ip addr add 192.0.2.2/24 dev vb") && sh(b + "ip link set vb up")) {
      } else if (setup_error.empty()) {
        setup_error = "could not make namespace B";
      }
    } else {
      setup_error = "unshare in the child failed";
    }
    // The descriptor keeps namespace B alive; the child is not needed.
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
  }

  static void TearDownTestSuite() {
    if (namespace_b >= 0) ::close(namespace_b);
  }

 protected:
  static caf::actor_system_config& configure(caf::actor_system_config& c) {
    add_message_types(c);
    c.set("logger.verbosity", caf::atom("quiet"));
    return c;
  }

  udp_multicast_test() {
    if (setup_error.empty()) {
      rt = std::make_unique<runtime>(configure(cfg), 1);
      self = std::make_unique<caf::scoped_actor>(rt->system());
    }
  }

  ~udp_multicast_test() override {
    for (auto& s : sockets) (*self)->send(s, udp_close{});
    self.reset();
    rt.reset();
  }

  void SetUp() override { ASSERT_EQ(setup_error, ""); }

  caf::scoped_actor& me() { return *self; }

  /// A socket actor in namespace A owned by the test, bound to `local`.
  udp_socket_actor open(const std::string& local, bool reuse = false) {
    auto sock = spawn_udp_socket(rt->loop_at(0), me());
    sockets.push_back(sock);
    udp_bind b;
    b.address = ep(local);
    b.reuse_address = reuse;
    me()->request(sock, seconds(5), b)
        .receive([&](udp_bound& ok) { last_bound = ok.address; },
                 [&](caf::error& err) { ADD_FAILURE() << rt->system().render(err); });
    return sock;
  }

  template <class Msg>
  std::string set(udp_socket_actor sock, Msg msg) {
    std::string result = "no answer";
    me()->request(sock, seconds(5), std::move(msg))
        .receive([&]() { result = ""; },
                 [&](caf::error& err) { result = error_name(err); });
    return result;
  }

  std::string send(udp_socket_actor sock, const std::string& to, const std::string& bytes) {
    std::string result = "no answer";
    me()->request(sock, seconds(5), udp_send{ep(to), net::byte_buffer::copy_of(bytes)})
        .receive([&](udp_send_done&) { result = ""; },
                 [&](caf::error& err) { result = error_name(err); });
    return result;
  }

  /// The payload of the next datagram for the test's actor from socket
  /// `from`, or "" (and `got` false) after `wait`.
  std::string next_from(udp_socket_actor from, milliseconds wait, bool& got,
                        net::endpoint* sender = nullptr) {
    std::string out;
    got = false;
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (!got && std::chrono::steady_clock::now() < deadline) {
      me()->receive(
          [&](udp_received& d) {
            if (me()->current_sender() != from.address()) return;
            got = true;
            out = d.data.to_string();
            if (sender) *sender = d.from;
          },
          caf::after(milliseconds(50)) >> [] {});
    }
    return out;
  }

  caf::actor_system_config cfg;
  std::unique_ptr<runtime> rt;
  std::unique_ptr<caf::scoped_actor> self;
  std::vector<udp_socket_actor> sockets;
  net::endpoint last_bound;
};

TEST_F(udp_multicast_test, a_joined_socket_receives_the_group_until_it_leaves) {
  const std::string group = "239.1.2.3";
  auto receiver = open(group + ":0", true);  // the group address: no strays
  auto port = last_bound.port();
  auto sender = in_namespace_b([] {
    auto s = std::make_shared<posix_udp>(AF_INET, "192.0.2.2");
    set_multicast_if(s->fd(), "192.0.2.2");
    return s;
  });
  bool got = false;

  ASSERT_TRUE(sender->send_to("before join", group.c_str(), port));
  next_from(receiver, milliseconds(300), got);
  EXPECT_FALSE(got) << "a datagram for a group nobody joined arrived";

  ASSERT_EQ(set(receiver, udp_set_membership{group, "192.0.2.1", true}), "");
  net::endpoint from;
  std::string payload;
  // IGMP settles at once on a veth, but allow a few tries.
  for (int i = 0; i < 20 && !got; ++i) {
    ASSERT_TRUE(sender->send_to("joined", group.c_str(), port));
    payload = next_from(receiver, milliseconds(100), got, &from);
  }
  ASSERT_TRUE(got) << "nothing arrived after joining";
  EXPECT_EQ(payload, "joined");
  EXPECT_EQ(from, ep("192.0.2.2:" + std::to_string(sender->port())));

  ASSERT_EQ(set(receiver, udp_set_membership{group, "192.0.2.1", false}), "");
  ASSERT_TRUE(sender->send_to("after leave", group.c_str(), port));
  next_from(receiver, milliseconds(500), got);
  EXPECT_FALSE(got) << "a datagram arrived after leaving the group";

  // Joining again works: the silence above was the leave, not a dead link.
  ASSERT_EQ(set(receiver, udp_set_membership{group, "192.0.2.1", true}), "");
  for (int i = 0; i < 20 && !got; ++i) {
    ASSERT_TRUE(sender->send_to("again", group.c_str(), port));
    payload = next_from(receiver, milliseconds(100), got);
  }
  EXPECT_TRUE(got);
  EXPECT_EQ(payload, "again");
}

TEST_F(udp_multicast_test, multicast_loop_decides_whether_this_host_hears_itself_on_a_veth) {
  const std::string group = "239.1.2.4";
  auto local_receiver = open(group + ":0", true);
  auto port = last_bound.port();
  ASSERT_EQ(set(local_receiver, udp_set_membership{group, "192.0.2.1", true}), "");
  auto remote = in_namespace_b([&] {
    auto s = std::make_shared<posix_udp>(AF_INET, group.c_str(), port, true);
    add_membership(s->fd(), group.c_str(), "192.0.2.2");
    return s;
  });
  auto sender = open("192.0.2.1:0");
  ASSERT_EQ(set(sender, udp_set_multicast_interface{"192.0.2.1"}), "");
  ASSERT_EQ(set(sender, udp_set_multicast_ttl{3}), "");
  auto to = group + ":" + std::to_string(port);

  ASSERT_EQ(set(sender, udp_set_multicast_loop{true}), "");
  ASSERT_EQ(send(sender, to, "looped"), "");
  auto there = remote->receive(2000);
  ASSERT_TRUE(there) << "namespace B got nothing";
  EXPECT_EQ(there->bytes, "looped");
  EXPECT_EQ(there->ttl, 3) << "the multicast TTL set";
  EXPECT_EQ(there->sender, last_bound.to_string());
  bool got = false;
  EXPECT_EQ(next_from(local_receiver, milliseconds(2000), got), "looped");
  EXPECT_TRUE(got) << "loop on, yet this host did not hear itself";

  ASSERT_EQ(set(sender, udp_set_multicast_loop{false}), "");
  ASSERT_EQ(send(sender, to, "not looped"), "");
  there = remote->receive(2000);
  ASSERT_TRUE(there) << "namespace B got nothing: the datagram was not sent";
  EXPECT_EQ(there->bytes, "not looped");
  next_from(local_receiver, milliseconds(500), got);
  EXPECT_FALSE(got) << "loop off, yet this host heard itself";
}

TEST_F(udp_multicast_test, joining_without_an_interface_or_a_route_is_enodev) {
  // Namespace A has no route to 224.0.0.0/4 (nor a default route).
  auto sock = open("0.0.0.0:0");
  EXPECT_EQ(set(sock, udp_set_membership{"239.1.2.5", "", true}), "ENODEV");
  EXPECT_EQ(set(sock, udp_set_membership{"239.1.2.5", "192.0.2.1", true}), "");
  EXPECT_EQ(set(sock, udp_set_membership{"239.1.2.5", "192.0.2.1", true}),
            "EADDRINUSE") << "joining twice";
  EXPECT_EQ(set(sock, udp_set_membership{"239.1.2.5", "198.51.100.1", true}),
            "ENODEV") << "no interface has that address";
}

TEST_F(udp_multicast_test, sending_to_a_group_without_an_interface_or_a_route_is_enetunreach) {
  auto sock = open("0.0.0.0:0");
  EXPECT_EQ(send(sock, "239.1.2.6:9", "x"), "ENETUNREACH");
  ASSERT_EQ(set(sock, udp_set_multicast_interface{"192.0.2.1"}), "");
  EXPECT_EQ(send(sock, "239.1.2.6:9", "x"), "");
}

}  // namespace
}  // namespace netactors
