#include "actors/messages/echo_messages.hpp"
#include "actors/messages/message_catalogue.hpp"

namespace netactors::detail {

const message_catalogue echo_catalogue = catalogue_of(echo_message_types{});

}  // namespace netactors::detail

// CAF's per-type instances, declared extern in echo_messages.hpp.
NETACTORS_ECHO_MESSAGES(NETACTORS_DEFINE_MESSAGE_INSTANCES)
