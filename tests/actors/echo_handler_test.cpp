// netactors::echo_handler under CAF's deterministic scheduler. A probe plays
// the connection actor: it sends the handler the connection's events and
// records what the handler sends back.
#include "actors/echo/echo.hpp"

#include <caf/all.hpp>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <uv.h>

#include <memory>
#include <string>
#include <vector>

#include "actors/messages/messages.hpp"
#include "tests/actors/actor_test_fixture.hpp"

namespace netactors {
namespace {

using testing::actor_test;
using testing::probe_log;
using strings = std::vector<std::string>;

class echo_handler_test : public actor_test {
 protected:
  void start(caf::actor log = {}) {
    handler = spawn(echo_handler, std::move(log));
    run();
  }

  std::shared_ptr<probe_log> conn_log = std::make_shared<probe_log>();
  caf::actor conn = spawn_probe(conn_log);  // plays the connection actor
  caf::actor handler;
};

TEST_F(echo_handler_test, writes_received_bytes_back_to_the_connection_they_came_from) {
  start();
  const std::string bytes{"\x00\xff echo \x80", 9};
  caf::send_as(conn, handler,
               tcp_received{7, net::byte_buffer::copy_of(bytes)});
  run();
  ASSERT_EQ(conn_log->types(), strings{"tcp_write"});
  EXPECT_EQ(conn_log->messages[0].sender, handler.address());
  EXPECT_FALSE(conn_log->messages[0].request);
  EXPECT_EQ(conn_log->messages[0].as<tcp_write>().data.view(), bytes);
}

TEST_F(echo_handler_test, answers_each_connection_on_its_own) {
  start();
  auto other_log = std::make_shared<probe_log>();
  auto other = spawn_probe(other_log);
  caf::send_as(conn, handler, tcp_received{7, net::byte_buffer::copy_of("one")});
  caf::send_as(other, handler, tcp_received{8, net::byte_buffer::copy_of("two")});
  run();
  ASSERT_EQ(conn_log->all<tcp_write>().size(), 1u);
  ASSERT_EQ(other_log->all<tcp_write>().size(), 1u);
  EXPECT_EQ(conn_log->all<tcp_write>()[0].data.view(), "one");
  EXPECT_EQ(other_log->all<tcp_write>()[0].data.view(), "two");
}

TEST_F(echo_handler_test, stops_reading_above_high_water_and_resumes_below_low_water) {
  start();
  caf::send_as(conn, handler, tcp_backpressure{7, 2000, true});
  run();
  auto paused = conn_log->all<tcp_set_reading>();
  ASSERT_EQ(paused.size(), 1u);
  EXPECT_FALSE(paused[0].enable);

  caf::send_as(conn, handler, tcp_backpressure{7, 10, false});
  run();
  auto both = conn_log->all<tcp_set_reading>();
  ASSERT_EQ(both.size(), 2u);
  EXPECT_TRUE(both[1].enable);
}

TEST_F(echo_handler_test, acknowledges_the_peers_half_close) {
  start();
  auto ack = request<void>(handler, tcp_read_closed{7, net_error::of(UV_EOF)});
  run();
  ASSERT_TRUE(ack->answered);
  EXPECT_TRUE(ack->value) << caf::to_string(ack->error);
}

TEST_F(echo_handler_test,
       shuts_a_half_open_connection_down_behind_its_echoes_at_the_peers_fin) {
  start();
  // From a half-open connection tcp_read_closed is a plain message.
  caf::send_as(conn, handler, tcp_received{7, net::byte_buffer::copy_of("last")});
  caf::send_as(conn, handler, tcp_read_closed{7, net_error::of(UV_EOF)});
  run();
  ASSERT_EQ(conn_log->types(), (strings{"tcp_write", "tcp_shutdown"}));
  EXPECT_FALSE(conn_log->messages[1].request);
}

TEST_F(echo_handler_test, logs_one_json_line_per_connection_event) {
  auto log_log = std::make_shared<probe_log>();
  start(spawn_probe(log_log));
  auto ep = *net::endpoint::parse("[::1]:7000");
  caf::send_as(conn, handler, tcp_connection_opened{7, ep, ep});
  caf::send_as(conn, handler, tcp_backpressure{7, 2000, true});
  caf::send_as(conn, handler, tcp_connection_closed{7, net_error::of(UV_ECONNRESET)});
  run();
  strings events;
  for (auto& m : log_log->messages) {
    ASSERT_TRUE(m.is<std::string>());
    auto j = nlohmann::json::parse(m.as<std::string>());
    EXPECT_EQ(j["id"], 7);
    events.push_back(j["event"].get<std::string>());
  }
  EXPECT_EQ(events, (strings{"connected", "paused", "closed"}));
}

}  // namespace
}  // namespace netactors
