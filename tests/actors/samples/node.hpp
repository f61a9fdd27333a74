// Samples of the node messages (see ../message_samples.hpp).
#pragma once

#include "tests/actors/message_samples.hpp"

namespace netactors {
namespace test_samples {

NETACTORS_SAMPLE(node_service_request, node_service_request{"interfaces \"\u00e9\""})

}  // namespace test_samples
}  // namespace netactors
