// The netnode gateway's method table (actors/gateway/gateway_methods.hpp):
// what the params of each method the gateway handles itself decode to, and
// how a bad one is named. The gateway's behaviour is tests/netnode's.
#include "actors/gateway/gateway_methods.hpp"

#include <caf/all.hpp>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>

#include "actors/messages/messages.hpp"

namespace netactors {
namespace {

using nlohmann::json;
namespace rpc = jsonrpc;

const rpc::method_table& table() {
  static const rpc::method_table t = gateway::gateway_methods();
  return t;
}

rpc::call call_of(const std::string& method, const std::string& params) {
  auto p = rpc::parse_line(R"({"jsonrpc":"2.0","id":1,"method":")" + method +
                               R"(","params":)" + params + "}",
                           table());
  EXPECT_EQ(p.calls.size(), 1u);
  return p.calls.empty() ? rpc::call{} : p.calls.front();
}

// The field a -32602 answer blames ("" when none or not -32602).
std::string blamed(const rpc::call& c) {
  if (c.error_code != rpc::invalid_params) return "not -32602: " + c.error_message;
  auto j = json::parse(c.response);
  auto data = j["error"].find("data");
  return data == j["error"].end() ? "" : (*data)["field"].get<std::string>();
}

TEST(gateway_methods, are_the_request_messages_plus_cancel_stats_and_dhcp_discover) {
  auto names = rpc::method_table::requests().names();
  names.insert(names.end(), {"cancel", "dhcp_discover", "stats"});
  std::sort(names.begin(), names.end());
  EXPECT_EQ(table().names(), names);
}

TEST(gateway_methods, relayed_tcp_write_names_its_connection_by_request_id) {
  auto c = call_of("tcp_write", R"({"request":"conn-1","data":"aGk="})");
  ASSERT_TRUE(c.ok()) << c.error_message;
  ASSERT_TRUE((c.message.match_elements<std::string, tcp_write>()));
  EXPECT_EQ(c.message.get_as<std::string>(0), "\"conn-1\"");
  EXPECT_EQ(c.message.get_as<tcp_write>(1).data.view(), "hi");
  // Ids keep their JSON type: 7 and "7" are different requests.
  EXPECT_EQ(call_of("tcp_write", R"({"request":7})").message.get_as<std::string>(0), "7");
  EXPECT_EQ(call_of("tcp_write", R"({"request":null})").message.get_as<std::string>(0),
            "null");
}

TEST(gateway_methods, relayed_requests_without_a_usable_request_are_invalid_params) {
  EXPECT_EQ(blamed(call_of("tcp_write", R"({"data":"aGk="})")), "request");
  EXPECT_EQ(blamed(call_of("tcp_write", R"({"request":true,"data":"aGk="})")), "request");
  EXPECT_EQ(blamed(call_of("tcp_write", R"({"request":1,"data":"not base64!"})")), "data");
  EXPECT_EQ(blamed(call_of("tcp_write", R"({"request":1,"dat":"aGk="})")), "dat");
  EXPECT_EQ(blamed(call_of("tcp_close", R"({})")), "request");
  EXPECT_EQ(blamed(call_of("tcp_close", R"({"request":1,"now":true})")), "now");
  EXPECT_EQ(blamed(call_of("tcp_shutdown", R"({"request":[1]})")), "request");
}

TEST(gateway_methods, relayed_close_and_shutdown_carry_their_message) {
  auto close = call_of("tcp_close", R"({"request":"a"})");
  ASSERT_TRUE(close.ok()) << close.error_message;
  EXPECT_TRUE((close.message.match_elements<std::string, tcp_close>()));
  auto shutdown = call_of("tcp_shutdown", R"({"request":"a"})");
  ASSERT_TRUE(shutdown.ok()) << shutdown.error_message;
  EXPECT_TRUE((shutdown.message.match_elements<std::string, tcp_shutdown>()));
}

TEST(gateway_methods, dns_connect_to_keeps_the_codec_decoder) {
  auto c = call_of("dns_connect_to", R"({"host":"server.test","port":80})");
  ASSERT_TRUE(c.ok()) << c.error_message;
  EXPECT_EQ(c.message.get_as<dns_connect_to>(0).host, "server.test");
  EXPECT_EQ(c.message.get_as<dns_connect_to>(0).attempt_delay_ms, 250u);
  EXPECT_EQ(blamed(call_of("dns_connect_to", R"({"host":"a","request":1})")), "request");
}

TEST(gateway_methods, cancel_takes_only_a_request_id) {
  auto c = call_of("cancel", R"({"request":12})");
  ASSERT_TRUE(c.ok()) << c.error_message;
  EXPECT_EQ(c.message.get_as<std::string>(0), "12");
  EXPECT_EQ(blamed(call_of("cancel", R"({})")), "request");
  EXPECT_EQ(blamed(call_of("cancel", R"({"request":1,"also":2})")), "also");
}

TEST(gateway_methods, stats_takes_no_params) {
  EXPECT_TRUE(call_of("stats", R"({})").ok());
  EXPECT_EQ(blamed(call_of("stats", R"({"loops":true})")), "loops");
}

TEST(gateway_methods, dhcp_discover_has_defaults_and_bounds) {
  auto c = call_of("dhcp_discover", R"({"interface":"eth0"})");
  ASSERT_TRUE(c.ok()) << c.error_message;
  EXPECT_TRUE((c.message.match_elements<std::string, uint32_t, bool>()));
  EXPECT_EQ(c.message.get_as<uint32_t>(1), 10000u);
  EXPECT_FALSE(c.message.get_as<bool>(2));
  EXPECT_EQ(blamed(call_of("dhcp_discover", R"({})")), "interface");
  EXPECT_EQ(blamed(call_of("dhcp_discover", R"({"interface":"e","timeout":0})")), "timeout");
  EXPECT_EQ(blamed(call_of("dhcp_discover", R"({"interface":"e","timeout":600001})")),
            "timeout");
  EXPECT_EQ(blamed(call_of("dhcp_discover", R"({"interface":"e","request":1})")), "request");
}

}  // namespace
}  // namespace netactors
