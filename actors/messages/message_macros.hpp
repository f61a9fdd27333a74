// NETACTORS_MESSAGE(type, fields...) gives a plain message struct both of its
// serialised forms from one field list, so the two can never disagree:
// - CAF's inspect(), for the binary serializer and the middleman;
// - nlohmann to_json/from_json, with the member names as JSON keys (from_json
//   throws nlohmann::json::exception on a missing or mistyped field).
// - message_type_name(const type*): the registered and JSON type name.
// Use it in the namespace of the struct, after the struct.
#pragma once

#include <caf/meta/type_name.hpp>

#include <nlohmann/json.hpp>

#define NETACTORS_INSPECT_FIELD(field) , x.field

#define NETACTORS_MESSAGE(type, ...)                                    \
  constexpr const char* message_type_name(const type*) { return #type; } \
  template <class Inspector>                                            \
  typename Inspector::result_type inspect(Inspector& f, type& x) {      \
    return f(caf::meta::type_name(#type) NLOHMANN_JSON_EXPAND(          \
        NLOHMANN_JSON_PASTE(NETACTORS_INSPECT_FIELD, __VA_ARGS__)));    \
  }                                                                     \
  NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(type, __VA_ARGS__)

/// For messages without fields (commands such as tcp_close).
#define NETACTORS_EMPTY_MESSAGE(type)                                   \
  constexpr const char* message_type_name(const type*) { return #type; } \
  template <class Inspector>                                            \
  typename Inspector::result_type inspect(Inspector& f, type&) {        \
    return f(caf::meta::type_name(#type));                              \
  }                                                                     \
  inline void to_json(nlohmann::json& j, const type&) {                 \
    j = nlohmann::json::object();                                       \
  }                                                                     \
  inline void from_json(const nlohmann::json& j, type&) {               \
    if (!j.is_object())                                                 \
      throw nlohmann::json::type_error::create(                         \
          302, #type " must be a JSON object", &j);                     \
  }
