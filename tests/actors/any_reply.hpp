// A reply handler that takes a reply of any type without instantiating
// anything per type, and the pieces that keep a request's type checks when
// its reply comes as a caf::message. No reply matches the type any_reply, so CAF hands every
// reply to the request's error handler as sec::unexpected_response, the
// reply as the error's context (scheduled_actor and blocking_actor alike);
// reply_in() takes it out again.
// (An error reply of sec::unexpected_response itself would read as a reply;
// no actor under test sends one.)
#pragma once

#include <caf/all.hpp>

#include <optional>
#include <type_traits>
#include <utility>

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

/// An error unless `reply` consists of exactly Replies... (none for an empty
/// reply); CAF's own unexpected_response, naming the reply, if not.
template <class... Replies>
caf::error check_reply(const caf::message& reply) {
  if (reply.match_elements<Replies...>()) return caf::none;
  return caf::make_error(caf::sec::unexpected_response, reply);
}

/// A compile error unless `Handle` (when typed) takes Msg and answers with
/// Replies... (void for an empty reply): what CAF's typed request() checks.
template <class Handle, class Msg, class... Replies>
constexpr void check_signature() {
  using signatures = typename Handle::signatures;
  if constexpr (!std::is_same_v<signatures, caf::none_t>) {
    using answer = caf::response_type<signatures, caf::detail::implicit_conversions_t<Msg>>;
    static_assert(answer::valid, "the typed handle does not take this message");
    if constexpr (answer::valid)
      static_assert(
          std::is_same_v<typename answer::type, caf::detail::type_list<Replies...>>,
          "the typed handle answers this message with other types");
  }
}

/// Sends `msg` (its elements, as they are) to `dest` as a request from a
/// blocking actor and waits up to `timeout` for the reply, of any type: one
/// function for every request.
inline caf::expected<caf::message> request_blocking(caf::scoped_actor& self,
                                                    const caf::actor& dest,
                                                    caf::timespan timeout,
                                                    caf::message msg) {
  caf::expected<caf::message> out{caf::message{}};
  self->request(dest, timeout, std::move(msg))
      .receive([](any_reply&) {},
               [&](caf::error& err) {
                 if (auto reply = reply_in(err))
                   out = std::move(*reply);
                 else
                   out = std::move(err);
               });
  return out;
}

/// request_blocking() for a reply of type Reply (unexpected_response if it
/// is not one); a typed `dest` must take Msg and answer Reply.
template <class Reply, class Handle, class Msg>
caf::expected<Reply> request_blocking_as(caf::scoped_actor& self, const Handle& dest,
                                         caf::timespan timeout, Msg msg) {
  check_signature<Handle, Msg, Reply>();
  auto reply = request_blocking(self, caf::actor_cast<caf::actor>(dest), timeout,
                                caf::make_message(std::move(msg)));
  if (!reply) return std::move(reply.error());
  if (auto err = check_reply<Reply>(*reply)) return err;
  return reply->template get_as<Reply>(0);
}

}  // namespace netactors::testing
