#include "actors/messages/udp_messages.hpp"
#include "actors/messages/message_catalogue.hpp"

namespace netactors::detail {

const message_catalogue udp_catalogue = catalogue_of(udp_message_types{});

}  // namespace netactors::detail
