// Message types as run-time data, for value-parameterised tests over every
// type of a caf::detail::type_list: one small template per type builds a row
// (its name and a caf::message), everything else is generic over
// caf::message. A typed test suite instead compiles every test body once per
// type, seconds of CAF template code each under ASan.
#pragma once

#include <caf/all.hpp>

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "actors/messages/messages.hpp"

namespace netactors::testing {

/// One message type: its message_type_name and a default-constructed value.
struct message_type_row {
  std::string name;
  caf::message default_value;
};

template <class T>
message_type_row message_type_row_of() {
  return {message_type_name(static_cast<const T*>(nullptr)), caf::make_message(T{})};
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

/// Whether `a` and `b` hold elements of the same types, in the same order
/// (CAF's run-time type information: builtin type number and type_info).
inline bool same_types(const caf::message& a, const caf::message& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto x = a.type(i);
    auto y = b.type(i);
    if (x.first != y.first || (x.second == nullptr) != (y.second == nullptr) ||
        (x.second != nullptr && *x.second != *y.second))
      return false;
  }
  return true;
}

}  // namespace netactors::testing
