// Messages of a published node (actors/node/node_directory.hpp): what another
// process asks the node's directory over CAF's middleman. Plain structs; JSON
// and CAF forms come from NETACTORS_MESSAGE (see tcp_messages.hpp for the
// conventions).
#pragma once

#include <caf/detail/type_list.hpp>

#include <string>

#include "actors/messages/message_macros.hpp"

namespace netactors {

/// To a node's directory. Reply: the handle (caf::actor) of the service
/// called `name` ("interfaces", "resolver", ...), or an error naming it
/// (ENOENT) when the node runs no such service.
struct node_service_request {
  std::string name;
};
NETACTORS_MESSAGE(node_service_request, name)

using node_message_types = caf::detail::type_list<node_service_request>;

}  // namespace netactors
