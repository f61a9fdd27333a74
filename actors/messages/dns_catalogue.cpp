#include "actors/messages/dns_messages.hpp"
#include "actors/messages/message_catalogue.hpp"

namespace netactors::detail {

const message_catalogue dns_catalogue = catalogue_of(dns_message_types{});

}  // namespace netactors::detail

// CAF's per-type instances, declared extern in dns_messages.hpp.
NETACTORS_DNS_MESSAGES(NETACTORS_DEFINE_MESSAGE_INSTANCES)
