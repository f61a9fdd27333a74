#include "actors/messages/tcp_messages.hpp"
#include "actors/messages/message_catalogue.hpp"

namespace netactors::detail {

const message_catalogue tcp_catalogue = catalogue_of(tcp_message_types{});

}  // namespace netactors::detail

// CAF's per-type instances, declared extern in tcp_messages.hpp.
NETACTORS_TCP_MESSAGES(NETACTORS_DEFINE_MESSAGE_INSTANCES)
