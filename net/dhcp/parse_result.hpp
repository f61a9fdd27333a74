// net::dhcp::parse_result<T>: a parsed T or the parse_error that prevented
// it; the DHCP counterpart of net::result<T>, which carries libuv errors.
// A plain value type; thread safety is that of T.
#pragma once

#include <cassert>
#include <optional>
#include <utility>

#include "net/dhcp/parse_error.hpp"

namespace net::dhcp {

/// Holds either a T or the parse_error explaining why there is none.
template <class T>
class [[nodiscard]] parse_result {
 public:
  parse_result(T value) : value_(std::move(value)) {}  // NOLINT
  parse_result(parse_error error) : error_(error) {}   // NOLINT

  /// True when a value is held.
  bool ok() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }

  /// The value; only valid when ok().
  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  /// The error; only valid when !ok().
  parse_error error() const noexcept {
    assert(!ok());
    return error_;
  }

 private:
  std::optional<T> value_;
  parse_error error_{};
};

}  // namespace net::dhcp
