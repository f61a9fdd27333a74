// Samples of the interface messages (see ../message_samples.hpp).
#pragma once

#include "tests/actors/message_samples.hpp"

namespace netactors {
namespace test_samples {

// NETACTORS_SAMPLE(type, type{...}) for each type in interfaces_message_types.

}  // namespace test_samples
}  // namespace netactors
