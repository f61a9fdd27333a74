// The netnode JSON-RPC 2.0 codec (actors/gateway/jsonrpc.hpp), as a specification:
// what a client's line becomes (a call, a batch, or an error answer), how
// params get their defaults and how a bad field is named, how ids are
// echoed, what results, failures and events look like on the wire, and the
// examples of the JSON-RPC 2.0 specification (section 7) with our methods.
// A small "gateway" below (answer_line) performs decoded calls with canned
// replies, so that whole exchanges read as in the specification.
#include "actors/gateway/jsonrpc.hpp"

#include <caf/all.hpp>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <uv.h>

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "actors/messages/messages.hpp"
#include "actors/messages/net_error.hpp"
#include "actors/gateway/jsonrpc_methods.hpp"
#include "net/core/line_framer.hpp"
#include "tests/actors/message_table.hpp"

namespace netactors {

// A parameter struct of an extra method, decoded with the same defaults rule.
struct test_stats_params {
  bool reset = false;
  uint32_t top = 10;
};
NETACTORS_MESSAGE(test_stats_params, reset, top)

namespace {

using nlohmann::json;
namespace rpc = jsonrpc;

// -- helpers ----------------------------------------------------------------

// Every output must be one line of valid UTF-8 JSON: parse it strictly.
json wire(const std::string& line) {
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_EQ(line.find('\r'), std::string::npos) << line;
  try {
    return json::parse(line);
  } catch (const json::exception& e) {
    ADD_FAILURE() << "not JSON (" << e.what() << "): " << line;
    return json{};
  }
}

json envelope_of(const caf::message& msg) {
  auto j = message_to_json(msg);
  EXPECT_TRUE(j) << caf::to_string(j.error());
  return j ? *j : json{};
}

// The single call of a line that is not a batch.
rpc::call only_call(const std::string& line,
                    const rpc::method_table& methods = rpc::method_table::requests()) {
  auto p = rpc::parse_line(line, methods);
  EXPECT_FALSE(p.batch) << line;
  EXPECT_EQ(p.response, "") << line;
  EXPECT_EQ(p.calls.size(), 1u) << line;
  return p.calls.empty() ? rpc::call{} : p.calls.front();
}

// The error answer of a line whose single call failed.
json error_of(const std::string& line) {
  auto c = only_call(line);
  EXPECT_FALSE(c.ok()) << line;
  return wire(c.response);
}

// The canned behaviour of the services behind the gateway.
caf::expected<caf::message> perform(const caf::message& request) {
  caf::expected<caf::message> out{caf::message{}};
  if (request.match_elements<dns_lookup>()) {
    const auto& q = request.get_as<dns_lookup>(0);
    if (q.host == "nowhere.test")
      return make_caf_error(net_error::of(UV_EAI_NONAME, "lookup " + q.host));
    auto ep = net::endpoint::from_ip("192.0.2.7", 80);
    return caf::make_message(
        dns_addresses{q.host, {dns_address{*ep, "ipv4", "stream", 6}}, ""});
  }
  if (request.match_elements<dns_get_stats>())
    return caf::make_message(dns_stats{0, 3, 2, 1, 0, 0, 0, 0});
  if (request.match_elements<interfaces_query>())
    return caf::make_message(interface_report{
        {interface_info{"lo", 1, "00:00:00:00:00:00", true, true, true, {}}}});
  return caf::message{};  // the commands' "done"
}

// What the gateway sends back for a line ("" for nothing): ready errors,
// then each performed call's result or failure; a batch as one array.
std::string answer_line(const std::string& line) {
  auto p = rpc::parse_line(line);
  if (!p.response.empty()) return p.response;
  std::vector<std::string> responses;
  for (const auto& c : p.calls) {
    if (!c.ok()) {
      if (!c.response.empty()) responses.push_back(c.response);
      continue;
    }
    auto reply = perform(c.message);
    if (c.notification()) continue;
    responses.push_back(reply ? rpc::result_response(*c.id, *reply)
                              : rpc::failure_response(*c.id, reply.error()));
  }
  if (p.batch) return rpc::batch_response(responses);
  return responses.empty() ? "" : responses.front();
}

template <class T>
std::string name_of() {
  return message_type_name(static_cast<const T*>(nullptr));
}

// -- what is a method -------------------------------------------------------

// Everything in all_message_types that a client may NOT call: replies,
// events to owners, and the loop's internal notifications. With
// request_message_types it must cover all_message_types exactly once, so a
// new message type is classified before it ships.
using not_callable_types = caf::detail::type_list<
    // TCP replies and events (the loop's own events are sealed: not
    // registered, so not in all_message_types at all)
    tcp_listening, tcp_accept_failed, tcp_write_done, tcp_connection_info,
    tcp_connection_opened, tcp_received, tcp_backpressure, tcp_read_closed,
    tcp_connection_closed, tcp_write_refused,
    // echo
    echo_client_result,
    // UDP replies and events
    udp_bound, udp_send_done, udp_received, udp_send_failed,
    udp_receive_failed, udp_closed,
    // DHCP events
    dhcp_offer, dhcp_lease_reply, dhcp_discovery_done,
    // DNS replies
    dns_addresses, dns_name, dns_stats, dns_connect_report,
    // interfaces: replies and events
    interface_report, interfaces_changed, interfaces_watch_failed,
    // supervisor: requests answered with actor handles or meant for the
    // gateway's own "stats", and its replies and events
    supervisor_which, supervisor_stable_handle, supervisor_get_stats,
    supervisor_stats, supervisor_event,
    // node: answered with an actor handle, over the middleman only; the
    // jobs a node runs for other nodes; its peers, meant for the gateway's
    // own "stats"
    node_service_request, node_dns_connect, node_echo_client,
    node_dhcp_discover, node_get_peers, node_peers>;

// Every type in all_message_types as a row (tests/actors/message_table.hpp)
// with its classification, worked out per type at compile time.
struct method_case : testing::message_type_row {
  bool request = false;       ///< in rpc::request_message_types
  bool not_callable = false;  ///< in not_callable_types
};

template <class T>
method_case method_case_of() {
  return {testing::message_type_row_of<T>(),
          caf::detail::tl_contains<rpc::request_message_types, T>::value,
          caf::detail::tl_contains<not_callable_types, T>::value};
}

template <class... Ts>
std::vector<method_case> method_cases(caf::detail::type_list<Ts...>) {
  return {method_case_of<Ts>()...};
}

class every_message_type : public ::testing::TestWithParam<method_case> {};
INSTANTIATE_TEST_SUITE_P(all, every_message_type,
                         ::testing::ValuesIn(method_cases(all_message_types{})),
                         testing::row_name{});

TEST_P(every_message_type, is_a_method_exactly_when_it_is_a_request) {
  auto& t = GetParam();
  ASSERT_NE(t.request, t.not_callable)
      << t.name
      << (t.request ? " is listed as both a request and not callable"
                    : " is not classified: add it to request_message_types "
                      "(actors/gateway/jsonrpc_methods.hpp) or to not_callable_types");
  auto c = only_call(R"({"jsonrpc":"2.0","id":1,"method":")" + t.name + R"("})");
  if (t.request) {
    EXPECT_TRUE(c.ok()) << c.error_message;
    EXPECT_TRUE(testing::holds_one(c.message, t));
  } else {
    EXPECT_EQ(c.error_code, rpc::method_not_found);
    EXPECT_EQ(wire(c.response)["error"]["message"],
              "Method not found: \"" + t.name + "\"");
  }
}

template <class... Ts>
std::vector<std::string> names_of(caf::detail::type_list<Ts...>) {
  return {name_of<Ts>()...};
}

TEST(method_table, holds_exactly_the_request_messages) {
  auto expected = names_of(rpc::request_message_types{});
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(rpc::method_table::requests().names(), expected);
  EXPECT_EQ(expected.size(), 29u);
}

// Every request type as a row with its default value.
struct request_case : testing::message_type_row {
  caf::message default_value;  ///< T{}
};

template <class T>
request_case request_case_of() {
  return {testing::message_type_row_of<T>(), caf::make_message(T{})};
}

template <class... Ts>
std::vector<request_case> request_cases(caf::detail::type_list<Ts...>) {
  return {request_case_of<Ts>()...};
}

class every_request_type : public ::testing::TestWithParam<request_case> {};
INSTANTIATE_TEST_SUITE_P(all, every_request_type,
                         ::testing::ValuesIn(request_cases(rpc::request_message_types{})),
                         testing::row_name{});

TEST_P(every_request_type, omitted_params_are_the_defaults) {
  auto& t = GetParam();
  auto defaults = envelope_of(t.default_value);
  for (const std::string params : {"", R"(,"params":{})"}) {
    auto c = only_call(R"({"jsonrpc":"2.0","id":7,"method":")" + t.name + "\"" +
                       params + "}");
    ASSERT_TRUE(c.ok()) << c.error_message;
    ASSERT_TRUE(testing::holds_one(c.message, t));
    EXPECT_EQ(envelope_of(c.message), defaults);
  }
}

TEST_P(every_request_type, params_are_exactly_the_envelope_data) {
  // The whole data of a message, as message_to_json writes it, is params.
  auto envelope = envelope_of(GetParam().default_value);
  json request = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", envelope["type"]},
                  {"params", envelope["data"]}};
  auto c = only_call(request.dump());
  ASSERT_TRUE(c.ok()) << c.error_message;
  EXPECT_EQ(envelope_of(c.message), envelope);
}

