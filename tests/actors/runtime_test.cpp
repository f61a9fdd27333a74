// netactors::runtime torn down for real (loop threads, libuv, the lookup
// workers): with service actors whose handles were dropped without an exit
// message, with a refused dns_connect, and with every kind of actor alive
// and busy (a listener, connections with traffic in both directions, a
// resolver with lookups in flight, a UDP socket receiving) ended by
// shutdown(deadline). Each test passes by finishing: a teardown that hangs
// is Bazel's timeout. Run it under ASan too (teardown order is about
// lifetimes). Sockets on 127.0.0.1 only; lookups only of numeric hosts.
#include "actors/core/runtime.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <caf/all.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "actors/dns/dns_connect.hpp"
#include "actors/echo/echo.hpp"
#include "actors/messages/messages.hpp"
#include "actors/messages/net_error.hpp"
#include "actors/dns/resolver.hpp"
#include "actors/tcp/tcp_listener.hpp"
#include "actors/udp/uv_udp_io.hpp"
#include "net/dns/resolver.hpp"
#include "net/tcp/tcp_listener.hpp"
#include "tests/resolver/lookup_worker_blocker.hpp"

namespace netactors {
namespace {

using namespace std::chrono_literals;

// The only lookup worker (see main()), held so that lookups stay in flight.
using worker_blocker = test_support::lookup_worker_blocker;

caf::actor_system_config& quiet(caf::actor_system_config& cfg) {
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  return cfg;
}

dns_lookup numeric(const std::string& host) {
  dns_lookup q;
  q.host = host;
  q.service = "80";
  q.numeric_host = true;
  return q;
}

// Asks `res` for `n` lookups and keeps waiting for the answers.
caf::behavior asker(caf::event_based_actor* self, resolver_actor res, int n) {
  for (int i = 0; i < n; ++i)
    self->request(res, caf::infinite, numeric("192.0.2." + std::to_string(i)))
        .then([](dns_addresses&) {}, [](caf::error&) {});
  return {[](const std::string&) {}};
}

dns_stats stats_of(caf::actor_system& sys, const resolver_actor& res) {
  dns_stats out;
  caf::scoped_actor self{sys};
  self->request(res, 10s, dns_get_stats{})
      .receive([&](dns_stats& s) { out = s; },
               [&](caf::error& err) {
                 ADD_FAILURE() << "dns_get_stats: " << sys.render(err);
               });
  return out;
}

// Waits (the stats are the event) until `res` has `n` lookups in flight.
bool in_flight(caf::actor_system& sys, const resolver_actor& res, uint64_t n) {
  for (int i = 0; i < 2000; ++i) {
    if (stats_of(sys, res).in_flight == n) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

TEST(runtime, registers_the_message_types_itself_and_twice_is_harmless) {
  caf::actor_system_config cfg;
  add_message_types(cfg);  // as apps written before did
  {
    runtime rt{quiet(cfg)};
    EXPECT_EQ(cfg.type_names_by_rtti.count(typeid(dns_lookup)), 1u);
    EXPECT_EQ(cfg.type_names_by_rtti.at(typeid(dns_lookup)), "dns_lookup");
    // Errors of the "uv" category render by name.
    auto err = make_caf_error(net_error::of(UV_EINVAL, "x"));
    EXPECT_NE(rt.system().render(err).find("EINVAL"), std::string::npos);
  }
  caf::actor_system_config fresh;
  runtime rt{quiet(fresh)};
  EXPECT_EQ(fresh.type_names_by_rtti.count(typeid(tcp_write)), 1u);
}

TEST(runtime, loads_the_middleman_when_asked) {
  caf::actor_system_config cfg;
  runtime_options options;
  options.middleman = true;
  runtime rt{quiet(cfg), options};
  EXPECT_TRUE(rt.system().has_middleman());
  caf::actor_system_config plain;
  runtime without{quiet(plain)};
  EXPECT_FALSE(without.system().has_middleman());
}

TEST(runtime, tears_down_after_a_resolver_handle_is_dropped_with_lookups) {
  caf::actor_system_config cfg;
  auto rt = std::make_unique<runtime>(quiet(cfg));
  worker_blocker blocker;
  {
    auto res = spawn_resolver(*rt);
    auto requester = rt->loop_at(0).spawn(asker, res, 3);
    ASSERT_TRUE(in_flight(rt->system(), res, 3));
    // The requester ends (it would also end with its last handle); the
    // resolver's handle is dropped without an exit message.
    caf::anon_send_exit(requester, caf::exit_reason::user_shutdown);
  }
  rt.reset();
}

TEST(runtime, tears_down_after_a_dns_connect_handle_is_dropped) {
  caf::actor_system_config cfg;
  auto rt = std::make_unique<runtime>(quiet(cfg));
  {
    auto res = spawn_resolver(*rt);
    auto dc = spawn_dns_connect(*rt, {}, res);
    caf::scoped_actor self{rt->system()};
    self->monitor(dc);
  }
  rt.reset();
}

TEST(runtime, a_dns_connect_to_an_empty_host_is_refused_and_tears_down) {
  caf::actor_system_config cfg;
  auto rt = std::make_unique<runtime>(quiet(cfg));
  {
    caf::scoped_actor self{rt->system()};
    auto res = spawn_resolver(*rt);
    auto dc = spawn_dns_connect(*rt, {}, res);
    self->monitor(dc);
    std::string error;
    self->request(dc, 10s, dns_connect_to{"", 80})
        .receive([&](tcp_connection_actor&, dns_connect_report&) { error = "none"; },
                 [&](caf::error& err) { error = error_name(err); });
    EXPECT_EQ(error, "EINVAL");
    // It ended after its answer, though this test still holds its handle.
    bool down = false;
    self->receive([&](caf::down_msg& dm) { down = dm.source == dc.address(); });
    EXPECT_TRUE(down);
    caf::anon_send_exit(res, caf::exit_reason::user_shutdown);
  }
  rt.reset();
}

TEST(runtime, a_resolver_ends_with_the_actor_that_spawned_it) {
  caf::actor_system_config cfg;
  auto rt = std::make_unique<runtime>(quiet(cfg));
  {
    caf::scoped_actor self{rt->system()};
    auto* r = rt.get();
    auto spawner = rt->loop_at(0).spawn(
        [r](caf::event_based_actor* s, int) -> caf::behavior {
          return {[r, s](const std::string&) {
            return spawn_resolver(*r, caf::actor_cast<caf::actor>(s));
          }};
        },
        0);
    resolver_actor res;
    self->request(spawner, 10s, std::string{"spawn"})
        .receive([&](resolver_actor& a) { res = a; },
                 [&](caf::error& err) { FAIL() << rt->system().render(err); });
    ASSERT_TRUE(res);
    self->monitor(res);
    caf::anon_send_exit(spawner, caf::exit_reason::user_shutdown);
    bool down = false;
    self->receive(
        [&](caf::down_msg& dm) { down = dm.source == res.address(); });
    EXPECT_TRUE(down);
  }
  rt.reset();
}

TEST(runtime, a_resolver_spawned_to_live_on_its_own_outlives_its_spawner) {
  caf::actor_system_config cfg;
  auto rt = std::make_unique<runtime>(quiet(cfg));
  {
    caf::scoped_actor self{rt->system()};
    auto spawner = rt->loop_at(0).spawn(
        [](caf::event_based_actor*, int) -> caf::behavior {
          return {[](const std::string&) {}};
        },
        0);
    auto res = spawn_resolver(*rt, spawner, service_life::own);
    self->monitor(spawner);
    caf::anon_send_exit(spawner, caf::exit_reason::user_shutdown);
    self->receive([](caf::down_msg&) {});
    // Still answering after its spawner ended.
    std::string got;
    self->request(res, 10s, numeric("192.0.2.1"))
        .receive(
            [&](dns_addresses& a) {
              got = a.addresses.at(0).address.to_string();
            },
            [&](caf::error& err) { got = error_name(err); });
    EXPECT_EQ(got, "192.0.2.1:80");
    caf::anon_send_exit(res, caf::exit_reason::user_shutdown);
  }
  rt.reset();
}

// A listening socket nobody closes, whose observer (like the listener
// actor's accept bridge) uses its loop_context when it closes.
class context_user final : public net::tcp_listener::observer {
 public:
  context_user(loop_context* ctx, std::shared_ptr<std::atomic<int>> seen)
      : ctx_(ctx), seen_(std::move(seen)) {}
  void on_accept(net::result<net::tcp_stream*>) override {}
  void on_closing() override {
    // The context and its actor system must still exist here.
    *seen_ = static_cast<int>(ctx_->live_actors().size()) +
             (ctx_->system().render(caf::error{}).empty() ? 0 : 1);
  }

 private:
  loop_context* ctx_;
  std::shared_ptr<std::atomic<int>> seen_;
};

TEST(runtime, handles_left_open_close_while_contexts_and_system_exist) {
  caf::actor_system_config cfg;
  auto rt = std::make_unique<runtime>(quiet(cfg));
  auto* ctx = &rt->loop_at(0);
  auto seen = std::make_shared<std::atomic<int>>(-1);
  std::promise<bool> created;
  ctx->loop().post([&](net::loop& l) {
    auto listener = net::tcp_listener::create(
        l, *net::endpoint::parse("127.0.0.1:0"), {},
        std::make_unique<context_user>(ctx, seen));
    created.set_value(static_cast<bool>(listener));
  });
  ASSERT_TRUE(created.get_future().get());
  // Only the loop's stop closes it: after every actor ended, before the
  // contexts and the actor system go (runtime.hpp, steps 2 and 3).
  rt.reset();
  EXPECT_GE(seen->load(), 0);
}

// -- everything alive at once -----------------------------------------------

struct traffic {
  std::atomic<uint64_t> echoed{0};
  std::promise<void> flowing;  // set once 64 KiB came back
  std::atomic<bool> told{false};
};

// Owns a client connection: writes 4 KiB per echo it gets back, for ever.
caf::behavior chatter(caf::event_based_actor* self,
                      std::shared_ptr<traffic> t) {
  auto chunk = std::string(4096, 'x');
  return {
      [self, chunk](tcp_connection_opened&) {
        auto conn = caf::actor_cast<tcp_connection_actor>(self->current_sender());
        self->send(conn, tcp_write{net::byte_buffer::copy_of(chunk)});
      },
      [self, chunk, t](tcp_received& ev) {
        t->echoed += ev.data.size();
        if (t->echoed >= 64 * 1024 && !t->told.exchange(true))
          t->flowing.set_value();
        auto conn = caf::actor_cast<tcp_connection_actor>(self->current_sender());
        self->send(conn, tcp_write{net::byte_buffer::copy_of(chunk)});
      },
      [](tcp_backpressure&) {},
      [](tcp_read_closed&) {},
      [](tcp_connection_closed&) {},
  };
}

// Owns a UDP socket: counts what it receives.
caf::behavior udp_owner(caf::event_based_actor*,
                        std::shared_ptr<std::atomic<int>> got) {
  return {
      [got](udp_received&) { ++*got; },
      [](const caf::message&) {},
  };
}

TEST(runtime, shutdown_ends_every_kind_of_actor_busy_and_tears_down) {
  caf::actor_system_config cfg;
  auto rt = std::make_unique<runtime>(quiet(cfg), 2);
  worker_blocker blocker;
  auto t = std::make_shared<traffic>();
  {
    caf::scoped_actor self{rt->system()};
    // A listener whose connections each get an echo handler of their own.
    tcp_connection_handler handler;
    handler.factory = [](loop_context& ctx) {
      return ctx.spawn(echo_handler, caf::actor{});
    };
    auto listener = spawn_tcp_listener(*rt, handler);
    net::endpoint address;
    self->request(listener, 10s,
                  tcp_listen{*net::endpoint::parse("127.0.0.1:0"), 16, false})
        .receive([&](tcp_listening& ok) { address = ok.address; },
                 [&](caf::error& err) { FAIL() << rt->system().render(err); });
    // Two clients keeping their connections busy.
    for (int i = 0; i < 2; ++i) {
      auto owner = rt->loop_at(i).spawn(chatter, t);
      auto conn = spawn_tcp_connection(*rt, owner);
      self->request(conn, 10s, tcp_connect{address, 0})
          .receive(
              [](tcp_connection_opened&) {},
              [&](caf::error& err) { FAIL() << rt->system().render(err); });
    }
    ASSERT_EQ(t->flowing.get_future().wait_for(30s), std::future_status::ready);
    // A resolver with lookups in flight (queued behind the blocker).
    auto res = spawn_resolver(*rt);
    rt->loop_at(1).spawn(asker, res, 4);
    ASSERT_TRUE(in_flight(rt->system(), res, 4));
    // A UDP socket receiving what it sends itself.
    auto got = std::make_shared<std::atomic<int>>(0);
    auto udp_owner_actor = rt->loop_at(0).spawn(udp_owner, got);
    auto udp = spawn_udp_socket(rt->loop_at(1), udp_owner_actor);
    net::endpoint udp_address;
    udp_bind bind;
    bind.address = *net::endpoint::parse("127.0.0.1:0");
    self->request(udp, 10s, bind)
        .receive([&](udp_bound& b) { udp_address = b.address; },
                 [&](caf::error& err) { FAIL() << rt->system().render(err); });
    self->send(udp, udp_send{udp_address, net::byte_buffer::copy_of("ping")});

    // Everything above is alive and busy. The deadline is generous: it is a
    // bound on a hang, not a timing claim.
    EXPECT_TRUE(rt->shutdown(std::chrono::steady_clock::now() + 60s));
  }
  rt.reset();
  EXPECT_GT(t->echoed.load(), 0u);
}

}  // namespace
}  // namespace netactors

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  net::lookup_workers::configure(1);
  return RUN_ALL_TESTS();
}
