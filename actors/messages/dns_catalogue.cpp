#include "actors/messages/dns_messages.hpp"
#include "actors/messages/message_catalogue.hpp"

namespace netactors::detail {

const message_catalogue dns_catalogue = catalogue_of(dns_message_types{});

}  // namespace netactors::detail
