#include "actors/gateway/jsonrpc.hpp"

#include <caf/exit_reason.hpp>
#include <caf/pec.hpp>
#include <caf/sec.hpp>

#include <exception>
#include <utility>

#include "actors/messages/net_error_json.hpp"
#include "actors/messages/net_error.hpp"
#include "actors/gateway/jsonrpc_methods.hpp"

namespace netactors::jsonrpc {

namespace {

using nlohmann::json;

// Every output goes through here: compact (one line, newlines escaped) and
// UTF-8 even when a string inside is not (bad bytes become U+FFFD).
std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// nlohmann's what() starts with "[json.exception.type_error.302] ": the
// client needs the reason, not the exception's class.
std::string clean(const char* what) {
  std::string_view text{what};
  if (text.rfind("[json.exception.", 0) == 0) {
    auto end = text.find("] ");
    if (end != std::string_view::npos) text.remove_prefix(end + 2);
  }
  return std::string{text};
}

// The deepest nesting of arrays and objects in `line`, counted outside
// strings, before nlohmann builds anything: copying a value is recursive in
// nlohmann, so a client's million brackets must never reach it.
size_t nesting_depth(std::string_view line) {
  size_t depth = 0;
  size_t deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

bool blank(std::string_view line) {
  for (char c : line)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  return true;
}

std::string dotted(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

// The first key of `params` (at any depth where the default is an object
// too) that `defaults` lacks; recursion follows the defaults' shape, so its
// depth is the message's, never the client's.
bool find_unknown(const json& defaults, const json& params,
                  const std::string& prefix, std::string& path,
                  std::string& known) {
  for (auto& [key, value] : params.items()) {
    auto it = defaults.find(key);
    if (it == defaults.end()) {
      path = dotted(prefix, key);
      for (auto& [name, ignored] : defaults.items())
        known += (known.empty() ? "" : ", ") + name;
      if (known.empty()) known = "none";
      return true;
    }
    if (it->is_object() && value.is_object() &&
        find_unknown(*it, value, dotted(prefix, key), path, known))
      return true;
  }
  return false;
}

// A leaf is a value of `params` that replaces a default whole.
struct leaf {
  json::json_pointer pointer;
  std::string path;
};

void collect_leaves(const json& defaults, const json& params,
                    const json::json_pointer& at, const std::string& prefix,
                    std::vector<leaf>& out) {
  for (auto& [key, value] : params.items()) {
    const auto& def = defaults.at(key);  // find_unknown ran first
    if (def.is_object() && value.is_object())
      collect_leaves(def, value, at / key, dotted(prefix, key), out);
    else
      out.push_back(leaf{at / key, dotted(prefix, key)});
  }
}

void overlay(json& base, const json& params) {
  for (auto& [key, value] : params.items()) {
    auto& target = base[key];
    if (target.is_object() && value.is_object())
      overlay(target, value);
    else
      target = value;
  }
}

// `c` by reference: callers build `message` from c's fields in the same
// call, and a by-value parameter may be moved from before they are read
// (the order of argument evaluation is unspecified; clang moves first).
call finish(call&& c, int code, std::string message,
            const json& data = nullptr) {
  c.error_code = code;
  c.error_message = std::move(message);
  // An invalid request is always answered (spec: it cannot be known to be a
  // notification); any other error of a notification is not.
  if (code == invalid_request && !c.id) c.id = json(nullptr);
  if (c.id) c.response = error_response(*c.id, code, c.error_message, data);
  return std::move(c);
}

call parse_request(const json& j, const method_table& methods) {
  call c;
  if (!j.is_object())
    return finish(std::move(c), invalid_request,
                  "Invalid Request: a request must be a JSON object, not " +
                      std::string{j.type_name()});
  if (auto id = j.find("id"); id != j.end()) {
    if (!id->is_string() && !id->is_number() && !id->is_null())
      return finish(std::move(c), invalid_request,
                    "Invalid Request: \"id\" must be a string, a number or "
                    "null, not " +
                        std::string{id->type_name()});
    c.id = *id;
  }
  auto version = j.find("jsonrpc");
  if (version == j.end() || *version != "2.0")
    return finish(std::move(c), invalid_request,
                  "Invalid Request: \"jsonrpc\" must be \"2.0\"");
  auto method = j.find("method");
  if (method == j.end() || !method->is_string())
    return finish(std::move(c), invalid_request,
                  "Invalid Request: \"method\" must be a string");
  c.method = method->get<std::string>();
  for (auto& [key, ignored] : j.items())
    if (key != "jsonrpc" && key != "method" && key != "params" && key != "id")
      return finish(std::move(c), invalid_request,
                    "Invalid Request: unknown member \"" + key +
                        "\" (a request has jsonrpc, method, params, id)");
  auto params = j.find("params");
  if (params != j.end() && !params->is_object() && !params->is_array())
    return finish(std::move(c), invalid_request,
                  "Invalid Request: \"params\" must be an object, not " +
                      std::string{params->type_name()});
  const auto* decoder = methods.find(c.method);
  if (decoder == nullptr)
    return finish(std::move(c), method_not_found,
                  "Method not found: \"" + c.method + "\"");
  if (params != j.end() && params->is_array())
    return finish(std::move(c), invalid_params,
                  "Invalid params: params must be an object of named fields "
                  "(by-position arrays are not supported)");
  decoded result;
  try {
    result = (*decoder)(params != j.end() ? *params : json::object());
  } catch (const std::exception& e) {
    return finish(std::move(c), internal_error,
                  "Internal error: decoding the params of \"" + c.method +
                      "\" failed: " + clean(e.what()));
  }
  if (!result.ok())
    return finish(std::move(c), invalid_params,
                  "Invalid params: " + result.error,
                  result.field.empty() ? json(nullptr)
                                       : json{{"field", result.field}});
  c.message = std::move(result.message);
  return c;
}

template <class... Ts>
void add_requests(method_table& table, caf::detail::type_list<Ts...>) {
  (table.add(message_type_name(static_cast<const Ts*>(nullptr)),
             &decode_params<Ts>),
   ...);
}

std::string caf_error_name(const caf::error& e) {
  if (e.category() == caf::atom("system"))
    return caf::to_string(static_cast<caf::sec>(e.code()));
  if (e.category() == caf::atom("exit"))
    return caf::to_string(static_cast<caf::exit_reason>(e.code()));
  if (e.category() == caf::atom("parser"))
    return caf::to_string(static_cast<caf::pec>(e.code()));
  return caf::to_string(e.category()) + ":" + std::to_string(e.code());
}

net_error net_error_of(const caf::error& e) {
  if (!e) return net_error{0, "none", "no error", ""};
  auto out = to_net_error(e);
  // A "uv" error is whole, and a request timeout is ETIMEDOUT; anything
  // else keeps CAF's rendering as message and gets CAF's name.
  if (e.category() != uv_atom::value && e != caf::sec::request_timeout)
    out.name = caf_error_name(e);
  return out;
}

}  // namespace

// -- params -------------------------------------------------------------------

decoded decode_params_as(const json& defaults, const json& params,
                         const strict_decoder& strict) {
  try {
    if (!params.is_object())
      return decoded::fail("params must be an object of named fields");
    std::string path;
    std::string known;
    if (find_unknown(defaults, params, "", path, known))
      return decoded::fail("unknown field \"" + path + "\" (known here: " +
                               known + ")",
                           path);
    auto merged = defaults;
    overlay(merged, params);
    try {
      return decoded{strict(merged), {}, {}};
    } catch (const json::exception& whole) {
      // Name the culprit: the first given value that fails on its own.
      // Fields decode independently, so one does; their number is bounded
      // by the message's fields (unknown keys were refused above).
      std::vector<leaf> leaves;
      collect_leaves(defaults, params, json::json_pointer{}, "", leaves);
      for (auto& l : leaves) {
        auto one = defaults;
        one[l.pointer] = params[l.pointer];
        try {
          strict(one);
        } catch (const json::exception& e) {
          return decoded::fail("field \"" + l.path + "\": " + clean(e.what()),
                               l.path);
        }
      }
      return decoded::fail(clean(whole.what()));
    }
  } catch (const json::exception& e) {
    return decoded::fail(clean(e.what()));
  }
}

// -- method_table -------------------------------------------------------------

method_table::method_table() {
  add_requests(*this, request_message_types{});
}

bool method_table::add(std::string name, params_decoder decoder) {
  if (name.empty() || !decoder) return false;
  return methods_.emplace(std::move(name), std::move(decoder)).second;
}

bool method_table::replace(const std::string& name, params_decoder decoder) {
  auto it = methods_.find(name);
  if (it == methods_.end() || !decoder) return false;
  it->second = std::move(decoder);
  return true;
}

const params_decoder* method_table::find(const std::string& name) const {
  auto it = methods_.find(name);
  return it == methods_.end() ? nullptr : &it->second;
}

std::vector<std::string> method_table::names() const {
  std::vector<std::string> out;
  for (auto& [name, ignored] : methods_) out.push_back(name);
  return out;
}

const method_table& method_table::requests() {
  static const method_table table;
  return table;
}

// -- parsing ------------------------------------------------------------------

parsed parse_line(std::string_view line, const method_table& methods) {
  parsed p;
  try {
    if (blank(line)) return p;
    if (nesting_depth(line) > max_depth) {
      p.response = error_response(
          nullptr, invalid_request,
          "Invalid Request: JSON nested deeper than " +
              std::to_string(max_depth) + " levels");
      return p;
    }
    json j;
    try {
      j = json::parse(line.begin(), line.end());
    } catch (const json::parse_error& e) {
      // "parse error at line 1, column 7: syntax error ..." -> "Parse error
      // at byte 7: syntax error ..." (a line has one line).
      auto why = clean(e.what());
      if (auto colon = why.find(": "); colon != std::string::npos)
        why.erase(0, colon + 2);
      p.response = error_response(
          nullptr, parse_error,
          "Parse error at byte " + std::to_string(e.byte) + ": " + why);
      return p;
    } catch (const json::exception& e) {
      // The parser's other complaint: a number too large for a double.
      p.response = error_response(nullptr, parse_error,
                                  "Parse error: " + clean(e.what()));
      return p;
    }
    if (j.is_array()) {
      if (j.empty()) {
        p.response = error_response(nullptr, invalid_request,
                                    "Invalid Request: an empty batch");
        return p;
      }
      p.batch = true;
      p.calls.reserve(j.size());
      for (const auto& element : j)
        p.calls.push_back(parse_request(element, methods));
    } else if (j.is_object()) {
      p.calls.push_back(parse_request(j, methods));
    } else {
      p.response = error_response(
          nullptr, invalid_request,
          "Invalid Request: a line must hold a request object or a batch "
          "array, not " +
              std::string{j.type_name()});
    }
  } catch (const std::exception& e) {
    p = parsed{};
    p.response = error_response(nullptr, internal_error,
                                "Internal error: " + clean(e.what()));
  }
  return p;
}

// -- encoding -----------------------------------------------------------------

std::string error_response(const json& id, int code, std::string_view message,
                           const json& data) {
  // Built by hand for the members' order (jsonrpc, id, error; code, message,
  // data); each value goes through dump().
  std::string out = R"({"jsonrpc":"2.0","id":)";
  out += dump(id);
  out += R"(,"error":{"code":)";
  out += std::to_string(code);
  out += R"(,"message":)";
  out += dump(json(std::string{message}));
  if (!data.is_null()) {
    out += R"(,"data":)";
    out += dump(data);
  }
  out += "}}";
  return out;
}

std::string result_response(const json& id, const caf::message& reply) {
  try {
    std::string result = "null";
    if (!reply.empty()) {
      auto envelope = message_to_json(reply);
      if (!envelope)
        return error_response(id, internal_error,
                              "Internal error: the reply cannot be written as "
                              "JSON: " +
                                  caf::to_string(envelope.error()));
      result = dump(*envelope);
    }
    return R"({"jsonrpc":"2.0","id":)" + dump(id) + R"(,"result":)" + result +
           "}";
  } catch (const std::exception& e) {
    return error_response(id, internal_error,
                          "Internal error: " + clean(e.what()));
  }
}

json error_from(const caf::error& e) {
  return json(net_error_of(e));
}

std::string failure_response(const json& id, const caf::error& e) {
  auto err = net_error_of(e);
  return error_response(id, request_failed, err.to_string(), json(err));
}

std::string framing_error_response(const net::uv_error& e) {
  return error_response(nullptr, invalid_request,
                        "Invalid Request: " + e.to_string(),
                        json(net_error::from(e)));
}

caf::expected<std::string> event_notification(const json& request_id,
                                              const caf::message& event) {
  try {
    auto envelope = message_to_json(event);
    if (!envelope) return envelope.error();
    return R"({"jsonrpc":"2.0","method":"event","params":{"request":)" +
           dump(request_id) + R"(,"type":)" + dump((*envelope)["type"]) +
           R"(,"data":)" + dump((*envelope)["data"]) + "}}";
  } catch (const std::exception& e) {
    return caf::make_error(caf::sec::invalid_argument, clean(e.what()));
  }
}

std::string batch_response(const std::vector<std::string>& responses) {
  if (responses.empty()) return {};
  std::string out = "[";
  for (size_t i = 0; i < responses.size(); ++i) {
    if (i > 0) out += ',';
    out += responses[i];
  }
  out += ']';
  return out;
}

std::vector<std::string> ready_responses(const parsed& p) {
  if (!p.response.empty()) return {p.response};
  std::vector<std::string> out;
  for (const auto& c : p.calls)
    if (!c.response.empty()) out.push_back(c.response);
  return out;
}

}  // namespace netactors::jsonrpc
