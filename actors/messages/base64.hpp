// Base64 (RFC 4648, standard alphabet, padded): the JSON form of byte
// payloads. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace netactors {

std::string base64_encode(std::string_view bytes);

/// nullopt for anything that is not canonical padded base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace netactors
