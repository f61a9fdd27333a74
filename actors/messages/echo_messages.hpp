// Messages of the echo application actors (actors/echo/echo.hpp).
#pragma once

#include <caf/detail/type_list.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "actors/messages/message_macros.hpp"
#include "actors/messages/message_instances.hpp"

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

// The capability's message types, listed once (message_instances.hpp).
#define NETACTORS_ECHO_MESSAGES(X) \
    X(echo_client_result)

using echo_message_types = NETACTORS_TYPE_LIST(NETACTORS_ECHO_MESSAGES);

}  // namespace netactors

// CAF's per-type instances are in echo_catalogue.cpp.
NETACTORS_ECHO_MESSAGES(NETACTORS_EXTERN_MESSAGE_INSTANCES)
