#include "actors/messages/node_messages.hpp"
#include "actors/messages/message_catalogue.hpp"

namespace netactors::detail {

const message_catalogue node_catalogue = catalogue_of(node_message_types{});

}  // namespace netactors::detail

// CAF's per-type instances, declared extern in node_messages.hpp.
NETACTORS_NODE_MESSAGES(NETACTORS_DEFINE_MESSAGE_INSTANCES)
