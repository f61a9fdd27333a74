// JSON for netactors::net_error: {"code":-111,"name":"ECONNREFUSED",
// "message":"connection refused","context":"connect 127.0.0.1:9"}.
#pragma once

#include <nlohmann/json.hpp>

#include "actors/net_error.hpp"

namespace netactors {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(net_error, code, name, message, context)

}  // namespace netactors
