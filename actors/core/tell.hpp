// netactors::tell: a plain send (no reply wanted) from a typed actor.
// CAF 0.17's typed send() refuses two things netactors actors need: sending
// to a dynamically typed actor (every owner is a caf::actor) and sending a
// message whose reply the sender does not take (a plain tcp_write or udp_send
// reports failures as events instead of a reply). tell() still checks at
// compile time that the receiver accepts the message, and the sender is the
// actor itself (owners tell their sockets apart by the sender).
// Thread safety: call from the actor `self` (like self->send).
#pragma once

#include <caf/check_typed_input.hpp>
#include <caf/detail/type_list.hpp>
#include <caf/detail/type_traits.hpp>
#include <caf/response_type.hpp>
#include <caf/send.hpp>

#include <utility>

namespace netactors {

template <class Self, class Dest, class... Ts>
void tell(Self* self, const Dest& dest, Ts&&... xs) {
  using token = caf::detail::type_list<caf::detail::strip_and_convert_t<Ts>...>;
  static_assert(caf::response_type_unbox<caf::signatures_of_t<Dest>, token>::valid,
                "receiver does not accept given message");
  caf::unsafe_send_as(self, dest, std::forward<Ts>(xs)...);
}

}  // namespace netactors
