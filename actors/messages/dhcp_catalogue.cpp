#include "actors/messages/dhcp_messages.hpp"
#include "actors/messages/message_catalogue.hpp"

namespace netactors::detail {

const message_catalogue dhcp_catalogue = catalogue_of(dhcp_message_types{});

}  // namespace netactors::detail

// CAF's per-type instances, declared extern in dhcp_messages.hpp.
NETACTORS_DHCP_MESSAGES(NETACTORS_DEFINE_MESSAGE_INSTANCES)
