// CAF inspect() and nlohmann JSON for the net/ value types that appear in
// messages: net::endpoint and net::byte_buffer. They live in namespace net so
// that argument-dependent lookup finds them; net/ itself stays free of CAF.
//
// JSON forms:
//   endpoint     {"address":"127.0.0.1","port":7000}  (IPv6 without brackets),
//                or {"path":"/run/x.sock"} for a Unix socket
//   byte_buffer  "aGVsbG8="  (standard padded base64 of the bytes)
// Thread safety: pure functions.
#pragma once

#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/sec.hpp>

#include <nlohmann/json.hpp>

#include <string>

#include "actors/messages/base64.hpp"
#include "net/core/byte_buffer.hpp"
#include "net/core/endpoint.hpp"

namespace net {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, endpoint& x) {
  // Serialised as its text form, which every endpoint has and parse() takes.
  std::string text;
  if constexpr (Inspector::reads_state) text = x.to_string();
  return f(caf::meta::type_name("endpoint"), text,
           caf::meta::load_callback([&]() -> caf::error {
             auto parsed = endpoint::parse(text);
             if (!parsed) return caf::sec::invalid_argument;
             x = *parsed;
             return caf::none;
           }));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, byte_buffer& x) {
  std::string bytes;
  if constexpr (Inspector::reads_state) bytes = x.to_string();
  return f(caf::meta::type_name("bytes"), bytes,
           caf::meta::load_callback([&]() -> caf::error {
             x = byte_buffer::copy_of(bytes);
             return caf::none;
           }));
}

void to_json(nlohmann::json& j, const endpoint& x);
/// Throws nlohmann::json::exception (type_error 302 / other_error 501) for a
/// missing field or an invalid address or port.
void from_json(const nlohmann::json& j, endpoint& x);

void to_json(nlohmann::json& j, const byte_buffer& x);
/// Throws nlohmann::json::exception for anything but padded base64.
void from_json(const nlohmann::json& j, byte_buffer& x);

}  // namespace net
