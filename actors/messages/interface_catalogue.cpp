#include "actors/messages/interface_messages.hpp"
#include "actors/messages/message_catalogue.hpp"

namespace netactors::detail {

const message_catalogue interface_catalogue = catalogue_of(interface_message_types{});

}  // namespace netactors::detail

// CAF's per-type instances, declared extern in interface_messages.hpp.
NETACTORS_INTERFACE_MESSAGES(NETACTORS_DEFINE_MESSAGE_INSTANCES)