// -- params: defaults, unknown fields, mistyped fields ----------------------

TEST(params, fill_every_omitted_field_with_its_default) {
  auto c = only_call(
      R"({"jsonrpc":"2.0","id":1,"method":"dns_lookup","params":{"host":"example.test","numeric_service":true}})");
  ASSERT_TRUE(c.ok()) << c.error_message;
  dns_lookup expected;
  expected.host = "example.test";
  expected.numeric_service = true;
  EXPECT_EQ(envelope_of(c.message), envelope_of(caf::make_message(expected)));
  auto& got = c.message.get_as<dns_lookup>(0);
  EXPECT_EQ(got.family, "any");
  EXPECT_EQ(got.socktype, "any");
  EXPECT_EQ(got.timeout_ms, 0u);
}

TEST(params, fill_defaults_inside_nested_objects_too) {
  // tcp_listen's address is an endpoint (default 0.0.0.0:0): a port alone
  // keeps the default address; backlog keeps 511.
  auto c = only_call(
      R"({"jsonrpc":"2.0","id":1,"method":"tcp_listen","params":{"address":{"port":7000}}})");
  ASSERT_TRUE(c.ok()) << c.error_message;
  const auto& got = c.message.get_as<tcp_listen>(0);
  EXPECT_EQ(got.address.to_string(), "0.0.0.0:7000");
  EXPECT_EQ(got.backlog, 511);
}

TEST(params, decode_bytes_and_endpoints_as_the_envelope_writes_them) {
  auto c = only_call(
      R"({"jsonrpc":"2.0","id":1,"method":"udp_send","params":{"to":{"address":"::1","port":53},"data":"aGVsbG8="}})");
  ASSERT_TRUE(c.ok()) << c.error_message;
  const auto& got = c.message.get_as<udp_send>(0);
  EXPECT_EQ(got.to.to_string(), "[::1]:53");
  EXPECT_EQ(got.data.to_string(), "hello");
}

