// NETACTORS_MESSAGE(type, fields...) gives a plain message struct both of its
// serialised forms from one field list, so the two can never disagree:
// - CAF's inspect(), for the binary serializer and the middleman;
// - nlohmann to_json/from_json, with the member names as JSON keys. from_json
//   throws nlohmann::json::exception on a missing or mistyped field, and on
//   a number that is fractional or out of its field's range (nlohmann's own
//   get<> would silently truncate or wrap).
// - message_type_name(const type*): the registered and JSON type name.
// Use it in the namespace of the struct, after the struct.
#pragma once

#include <caf/meta/type_name.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

namespace netactors::json_detail {

// The messages' to_json/from_json are templates on the JSON type (only
// nlohmann::json), so their bodies are compiled only in the units that
// convert (the catalogues, the gateway, tests), not in every unit that
// includes a message header: as inline functions they instantiated
// nlohmann's conversions and read_field for every field of every message
// in every unit, ~15% of a unit's compile time.
template <class Json>
using if_json = std::enable_if_t<std::is_same_v<Json, nlohmann::json>, int>;

template <class T>
void read_field(const nlohmann::json& j, const char* key, T& out) {
  const auto& v = j.at(key);
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean())
      throw nlohmann::json::type_error::create(
          302, std::string{key} + " must be true or false", &v);
    out = v.get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    if (!v.is_number_integer())
      throw nlohmann::json::type_error::create(
          302, std::string{key} + " must be a whole number", &v);
    bool fits;
    if (v.is_number_unsigned())
      fits = v.get<uint64_t>() <=
             static_cast<uint64_t>(std::numeric_limits<T>::max());
    else
      fits = v.get<int64_t>() >=
                 static_cast<int64_t>(std::numeric_limits<T>::min()) &&
             (v.get<int64_t>() < 0 ||
              static_cast<uint64_t>(v.get<int64_t>()) <=
                  static_cast<uint64_t>(std::numeric_limits<T>::max()));
    if (!fits)
      throw nlohmann::json::out_of_range::create(
          406, std::string{key} + " is out of range", &v);
    out = v.get<T>();
  } else {
    v.get_to(out);
  }
}

}  // namespace netactors::json_detail

#define NETACTORS_INSPECT_FIELD(field) , x.field
#define NETACTORS_TO_JSON_FIELD(field) j[#field] = x.field;
#define NETACTORS_FROM_JSON_FIELD(field) \
  ::netactors::json_detail::read_field(j, #field, x.field);

#define NETACTORS_MESSAGE(type, ...)                                    \
  constexpr const char* message_type_name(const type*) { return #type; } \
  template <class Inspector>                                            \
  typename Inspector::result_type inspect(Inspector& f, type& x) {      \
    return f(caf::meta::type_name(#type) NLOHMANN_JSON_EXPAND(          \
        NLOHMANN_JSON_PASTE(NETACTORS_INSPECT_FIELD, __VA_ARGS__)));    \
  }                                                                     \
  template <class Json, ::netactors::json_detail::if_json<Json> = 0>    \
  void to_json(Json& j, const type& x) {                                \
    NLOHMANN_JSON_EXPAND(                                               \
        NLOHMANN_JSON_PASTE(NETACTORS_TO_JSON_FIELD, __VA_ARGS__))      \
  }                                                                     \
  template <class Json, ::netactors::json_detail::if_json<Json> = 0>    \
  void from_json(const Json& j, type& x) {                              \
    NLOHMANN_JSON_EXPAND(                                               \
        NLOHMANN_JSON_PASTE(NETACTORS_FROM_JSON_FIELD, __VA_ARGS__))    \
  }

/// For messages without fields (commands such as tcp_close).
#define NETACTORS_EMPTY_MESSAGE(type)                                   \
  constexpr const char* message_type_name(const type*) { return #type; } \
  template <class Inspector>                                            \
  typename Inspector::result_type inspect(Inspector& f, type&) {        \
    return f(caf::meta::type_name(#type));                              \
  }                                                                     \
  template <class Json, ::netactors::json_detail::if_json<Json> = 0>    \
  void to_json(Json& j, const type&) {                                  \
    j = Json::object();                                                 \
  }                                                                     \
  template <class Json, ::netactors::json_detail::if_json<Json> = 0>    \
  void from_json(const Json& j, type&) {                                \
    if (!j.is_object())                                                 \
      throw Json::type_error::create(                                   \
          302, #type " must be a JSON object", &j);                     \
  }
