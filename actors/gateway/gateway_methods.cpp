#include "actors/gateway/gateway_methods.hpp"

#include <caf/message.hpp>

#include <cstdint>
#include <string>

#include "actors/messages/messages.hpp"

namespace netactors::gateway {

namespace {

using nlohmann::json;

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The "request" field: the id of the request it refers to, as its JSON text.
bool request_key(const json& params, std::string& key, jsonrpc::decoded& err) {
  auto it = params.find("request");
  if (it == params.end()) {
    err = jsonrpc::decoded::fail("missing field", "request");
    return false;
  }
  if (!it->is_string() && !it->is_number() && !it->is_null()) {
    err = jsonrpc::decoded::fail("must be a string, a number or null",
                                 "request");
    return false;
  }
  key = dump(*it);
  return true;
}

jsonrpc::decoded decode_cancel(const json& params) {
  for (auto& [key, value] : params.items())
    if (key != "request") return jsonrpc::decoded::fail("unknown field", key);
  std::string key;
  jsonrpc::decoded err;
  if (!request_key(params, key, err)) return err;
  return jsonrpc::decoded{caf::make_message(std::move(key)), {}, {}};
}

jsonrpc::decoded decode_stats(const json& params) {
  for (auto& [key, value] : params.items())
    return jsonrpc::decoded::fail("unknown field", key);
  return jsonrpc::decoded{caf::make_message(std::string{}), {}, {}};
}

// dhcp_discover {"interface":NAME,"timeout":MS,"request":BOOL}: the
// discovery's configuration (DHCP discovery takes no request message).
jsonrpc::decoded decode_dhcp_discover(const json& params) {
  std::string interface;
  uint32_t timeout = 10000;
  bool request = false;
  for (auto& [key, value] : params.items()) {
    if (key == "interface") {
      if (!value.is_string() || value.get<std::string>().empty())
        return jsonrpc::decoded::fail("must be a non-empty string", key);
      interface = value.get<std::string>();
    } else if (key == "timeout") {
      if (!value.is_number_unsigned() || value.get<uint64_t>() == 0 ||
          value.get<uint64_t>() > 600000)
        return jsonrpc::decoded::fail("must be milliseconds in [1, 600000]",
                                      key);
      timeout = value.get<uint32_t>();
    } else if (key == "request") {
      if (!value.is_boolean())
        return jsonrpc::decoded::fail("must be a boolean", key);
      request = value.get<bool>();
    } else {
      return jsonrpc::decoded::fail("unknown field", key);
    }
  }
  if (interface.empty())
    return jsonrpc::decoded::fail("missing field", "interface");
  return jsonrpc::decoded{
      caf::make_message(interface, timeout, request), {}, {}};
}

// A request message T sent to a relayed connection: T's own params (the
// codec's rules: defaults, unknown fields refused) plus "request".
template <class T>
jsonrpc::decoded decode_relayed(const json& params) {
  std::string key;
  jsonrpc::decoded err;
  if (!request_key(params, key, err)) return err;
  auto rest = params;
  rest.erase("request");
  auto d = jsonrpc::decode_params<T>(rest);
  if (!d.ok()) return d;
  return jsonrpc::decoded{
      caf::make_message(std::move(key), d.message.template get_as<T>(0)), {}, {}};
}

}  // namespace

jsonrpc::method_table gateway_methods() {
  jsonrpc::method_table t;
  t.add("dhcp_discover", decode_dhcp_discover);
  t.add("cancel", decode_cancel);
  t.add("stats", decode_stats);
  t.replace("tcp_write", decode_relayed<tcp_write>);
  t.replace("tcp_shutdown", decode_relayed<tcp_shutdown>);
  t.replace("tcp_close", decode_relayed<tcp_close>);
  return t;
}

}  // namespace netactors::gateway
