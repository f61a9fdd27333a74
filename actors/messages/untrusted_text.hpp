// Untrusted text: strings that come from outside and may hold any bytes (an
// interface name, which Linux lets be any bytes but '/', ':' and white space;
// a DHCP server's message). escape_text makes one safe to print on a terminal
// and to put in JSON (nlohmann's dump throws on invalid UTF-8): every byte
// that is not printable UTF-8 - invalid UTF-8, C0 and C1 control characters,
// DEL - and the backslash itself are written as \xNN (two lowercase hex
// digits); everything else is kept. "eth\xff" therefore names the interface
// whose name is e,t,h and the byte 0xff, and a name that really contains a
// backslash shows it as \x5c. The escape is reversible (unescape_text), so
// different names never look alike.
// Thread safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace netactors {

/// `raw` with every byte that is not printable UTF-8, and '\', as \xNN.
std::string escape_text(std::string_view raw);

/// Undoes escape_text: each \xNN (hex digits in either case) becomes byte NN;
/// anything else, including a backslash not followed by xNN, is kept as is.
std::string unescape_text(std::string_view escaped);

namespace json_detail {

/// For hand-written to_json of messages with untrusted text fields.
inline void write_text(nlohmann::json& j, const char* key,
                       const std::string& raw) {
  j[key] = escape_text(raw);
}

/// The reverse: a string field, unescaped. Throws nlohmann::json::exception
/// on a missing field or one that is not a string.
inline void read_text(const nlohmann::json& j, const char* key,
                      std::string& out) {
  const auto& v = j.at(key);
  if (!v.is_string())
    throw nlohmann::json::type_error::create(
        302, std::string{key} + " must be a string", &v);
  out = unescape_text(v.get_ref<const std::string&>());
}

}  // namespace json_detail
}  // namespace netactors
