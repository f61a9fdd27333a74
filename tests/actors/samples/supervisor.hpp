// Samples of the supervisor messages (see ../message_samples.hpp).
#pragma once

#include "tests/actors/message_samples.hpp"

namespace netactors {
namespace test_samples {

NETACTORS_SAMPLE(supervisor_which, supervisor_which{"resolver\u00e9"})
NETACTORS_SAMPLE(supervisor_stable_handle, supervisor_stable_handle{"echo \"1\""})
NETACTORS_SAMPLE(supervisor_get_stats, supervisor_get_stats{})
NETACTORS_SAMPLE(supervisor_stats,
                 supervisor_stats{"netnode",
                                  {supervisor_child_stats{"resolver", "permanent",
                                                          "running", 4294967295u},
                                   supervisor_child_stats{"dhcp", "temporary",
                                                          "exited", 0}}})
NETACTORS_SAMPLE(supervisor_event,
                 supervisor_event{"netnode", "resolver", "restarted",
                                  "uv: ECONNRESET: connection reset by peer\t\u2713", 3})

}  // namespace test_samples
}  // namespace netactors