// The -32602 answer to `method` with `params`: its message and data.field.
json bad_params(const std::string& method, const std::string& params) {
  auto c = only_call(R"({"jsonrpc":"2.0","id":"p","method":")" + method +
                     R"(","params":)" + params + "}");
  EXPECT_EQ(c.error_code, rpc::invalid_params) << c.error_message;
  auto answer = wire(c.response);
  EXPECT_EQ(answer["id"], "p");
  EXPECT_EQ(answer["error"]["code"], -32602);
  return answer["error"];
}

TEST(params, an_unknown_field_is_invalid_params_naming_it) {
  auto e = bad_params("dns_lookup", R"({"hots":"example.test"})");
  EXPECT_EQ(e["data"], json({{"field", "hots"}}));
  std::string message = e["message"];
  EXPECT_EQ(message.rfind("Invalid params: unknown field \"hots\" (known here: "
                          "addrconfig, canonical_name, family, host,", 0),
            0u)
      << message;
  // Inside a nested object the path is dotted.
  auto nested = bad_params("tcp_connect", R"({"peer":{"adress":"::1","port":1}})");
  EXPECT_EQ(nested["data"], json({{"field", "peer.adress"}}));
  EXPECT_EQ(nested["message"],
            "Invalid params: unknown field \"peer.adress\" (known here: "
            "address, port)");
  // A message without fields takes none.
  auto empty = bad_params("tcp_close", R"({"now":true})");
  EXPECT_EQ(empty["data"], json({{"field", "now"}}));
  EXPECT_EQ(empty["message"],
            "Invalid params: unknown field \"now\" (known here: none)");
}

TEST(params, a_mistyped_field_is_invalid_params_naming_it) {
  struct bad {
    std::string method, params, field, message;
  };
  const std::vector<bad> cases = {
      {"dns_lookup", R"({"host":5})", "host",
       "field \"host\": type must be string, but is number"},
      {"dns_lookup", R"({"host":null})", "host",
       "field \"host\": type must be string, but is null"},
      {"dns_connect_to", R"({"host":"a.test","port":"80"})", "port",
       "field \"port\": port must be a whole number"},
      {"dns_connect_to", R"({"port":70000})", "port",
       "field \"port\": port is out of range"},
      {"dns_lookup", R"({"timeout_ms":-1})", "timeout_ms",
       "field \"timeout_ms\": timeout_ms is out of range"},
      {"dns_lookup", R"({"timeout_ms":1.5})", "timeout_ms",
       "field \"timeout_ms\": timeout_ms must be a whole number"},
      {"dns_connect_to", R"({"host":"a.test","prefer_ipv6":"yes"})",
       "prefer_ipv6", "field \"prefer_ipv6\": prefer_ipv6 must be true or false"},
      {"tcp_write", R"({"data":"not base64!"})", "data",
       "field \"data\": bytes are not base64"},
      {"tcp_connect", R"({"peer":{"address":"::1","port":-1}})", "peer.port",
       "field \"peer.port\": port -1 is not 0..65535"},
      {"tcp_connect", R"({"peer":"[::1]:80"})", "peer",
       "field \"peer\": cannot use at() with string"},
  };
  for (const auto& b : cases) {
    auto e = bad_params(b.method, b.params);
    EXPECT_EQ(e["data"], json({{"field", b.field}})) << b.params;
    EXPECT_EQ(e["message"], "Invalid params: " + b.message) << b.params;
  }
  // With several fields given, the bad one is found (keys in sorted order;
  // the good ones do not hide it).
  auto e = bad_params("tcp_connect",
                      R"({"timeout_ms":5,"peer":{"address":"no.such","port":80}})");
  EXPECT_EQ(e["data"], json({{"field", "peer.address"}}));
  EXPECT_NE(e["message"].get<std::string>().find("EINVAL"), std::string::npos)
      << e["message"];
}

TEST(params, must_be_an_object) {
  // By-position arrays are a valid request the gateway cannot map: -32602.
  auto by_position = error_of(
      R"({"jsonrpc":"2.0","id":1,"method":"dns_lookup","params":["example.test","80"]})");
  EXPECT_EQ(by_position["error"]["code"], -32602);
  EXPECT_EQ(by_position["error"]["message"],
            "Invalid params: params must be an object of named fields "
            "(by-position arrays are not supported)");
  // A scalar is not a structured value: the request itself is invalid.
  for (std::string params : {"\"example.test\"", "42", "true", "null"}) {
    auto answer = error_of(
        R"({"jsonrpc":"2.0","id":1,"method":"dns_lookup","params":)" + params + "}");
    EXPECT_EQ(answer["error"]["code"], -32600) << params;
    EXPECT_EQ(answer["id"], 1) << params;
  }
}

// -- request objects --------------------------------------------------------

TEST(requests, must_be_jsonrpc_2_0_objects_with_a_method_string) {
  struct bad {
    std::string line, message;
  };
  const std::vector<bad> cases = {
      {R"({"id":1,"method":"dns_get_stats"})",
       "Invalid Request: \"jsonrpc\" must be \"2.0\""},
      {R"({"jsonrpc":"1.0","id":1,"method":"dns_get_stats"})",
       "Invalid Request: \"jsonrpc\" must be \"2.0\""},
      {R"({"jsonrpc":2.0,"id":1,"method":"dns_get_stats"})",
       "Invalid Request: \"jsonrpc\" must be \"2.0\""},
      {R"({"jsonrpc":"2.0","id":1})",
       "Invalid Request: \"method\" must be a string"},
      {R"({"jsonrpc":"2.0","id":1,"method":["dns_get_stats"]})",
       "Invalid Request: \"method\" must be a string"},
      {R"({"jsonrpc":"2.0","id":1,"method":"dns_lookup","parmas":{"host":"a.test"}})",
       "Invalid Request: unknown member \"parmas\" (a request has jsonrpc, "
       "method, params, id)"},
  };
  for (const auto& b : cases) {
    auto answer = error_of(b.line);
    EXPECT_EQ(answer["error"]["code"], -32600) << b.line;
    EXPECT_EQ(answer["error"]["message"], b.message) << b.line;
    EXPECT_EQ(answer["id"], 1) << "a readable id is echoed: " << b.line;
  }
}

