// libFuzzer target for the netnode JSON-RPC codec (actors/gateway/jsonrpc.hpp):
// arbitrary bytes as a line must give calls or error answers, never a
// crash, an exception or an over-read; every answer the codec writes must be
// one line of valid UTF-8 JSON (a JSON-RPC response object); and a decoded
// call must survive the round trip: its message written as a result, the
// result's data given back as params, decodes to the same message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "actors/messages/messages.hpp"
#include "actors/gateway/jsonrpc.hpp"

namespace {

using nlohmann::json;
namespace rpc = netactors::jsonrpc;

// One line, strict JSON (nlohmann rejects ill-formed UTF-8), an object.
json checked_line(const std::string& line) {
  if (line.find('\n') != std::string::npos) std::abort();
  auto j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || j["jsonrpc"] != "2.0")
    std::abort();
  return j;
}

void check_error(const std::string& line, int code) {
  auto j = checked_line(line);
  if (!j.contains("id") || j["error"]["code"] != code ||
      !j["error"]["message"].is_string())
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  auto p = rpc::parse_line(text);
  if (!p.response.empty()) {
    if (!p.calls.empty()) std::abort();
    auto j = checked_line(p.response);
    if (!j["id"].is_null()) std::abort();
  }
  for (const auto& c : p.calls) {
    if (!c.ok()) {
      if (!c.response.empty()) check_error(c.response, c.error_code);
      if (c.response.empty() && !c.notification()) std::abort();
      continue;
    }
    if (!c.response.empty()) std::abort();
    auto id = c.id ? *c.id : json(nullptr);
    auto answer = checked_line(rpc::result_response(id, c.message));
    if (answer["id"] != id) std::abort();
    const auto& result = answer["result"];
    if (result["type"] != c.method) std::abort();
    json again = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", c.method},
                  {"params", result["data"]}};
    auto q = rpc::parse_line(again.dump());
    if (q.calls.size() != 1 || !q.calls[0].ok()) std::abort();
    auto first = netactors::message_to_json(c.message);
    auto second = netactors::message_to_json(q.calls[0].message);
    if (!first || !second || *first != *second) std::abort();
    auto event = rpc::event_notification(id, c.message);
    if (!event) std::abort();
    checked_line(*event);
  }
  return 0;
}
