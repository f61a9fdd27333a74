// The dhcp messages (filled in by the dhcp work; see tcp_messages.hpp for the
// conventions: plain structs, NETACTORS_MESSAGE, a type list at the end).
#pragma once

#include <caf/detail/type_list.hpp>

#include "actors/messages/message_macros.hpp"

namespace netactors {

using dhcp_message_types = caf::detail::type_list<>;

}  // namespace netactors
