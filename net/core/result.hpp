// net::result<T>: a value or a net::uv_error, returned by everything in net/
// that can fail. A plain value type; thread safety is that of T.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

#include "net/core/uv_error.hpp"

namespace net {

/// Holds either a T or the uv_error that prevented producing it.
template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : value_(std::move(value)), error_(0) {}  // NOLINT
  result(uv_error error) : error_(error) { assert(error.code() != 0); }  // NOLINT

  bool ok() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }

  /// The value; only valid when ok().
  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  /// The error; only valid when !ok().
  const uv_error& error() const noexcept { assert(!ok()); return error_; }

 private:
  std::optional<T> value_;
  uv_error error_;
};

/// result<void>: success, or an error.
template <>
class [[nodiscard]] result<void> {
 public:
  result() : error_(0) {}
  result(uv_error error) : error_(error) { assert(error.code() != 0); }  // NOLINT

  /// Converts a libuv return code: negative means error.
  static result from_code(int rc, std::string context = {}) {
    return rc < 0 ? result{uv_error{rc, std::move(context)}} : result{};
  }

  bool ok() const noexcept { return error_.code() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  const uv_error& error() const noexcept { assert(!ok()); return error_; }

 private:
  uv_error error_;
};

}  // namespace net
