// CAF's per-type message machinery, instantiated once per message type
// instead of in every translation unit that sends it.
//
// Sending a T (send, request, a reply, make_message) instantiates CAF's
// type-erased tuple for T: its copy, its serializers (save, load), its
// stringification and their inspect() calls, both as a message
// (tuple_vals) and as a mailbox element (mailbox_element_vals). These are
// virtual, so every unit that sends a T compiled and code-generated all of
// them again: with ASan and UBSan at -O0, half of a test's compile time
// (tests/node/remote_service_test.cpp 27.9 s -> 14.2 s with the
// declarations below). So each capability's header declares them extern
// (explicit instantiation declarations) for each of its message types and
// its catalogue unit (<capability>_catalogue.cpp) defines them, once.
// (mailbox_element_vals<T> itself is left out: its thin virtuals call the
// tuple's, and an explicit instantiation of it would instantiate its
// dispose(), which does not compile in CAF 0.17.6.)
//
// Each capability lists its types once, as an X-macro:
//   #define NETACTORS_TCP_MESSAGES(X) X(tcp_listen) X(tcp_listening) ...
//   using tcp_message_types = NETACTORS_TYPE_LIST(NETACTORS_TCP_MESSAGES);
//   }  // namespace netactors
//   NETACTORS_TCP_MESSAGES(NETACTORS_EXTERN_MESSAGE_INSTANCES)   // header
//   NETACTORS_TCP_MESSAGES(NETACTORS_DEFINE_MESSAGE_INSTANCES)   // catalogue
// The two instance macros go at global scope (an explicit instantiation
// must be in a namespace enclosing CAF's template) and take the type's
// name inside namespace netactors.
//
// A CAF upgrade must re-check the template names and parameters below
// (CAF 0.17.6: caf/detail/tuple_vals.hpp, caf/mailbox_element.hpp,
// caf/detail/type_erased_value_impl.hpp); a renamed one fails to compile
// here, a new one only costs compile time again.
#pragma once

#include <caf/detail/tuple_vals.hpp>
#include <caf/detail/type_erased_value_impl.hpp>
#include <caf/detail/type_list.hpp>
#include <caf/type_erased_tuple.hpp>

/// caf::detail::type_list<the types of LIST>, LIST being an X-macro list.
#define NETACTORS_TYPE_LIST(LIST)                                       \
  typename ::caf::detail::tl_tail<::caf::detail::type_list<             \
      void LIST(NETACTORS_COMMA_TYPE)>>::type
#define NETACTORS_COMMA_TYPE(type) , type

#define NETACTORS_MESSAGE_INSTANCES_(prefix, type)                       \
  prefix class ::caf::detail::tuple_vals_impl<::caf::detail::message_data, \
                                              ::netactors::type>;        \
  prefix class ::caf::detail::tuple_vals<::netactors::type>;             \
  prefix class ::caf::detail::tuple_vals_impl<::caf::type_erased_tuple,  \
                                              ::netactors::type>;        \
  prefix class ::caf::detail::type_erased_value_impl<::netactors::type>;

/// In a capability's header: the instances exist elsewhere.
#define NETACTORS_EXTERN_MESSAGE_INSTANCES(type) \
  NETACTORS_MESSAGE_INSTANCES_(extern template, type)
/// In its catalogue unit: the instances, once.
#define NETACTORS_DEFINE_MESSAGE_INSTANCES(type) \
  NETACTORS_MESSAGE_INSTANCES_(template, type)
