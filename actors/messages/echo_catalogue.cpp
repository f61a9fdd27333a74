#include "actors/messages/echo_messages.hpp"
#include "actors/messages/message_catalogue.hpp"

namespace netactors::detail {

const message_catalogue echo_catalogue = catalogue_of(echo_message_types{});

}  // namespace netactors::detail
