#include "actors/messages/udp_messages.hpp"
#include "actors/messages/message_catalogue.hpp"

namespace netactors::detail {

const message_catalogue udp_catalogue = catalogue_of(udp_message_types{});

}  // namespace netactors::detail

// CAF's per-type instances, declared extern in udp_messages.hpp.
NETACTORS_UDP_MESSAGES(NETACTORS_DEFINE_MESSAGE_INSTANCES)