TEST(requests, that_are_invalid_are_answered_even_without_an_id) {
  auto c = only_call(R"({"jsonrpc":"2.0","method":1})");
  EXPECT_EQ(c.error_code, rpc::invalid_request);
  ASSERT_TRUE(c.id);
  EXPECT_TRUE(c.id->is_null());
  EXPECT_EQ(wire(c.response)["id"], nullptr);
}

TEST(requests, of_unknown_methods_are_method_not_found) {
  auto answer = error_of(R"({"jsonrpc":"2.0","id":3,"method":"rpc.discover"})");
  EXPECT_EQ(answer, json::parse(R"({"jsonrpc":"2.0","id":3,"error":{
      "code":-32601,"message":"Method not found: \"rpc.discover\""}})"));
}

// -- ids --------------------------------------------------------------------

TEST(ids, of_every_kind_are_echoed_exactly) {
  // The id's text in the answer, for each id's text in the request.
  const std::vector<std::pair<std::string, std::string>> ids = {
      {R"("abc")", R"("abc")"},
      {R"("")", R"("")"},
      {R"("caf\u00e9 \"quoted\" \n")", "\"caf\xc3\xa9 \\\"quoted\\\" \\n\""},
      {"0", "0"},
      {"-7", "-7"},
      {"9223372036854775807", "9223372036854775807"},
      {"18446744073709551615", "18446744073709551615"},
      {"-9223372036854775808", "-9223372036854775808"},
      {"1.5", "1.5"},
      {"0.1", "0.1"},
      {"null", "null"},
  };
  for (const auto& [in, out] : ids) {
    for (const std::string method : {"dns_get_stats", "no_such_method"}) {
      auto line = R"({"jsonrpc":"2.0","id":)" + in + R"(,"method":")" + method + "\"}";
      auto answer = answer_line(line);
      EXPECT_EQ(answer.rfind(R"({"jsonrpc":"2.0","id":)" + out + ",", 0), 0u)
          << line << "\n -> " << answer;
    }
  }
}

TEST(ids, that_are_not_string_number_or_null_make_an_invalid_request) {
  for (std::string id : {"true", "{}", R"({"n":1})", "[1]"}) {
    auto answer = error_of(R"({"jsonrpc":"2.0","id":)" + id +
                           R"(,"method":"dns_get_stats"})");
    EXPECT_EQ(answer["error"]["code"], -32600) << id;
    EXPECT_EQ(answer["id"], nullptr) << id;
  }
}

TEST(ids, absent_make_a_notification_that_is_never_answered) {
  auto ok = only_call(R"({"jsonrpc":"2.0","method":"tcp_close"})");
  EXPECT_TRUE(ok.ok());
  EXPECT_TRUE(ok.notification());
  EXPECT_TRUE(ok.message.match_elements<tcp_close>());
  // Not even a failed one (but the reason is there for a log).
  auto unknown = only_call(R"({"jsonrpc":"2.0","method":"no_such_method"})");
  EXPECT_EQ(unknown.error_code, rpc::method_not_found);
  EXPECT_EQ(unknown.response, "");
  auto bad = only_call(R"({"jsonrpc":"2.0","method":"dns_lookup","params":{"host":1}})");
  EXPECT_EQ(bad.error_code, rpc::invalid_params);
  EXPECT_EQ(bad.response, "");
  EXPECT_EQ(bad.error_message,
            "Invalid params: field \"host\": type must be string, but is number");
  // An explicit null id is a request, not a notification.
  EXPECT_FALSE(only_call(R"({"jsonrpc":"2.0","id":null,"method":"tcp_close"})")
                   .notification());
}

// -- whole lines ------------------------------------------------------------

TEST(lines, that_are_not_json_are_a_parse_error) {
  for (std::string line :
       {"{", "nope", R"({"jsonrpc":"2.0","method":"tcp_close"} {})",
        R"({"jsonrpc":"2.0","method":"tcp_close",})", "\"caf\xc3\"",
        "{\"jsonrpc\":\"2.0\",\"method\":\"dns_lookup\",\"params\":{\"host\":\"\xff\"}}"}) {
    auto p = rpc::parse_line(line);
    EXPECT_TRUE(p.calls.empty()) << line;
    auto answer = wire(p.response);
    EXPECT_EQ(answer["id"], nullptr) << line;
    EXPECT_EQ(answer["error"]["code"], -32700) << line;
    std::string message = answer["error"]["message"];
    EXPECT_EQ(message.rfind("Parse error at byte ", 0), 0u) << message;
    EXPECT_NE(message.find(": syntax error while parsing"), std::string::npos)
        << message;
  }
  EXPECT_EQ(wire(rpc::parse_line(R"({"jsonrpc":"2.0","id":1e400,"method":"tcp_close"})")
                     .response)["error"],
            json::parse(R"js({"code":-32700,"message":"Parse error: number overflow parsing '1e400'"})js"));
  EXPECT_EQ(wire(rpc::parse_line("{\"id\":nope}").response)["error"]["message"],
            "Parse error at byte 8: syntax error while parsing value - invalid "
            "literal; last read: '\"id\":no'");
}

TEST(lines, holding_neither_object_nor_array_are_an_invalid_request) {
  for (std::string line : {"42", "\"dns_get_stats\"", "null", "true"}) {
    auto p = rpc::parse_line(line);
    EXPECT_TRUE(p.calls.empty()) << line;
    auto answer = wire(p.response);
    EXPECT_EQ(answer["error"]["code"], -32600) << line;
    EXPECT_EQ(answer["id"], nullptr) << line;
  }
}

