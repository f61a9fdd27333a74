// JSON for netactors::net_error: {"code":-111,"name":"ECONNREFUSED",
// "message":"connection refused","context":"connect 127.0.0.1:9"}.
#pragma once

#include <nlohmann/json.hpp>

#include "actors/messages/message_macros.hpp"
#include "actors/messages/net_error.hpp"

namespace netactors {

template <class Json, json_detail::if_json<Json> = 0>
void to_json(Json& j, const net_error& x) {
  NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NETACTORS_TO_JSON_FIELD, code,
                                           name, message, context))
}

template <class Json, json_detail::if_json<Json> = 0>
void from_json(const Json& j, net_error& x) {
  NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NETACTORS_FROM_JSON_FIELD, code,
                                           name, message, context))
}

}  // namespace netactors
