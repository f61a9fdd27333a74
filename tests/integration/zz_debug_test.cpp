#include <gtest/gtest.h>
#include <caf/all.hpp>
#include <caf/logger.hpp>
#include <future>
#include <thread>
#include "actors/echo.hpp"
#include "actors/messages.hpp"
#include "actors/net_error.hpp"
#include "actors/runtime.hpp"
#include "actors/tcp_listener.hpp"
#include "tests/integration/posix_client.hpp"
using namespace netactors;
using namespace integration;
using namespace std::chrono_literals;

static void run(int mode) {
  caf::actor_system_config cfg;
  add_message_types(cfg);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  auto rt = std::make_unique<runtime>(cfg, 1);
  auto& sys = rt->system();
  auto h = rt->loop_at(0).spawn(echo_handler, caf::actor{});
  tcp_connection_handler handler; handler.actor = h;
  auto lis = spawn_tcp_listener(*rt, handler);
  net::endpoint ep;
  {
    caf::scoped_actor self{sys};
    self->request(lis, 5s, tcp_listen{*net::endpoint::parse("127.0.0.1:0")}).receive(
      [&](tcp_listening& ok) { ep = ok.address; }, [&](caf::error&) {});
  }
  {
    std::string err;
    auto fd = connect_tcp(ep.sockaddr_ptr(), ep.sockaddr_len(), &err);
    auto r = exchange(fd.get(), "hello", 5, true, test_clock::now() + 5s);
  }
  caf::anon_send_exit(lis, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
  lis = nullptr; h = nullptr;
  std::this_thread::sleep_for(300ms);
  std::fprintf(stderr, "refs before: %zu\n", sys.logger().get_reference_count());
  {
    std::promise<size_t> p;
    rt->loop_at(0).loop().post([&](net::loop&) { p.set_value(caf::logger::current_logger() ? 1 : 0); });
    std::fprintf(stderr, "loop thread has logger: %zu\n", p.get_future().get());
  }
  if (mode & 1) {
    std::promise<void> p;
    rt->loop_at(0).loop().post([&](net::loop&) { caf::logger::set_current_actor_system(nullptr); p.set_value(); });
    p.get_future().wait();
  }
  if (mode & 2) caf::logger::set_current_actor_system(nullptr);
  auto f = std::async(std::launch::async, [&] { if (mode & 4) rt.reset(); });
  if (!(mode & 4)) {
    std::thread watchdog([]{ std::this_thread::sleep_for(3s); std::fprintf(stderr, "mode %d: HANG\n", 0); std::_Exit(3); });
    watchdog.detach();
    rt.reset();
    std::fprintf(stderr, "mode %d: ok\n", mode);
    return;
  }
  if (f.wait_for(3s) != std::future_status::ready) { std::fprintf(stderr, "mode %d: HANG\n", mode); std::_Exit(3); }
  std::fprintf(stderr, "mode %d: ok\n", mode);
}
TEST(dbg, m) { run(atoi(getenv("MODE"))); }