TEST(lines, that_are_blank_are_ignored) {
  for (std::string line : {"", " ", "\t \r"}) {
    auto p = rpc::parse_line(line);
    EXPECT_TRUE(p.calls.empty());
    EXPECT_EQ(p.response, "");
    EXPECT_EQ(answer_line(line), "");
  }
}

TEST(lines, nested_too_deep_are_refused_before_they_are_parsed) {
  // 1 MiB of brackets: the deepest line the framer lets through.
  std::string deep(rpc::max_line_length / 2, '[');
  deep += std::string(rpc::max_line_length / 2, ']');
  const std::string too_deep_params =
      R"({"jsonrpc":"2.0","id":1,"method":"dns_lookup","params":{"host":)" +
      std::string(63, '[') + std::string(63, ']') + "}}";
  for (const auto& line : {deep, too_deep_params}) {
    auto p = rpc::parse_line(line);
    EXPECT_TRUE(p.calls.empty());
    EXPECT_EQ(wire(p.response),
              json::parse(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,
                  "message":"Invalid Request: JSON nested deeper than 64 levels"}})"));
  }
  // 64 levels are parsed (brackets inside strings do not count).
  auto c = only_call(
      R"({"jsonrpc":"2.0","id":1,"method":"dns_lookup","params":{"service":"[[[{{","host":)" +
      std::string(62, '[') + std::string(62, ']') + "}}");
  EXPECT_EQ(wire(c.response)["error"]["data"], json({{"field", "host"}}));
}

TEST(lines, over_a_mebibyte_are_answered_and_skipped_by_the_framer) {
  net::line_framer framer{rpc::max_line_length};
  std::string stream(rpc::max_line_length + 1, ' ');
  stream += "\n";
  stream += R"({"jsonrpc":"2.0","id":2,"method":"dns_get_stats"})" "\n";
  auto lines = framer.feed(stream);
  ASSERT_EQ(lines.size(), 2u);
  ASSERT_FALSE(lines[0]);
  auto answer = wire(rpc::framing_error_response(lines[0].error()));
  EXPECT_EQ(answer, json::parse(R"js({"jsonrpc":"2.0","id":null,"error":{
      "code":-32600,
      "message":"Invalid Request: EMSGSIZE: message too long (line longer than 1048576 bytes; skipped to the next newline)",
      "data":{"code":-90,"name":"EMSGSIZE","message":"message too long",
              "context":"line longer than 1048576 bytes; skipped to the next newline"}}})js"));
  ASSERT_TRUE(lines[1]);
  EXPECT_TRUE(only_call(*lines[1]).message.match_elements<dns_get_stats>());
}

TEST(lines, after_every_kind_of_error_the_next_line_works) {
  // The connection stays usable: the codec keeps nothing from line to line.
  const std::string good = R"({"jsonrpc":"2.0","id":"ok","method":"dns_get_stats"})";
  const std::vector<std::pair<std::string, int>> bad = {
      {"{\"jsonrpc\":", -32700},
      {"[]", -32600},
      {R"({"jsonrpc":"2.0","id":1})", -32600},
      {R"({"jsonrpc":"2.0","id":1,"method":"tcp_received"})", -32601},
      {R"({"jsonrpc":"2.0","id":1,"method":"dns_lookup","params":{"host":1}})", -32602},
      {R"({"jsonrpc":"2.0","id":1,"method":"dns_lookup","params":{"host":"nowhere.test"}})", -32000},
  };
  net::line_framer framer{rpc::max_line_length};
  for (const auto& [line, code] : bad) {
    auto lines = framer.feed(line + "\n" + good + "\n");
    ASSERT_EQ(lines.size(), 2u);
    ASSERT_TRUE(lines[0] && lines[1]);
    EXPECT_EQ(wire(answer_line(*lines[0]))["error"]["code"], code) << line;
    auto after = wire(answer_line(*lines[1]));
    EXPECT_EQ(after["id"], "ok") << "after " << line;
    EXPECT_EQ(after["result"]["type"], "dns_stats") << "after " << line;
  }
}

// -- batches ----------------------------------------------------------------

TEST(batches, answer_each_request_in_order_and_omit_notifications) {
  auto p = rpc::parse_line(R"([
      {"jsonrpc":"2.0","id":1,"method":"dns_get_stats"},
      {"jsonrpc":"2.0","method":"tcp_set_nodelay","params":{"enable":false}},
      {"jsonrpc":"2.0","id":2,"method":"dns_lookup","params":{"host":5}},
      {"jsonrpc":"2.0","method":"no_such_method"},
      7,
      {"jsonrpc":"2.0","id":3,"method":"interfaces_query"}])");
  ASSERT_TRUE(p.batch);
  ASSERT_EQ(p.calls.size(), 6u);
  EXPECT_TRUE(p.calls[0].ok());
  EXPECT_TRUE(p.calls[1].ok() && p.calls[1].notification());
  EXPECT_FALSE(p.calls[1].message.get_as<tcp_set_nodelay>(0).enable);
  EXPECT_EQ(p.calls[2].error_code, rpc::invalid_params);
  EXPECT_EQ(p.calls[3].error_code, rpc::method_not_found);
  EXPECT_EQ(p.calls[4].error_code, rpc::invalid_request);
  EXPECT_TRUE(p.calls[5].ok());
  // Before anything is performed: the errors that are due.
  auto ready = rpc::ready_responses(p);
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_EQ(wire(ready[0])["id"], 2);
  EXPECT_EQ(wire(ready[1])["id"], nullptr);
}

TEST(batches, that_are_empty_are_one_invalid_request) {
  auto p = rpc::parse_line(" [ ] ");
  EXPECT_FALSE(p.batch);
  EXPECT_TRUE(p.calls.empty());
  EXPECT_EQ(wire(p.response),
            json::parse(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,
                "message":"Invalid Request: an empty batch"}})"));
  EXPECT_EQ(rpc::ready_responses(p), std::vector<std::string>{p.response});
}

TEST(batches, of_only_notifications_get_nothing_back) {
  EXPECT_EQ(answer_line(R"([{"jsonrpc":"2.0","method":"tcp_close"},
                            {"jsonrpc":"2.0","method":"no_such_method"},
                            {"jsonrpc":"2.0","method":"dns_lookup","params":{"x":1}}])"),
            "");
  EXPECT_EQ(rpc::batch_response({}), "");
}

