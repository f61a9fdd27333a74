// Message types as run-time data, for value-parameterised tests over every
// type of a caf::detail::type_list: one small template per type builds a row
// (its name and type), everything else is generic over caf::message. A typed test suite instead compiles every test body once per
// type, seconds of CAF template code each under ASan.
#pragma once

#include <caf/all.hpp>

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <typeinfo>
#include <vector>

#include "actors/messages/messages.hpp"

namespace netactors::testing {

/// One message type: its message_type_name and its type_info. (No value:
/// caf::make_message<T> costs a type_erased_value<T> with its inspect(), the
/// bulk of a row's compile time; a test that needs a value adds one.)
struct message_type_row {
  std::string name;
  const std::type_info* type = nullptr;
};

template <class T>
message_type_row message_type_row_of() {
  return {message_type_name(static_cast<const T*>(nullptr)), &typeid(T)};
}

template <class... Ts>
std::vector<message_type_row> message_type_rows(caf::detail::type_list<Ts...>) {
  return {message_type_row_of<Ts>()...};
}

inline std::ostream& operator<<(std::ostream& out, const message_type_row& row) {
  return out << row.name;
}

/// Names each value-parameterised test after its row's `name`.
struct row_name {
  template <class Row>
  std::string operator()(const ::testing::TestParamInfo<Row>& info) const {
    return info.param.name;
  }
};

/// Whether `msg` is one element of the row's type (CAF's run-time type
/// information of the element).
inline bool holds_one(const caf::message& msg, const message_type_row& row) {
  if (msg.size() != 1) return false;
  auto type = msg.type(0).second;
  return type != nullptr && row.type != nullptr && *type == *row.type;
}

}  // namespace netactors::testing
