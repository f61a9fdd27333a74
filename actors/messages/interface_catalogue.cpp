#include "actors/messages/interface_messages.hpp"
#include "actors/messages/message_catalogue.hpp"

namespace netactors::detail {

const message_catalogue interface_catalogue = catalogue_of(interface_message_types{});

}  // namespace netactors::detail