// -- results, failures, events ----------------------------------------------

TEST(results, are_the_reply_envelope) {
  auto ep = net::endpoint::from_ip("192.0.2.7", 80);
  auto reply = caf::make_message(
      dns_addresses{"example.test", {dns_address{*ep, "ipv4", "stream", 6}}, ""});
  auto line = rpc::result_response(json("a"), reply);
  EXPECT_EQ(wire(line), json::parse(R"({"jsonrpc":"2.0","id":"a","result":{
      "type":"dns_addresses","data":{"host":"example.test","canonical_name":"",
      "addresses":[{"address":{"address":"192.0.2.7","port":80},
                    "family":"ipv4","socktype":"stream","protocol":6}]}}})"));
  EXPECT_EQ(wire(line)["result"], envelope_of(reply));
  EXPECT_EQ(line.rfind(R"({"jsonrpc":"2.0","id":"a","result":{)", 0), 0u);
}

TEST(results, of_an_empty_reply_are_null) {
  EXPECT_EQ(rpc::result_response(json(4), caf::message{}),
            R"({"jsonrpc":"2.0","id":4,"result":null})");
}

TEST(results, that_are_not_one_netactors_message_are_an_internal_error) {
  for (auto reply : {caf::make_message(42),
                     caf::make_message(tcp_close{}, tcp_close{})}) {
    auto answer = wire(rpc::result_response(json(5), reply));
    EXPECT_EQ(answer["id"], 5);
    EXPECT_EQ(answer["error"]["code"], -32603);
    std::string message = answer["error"]["message"];
    EXPECT_EQ(message.rfind("Internal error: the reply cannot be written as JSON", 0), 0u)
        << message;
  }
}

TEST(results, are_one_valid_utf8_line_whatever_the_strings_hold) {
  interface_info bad;
  bad.name = "eth\xff" "0\nsecond line";
  bad.mac = "\xc3";  // a truncated two-byte sequence
  std::string line;
  EXPECT_NO_THROW(line = rpc::result_response(
                      json(1), caf::make_message(interface_report{{bad}})));
  auto answer = wire(line);
  // An interface name is escaped by its message's own JSON form (\xNN,
  // reversibly); any other string that is not UTF-8 gets U+FFFD here.
  EXPECT_EQ(answer["result"]["data"]["interfaces"][0]["name"],
            "eth\\xff0\\x0asecond line");
  EXPECT_EQ(answer["result"]["data"]["interfaces"][0]["mac"], "\xef\xbf\xbd");
}

TEST(failures, carry_the_project_error_object) {
  auto e = make_caf_error(net_error::of(UV_EAI_NONAME, "lookup nowhere.test"));
  EXPECT_EQ(rpc::error_from(e), json::parse(R"({"code":-3008,"name":"EAI_NONAME",
      "message":"unknown node or service","context":"lookup nowhere.test"})"));
  EXPECT_EQ(wire(rpc::failure_response(json(9), e)),
            json::parse(R"js({"jsonrpc":"2.0","id":9,"error":{"code":-32000,
      "message":"EAI_NONAME: unknown node or service (lookup nowhere.test)",
      "data":{"code":-3008,"name":"EAI_NONAME","message":"unknown node or service",
              "context":"lookup nowhere.test"}}})js"));
}

TEST(failures, of_caf_name_the_caf_error) {
  auto timeout = rpc::error_from(caf::make_error(caf::sec::request_timeout));
  EXPECT_EQ(timeout["name"], "ETIMEDOUT");
  EXPECT_EQ(timeout["code"], UV_ETIMEDOUT);
  auto unexpected = rpc::error_from(caf::make_error(caf::sec::unexpected_message));
  EXPECT_EQ(unexpected["name"], "unexpected_message");
  EXPECT_EQ(unexpected["code"], UV_UNKNOWN);
  EXPECT_NE(unexpected["message"].get<std::string>().find("unexpected_message"),
            std::string::npos);
  auto down = rpc::error_from(caf::make_error(caf::exit_reason::user_shutdown));
  EXPECT_EQ(down["name"], "user_shutdown");
  auto other = rpc::error_from(caf::error{7, caf::atom("mine")});
  EXPECT_EQ(other["name"], "mine:7");
  auto none = rpc::error_from(caf::error{});
  EXPECT_EQ(none["code"], 0);
  EXPECT_EQ(none["name"], "none");
}

TEST(failures, are_one_valid_utf8_line_whatever_the_context_holds) {
  auto e = make_caf_error(net_error::of(UV_ENODEV, "bind to \xff\xfe\ndevice"));
  auto answer = wire(rpc::failure_response(json("x"), e));
  EXPECT_EQ(answer["error"]["data"]["context"], "bind to \xef\xbf\xbd\xef\xbf\xbd\ndevice");
  auto plain = wire(rpc::error_response(json(1), -32000, "bad \x80 byte"));
  EXPECT_EQ(plain["error"]["message"], "bad \xef\xbf\xbd byte");
  EXPECT_FALSE(plain["error"].contains("data"));
}

