// Messages of the echo application actors (actors/echo/echo.hpp).
#pragma once

#include <caf/detail/type_list.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "actors/messages/message_macros.hpp"

namespace netactors {

/// The measurements of one session (also the JSON summary's fields).
struct echo_client_result {
  uint64_t messages = 0;
  uint64_t bytes = 0;
  uint64_t mismatches = 0;
  std::vector<uint32_t> round_trip_us;  ///< one per message
  std::string error;                    ///< empty, or the error's name
};
NETACTORS_MESSAGE(echo_client_result, messages, bytes, mismatches,
                  round_trip_us, error)

using echo_message_types = caf::detail::type_list<echo_client_result>;

}  // namespace netactors
