#include "actors/messages/node_messages.hpp"
#include "actors/messages/message_catalogue.hpp"

namespace netactors::detail {

const message_catalogue node_catalogue = catalogue_of(node_message_types{});

}  // namespace netactors::detail