TEST(events, are_notifications_naming_the_request_that_started_the_stream) {
  interfaces_changed changed;
  changed.interfaces.push_back(
      interface_info{"lo", 1, "00:00:00:00:00:00", true, true, true, {}});
  interface_event ev;
  ev.kind = interface_event_kind::interface_changed;
  changed.events.push_back(ev);
  auto msg = caf::make_message(changed);
  auto line = rpc::event_notification(json("sub-1"), msg);
  ASSERT_TRUE(line) << caf::to_string(line.error());
  auto got = wire(*line);
  auto envelope = envelope_of(msg);
  EXPECT_EQ(got, (json{{"jsonrpc", "2.0"},
                       {"method", "event"},
                       {"params",
                        {{"request", "sub-1"},
                         {"type", "interfaces_changed"},
                         {"data", envelope["data"]}}}}));
  EXPECT_EQ(line->rfind(R"({"jsonrpc":"2.0","method":"event","params":{"request":"sub-1","type":"interfaces_changed","data":{)", 0),
            0u)
      << *line;
  EXPECT_FALSE(got.contains("id"));  // a notification
  auto foreign = rpc::event_notification(json(1), caf::make_message(42));
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error(), caf::sec::unexpected_message);
}

// -- extra methods ------------------------------------------------------------

TEST(extra_methods, are_called_with_their_own_decoders) {
  rpc::method_table methods;
  ASSERT_TRUE(methods.add("stats", &rpc::decode_params<test_stats_params>));
  ASSERT_TRUE(methods.add("cancel", [](const json& params) {
    auto it = params.find("request");
    if (it == params.end() || !(it->is_string() || it->is_number()))
      return rpc::decoded::fail("\"request\" must be a request's id", "request");
    return rpc::decoded{caf::make_message(it->dump()), {}, {}};
  }));
  // The request messages are still there; the default table is unchanged.
  EXPECT_NE(methods.find("dns_lookup"), nullptr);
  EXPECT_EQ(rpc::method_table::requests().find("stats"), nullptr);
  auto stats = only_call(R"({"jsonrpc":"2.0","id":1,"method":"stats","params":{"top":3}})",
                         methods);
  ASSERT_TRUE(stats.ok()) << stats.error_message;
  EXPECT_EQ(stats.message.get_as<test_stats_params>(0).top, 3u);
  EXPECT_FALSE(stats.message.get_as<test_stats_params>(0).reset);
  auto bad_stats = only_call(
      R"({"jsonrpc":"2.0","id":1,"method":"stats","params":{"top":"all"}})", methods);
  EXPECT_EQ(wire(bad_stats.response)["error"]["data"], json({{"field", "top"}}));
  auto cancel = only_call(
      R"({"jsonrpc":"2.0","id":2,"method":"cancel","params":{"request":"sub-1"}})", methods);
  ASSERT_TRUE(cancel.ok());
  EXPECT_EQ(cancel.message.get_as<std::string>(0), "\"sub-1\"");
  auto bad_cancel =
      only_call(R"({"jsonrpc":"2.0","id":3,"method":"cancel"})", methods);
  EXPECT_EQ(wire(bad_cancel.response)["error"],
            json::parse(R"({"code":-32602,"message":"Invalid params: \"request\" must be a request's id",
                            "data":{"field":"request"}})"));
  // Without the table they do not exist.
  EXPECT_EQ(only_call(R"({"jsonrpc":"2.0","id":1,"method":"stats"})").error_code,
            rpc::method_not_found);
}

TEST(extra_methods, never_shadow_a_name_that_is_taken) {
  rpc::method_table methods;
  EXPECT_FALSE(methods.add("dns_lookup", &rpc::decode_params<test_stats_params>));
  EXPECT_TRUE(methods.add("stats", &rpc::decode_params<test_stats_params>));
  EXPECT_FALSE(methods.add("stats", &rpc::decode_params<test_stats_params>));
  EXPECT_FALSE(methods.add("", &rpc::decode_params<test_stats_params>));
  EXPECT_FALSE(methods.add("nothing", rpc::params_decoder{}));
  auto c = only_call(R"({"jsonrpc":"2.0","id":1,"method":"dns_lookup","params":{"top":1}})",
                     methods);
  EXPECT_EQ(c.error_code, rpc::invalid_params);
}

TEST(extra_methods, replace_only_a_method_that_exists) {
  rpc::method_table methods;
  EXPECT_FALSE(methods.replace("stats", &rpc::decode_params<test_stats_params>));
  EXPECT_EQ(methods.find("stats"), nullptr);
  EXPECT_FALSE(methods.replace("tcp_close", rpc::params_decoder{}));
  ASSERT_TRUE(methods.replace("tcp_close", &rpc::decode_params<test_stats_params>));
  auto c = only_call(R"({"jsonrpc":"2.0","id":1,"method":"tcp_close","params":{"top":2}})",
                     methods);
  ASSERT_TRUE(c.ok()) << c.error_message;
  EXPECT_EQ(c.message.get_as<test_stats_params>(0).top, 2u);
  // The default table keeps its decoder.
  EXPECT_TRUE(only_call(R"({"jsonrpc":"2.0","id":1,"method":"tcp_close"})").ok());
  EXPECT_EQ(only_call(R"({"jsonrpc":"2.0","id":1,"method":"tcp_close","params":{"top":2}})")
                .error_code,
            rpc::invalid_params);
}

TEST(extra_methods, whose_decoder_throws_are_an_internal_error) {
  rpc::method_table methods;
  methods.add("boom", [](const json&) -> rpc::decoded {
    throw std::runtime_error("decoder exploded");
  });
  auto c = only_call(R"({"jsonrpc":"2.0","id":1,"method":"boom"})", methods);
  EXPECT_EQ(c.error_code, rpc::internal_error);
  EXPECT_EQ(wire(c.response)["error"]["message"],
            "Internal error: decoding the params of \"boom\" failed: decoder exploded");
}

// -- the JSON-RPC 2.0 specification's examples (section 7), our methods -----

