// A reply handler that takes a reply of any type without instantiating
// anything per type. No reply matches the type any_reply, so CAF hands every
// reply to the request's error handler as sec::unexpected_response, the
// reply as the error's context (scheduled_actor and blocking_actor alike);
// reply_in() takes it out again.
// (An error reply of sec::unexpected_response itself would read as a reply;
// no actor under test sends one.)
#pragma once

#include <caf/all.hpp>

#include <optional>

namespace netactors::testing {

struct any_reply {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, any_reply&) {
  return f(caf::meta::type_name("any_reply"));
}

/// The reply inside the error a request's error handler got, if it was one;
/// nothing if the error is a real one.
inline std::optional<caf::message> reply_in(const caf::error& err) {
  if (err == caf::sec::unexpected_response) return err.context();
  return std::nullopt;
}

}  // namespace netactors::testing
