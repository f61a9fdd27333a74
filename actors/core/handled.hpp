// netactors::handled: what a handler of a message that is sometimes a
// request returns when it is done (an owner's tcp_received: a plain send,
// except for the read window's markers, which are requests).
//
// CAF 0.17 answers a request with what its handler returns; for a `void`
// handler it still builds a response promise for every message, a plain
// send included, only to find that nobody waits (~180 instructions per
// message, default_invoke_result_visitor::delegate). `return handled(self);`
// answers a request with an empty reply, exactly as returning nothing does,
// and skips the promise for a plain send.
// Thread safety: call from the actor `self`, inside its handler.
#pragma once

#include <caf/delegated.hpp>
#include <caf/local_actor.hpp>
#include <caf/result.hpp>

namespace netactors {

inline caf::result<void> handled(caf::local_actor* self) {
  if (self->current_message_id().is_request()) return {};
  return caf::delegated<void>{};
}

}  // namespace netactors