void expect_exchange(const std::string& request, const std::string& response) {
  auto got = answer_line(request);
  if (response.empty()) {
    EXPECT_EQ(got, "") << request;
    return;
  }
  EXPECT_EQ(wire(got), json::parse(response)) << request << "\n -> " << got;
}

TEST(spec_examples, call_with_positional_parameters) {
  // We take named parameters only: by-position is invalid params.
  expect_exchange(
      R"({"jsonrpc": "2.0", "method": "dns_lookup", "params": ["example.test", "80"], "id": 1})",
      R"js({"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid params: params must be an object of named fields (by-position arrays are not supported)"}, "id": 1})js");
}

TEST(spec_examples, call_with_named_parameters) {
  expect_exchange(
      R"({"jsonrpc": "2.0", "method": "dns_lookup", "params": {"host": "example.test", "service": "80"}, "id": 3})",
      R"({"jsonrpc": "2.0", "result": {"type": "dns_addresses", "data": {"host": "example.test", "canonical_name": "",
          "addresses": [{"address": {"address": "192.0.2.7", "port": 80}, "family": "ipv4", "socktype": "stream", "protocol": 6}]}}, "id": 3})");
  expect_exchange(
      R"({"jsonrpc": "2.0", "method": "dns_lookup", "params": {"service": "80", "host": "nowhere.test"}, "id": 4})",
      R"js({"jsonrpc": "2.0", "error": {"code": -32000, "message": "EAI_NONAME: unknown node or service (lookup nowhere.test)",
          "data": {"code": -3008, "name": "EAI_NONAME", "message": "unknown node or service", "context": "lookup nowhere.test"}}, "id": 4})js");
}

TEST(spec_examples, a_notification) {
  expect_exchange(R"({"jsonrpc": "2.0", "method": "tcp_set_nodelay", "params": {"enable": true}})", "");
  expect_exchange(R"({"jsonrpc": "2.0", "method": "tcp_close"})", "");
}

TEST(spec_examples, call_of_a_non_existent_method) {
  expect_exchange(R"({"jsonrpc": "2.0", "method": "foobar", "id": "1"})",
                  R"({"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found: \"foobar\""}, "id": "1"})");
}

TEST(spec_examples, call_with_invalid_json) {
  auto answer = wire(answer_line(
      R"({"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz])"));
  EXPECT_EQ(answer["id"], nullptr);
  EXPECT_EQ(answer["error"]["code"], -32700);
}

TEST(spec_examples, call_with_invalid_request_object) {
  expect_exchange(R"({"jsonrpc": "2.0", "method": 1, "params": "bar"})",
                  R"({"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request: \"method\" must be a string"}, "id": null})");
}

TEST(spec_examples, batch_call_with_invalid_json) {
  auto answer = wire(answer_line(R"([
  {"jsonrpc": "2.0", "method": "dns_lookup", "params": {"host": "example.test"}, "id": "1"},
  {"jsonrpc": "2.0", "method"
])"));
  EXPECT_TRUE(answer.is_object()) << "one error, not an array";
  EXPECT_EQ(answer["error"]["code"], -32700);
  EXPECT_EQ(answer["id"], nullptr);
}

TEST(spec_examples, call_with_an_empty_array) {
  expect_exchange("[]",
                  R"({"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request: an empty batch"}, "id": null})");
}

TEST(spec_examples, call_with_an_invalid_batch_but_not_empty) {
  expect_exchange("[1]",
                  R"([{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request: a request must be a JSON object, not number"}, "id": null}])");
}

TEST(spec_examples, call_with_invalid_batch) {
  auto answer = wire(answer_line("[1,2,3]"));
  ASSERT_TRUE(answer.is_array());
  ASSERT_EQ(answer.size(), 3u);
  for (auto& a : answer) {
    EXPECT_EQ(a["error"]["code"], -32600);
    EXPECT_EQ(a["id"], nullptr);
  }
}

TEST(spec_examples, call_batch) {
  expect_exchange(R"([
    {"jsonrpc": "2.0", "method": "dns_lookup", "params": {"host": "example.test"}, "id": "1"},
    {"jsonrpc": "2.0", "method": "tcp_set_nodelay", "params": {"enable": false}},
    {"jsonrpc": "2.0", "method": "dns_get_stats", "id": "2"},
    {"foo": "boo"},
    {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
    {"jsonrpc": "2.0", "method": "interfaces_query", "id": "9"}
  ])", R"([
    {"jsonrpc": "2.0", "id": "1", "result": {"type": "dns_addresses", "data": {"host": "example.test", "canonical_name": "",
        "addresses": [{"address": {"address": "192.0.2.7", "port": 80}, "family": "ipv4", "socktype": "stream", "protocol": 6}]}}},
    {"jsonrpc": "2.0", "id": "2", "result": {"type": "dns_stats", "data": {"in_flight": 0, "started": 3, "answered": 2,
        "failed": 1, "timed_out": 0, "cancelled": 0, "abandoned": 0, "requesters": 0}}},
    {"jsonrpc": "2.0", "id": null, "error": {"code": -32600, "message": "Invalid Request: \"jsonrpc\" must be \"2.0\""}},
    {"jsonrpc": "2.0", "id": "5", "error": {"code": -32601, "message": "Method not found: \"foo.get\""}},
    {"jsonrpc": "2.0", "id": "9", "result": {"type": "interface_report", "data": {"interfaces": [{"name": "lo", "index": 1,
        "mac": "00:00:00:00:00:00", "internal": true, "up": true, "running": true, "addresses": []}]}}}
  ])");
}

TEST(spec_examples, call_batch_all_notifications) {
  expect_exchange(R"([
    {"jsonrpc": "2.0", "method": "tcp_set_nodelay", "params": {"enable": true}},
    {"jsonrpc": "2.0", "method": "tcp_close"}
  ])", "");
}

}  // namespace
}  // namespace netactors
