#include "actors/messages/supervisor_messages.hpp"
#include "actors/messages/message_catalogue.hpp"

namespace netactors::detail {

const message_catalogue supervisor_catalogue = catalogue_of(supervisor_message_types{});

}  // namespace netactors::detail

// CAF's per-type instances, declared extern in supervisor_messages.hpp.
NETACTORS_SUPERVISOR_MESSAGES(NETACTORS_DEFINE_MESSAGE_INSTANCES)
