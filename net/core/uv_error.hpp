// net::uv_error: a libuv error as a value (code, name, message).
// Thread-safe: immutable value type. Nothing in net/ throws; functions that can
// fail return a net::result<T> (net/core/result.hpp) holding a value or a uv_error.
#pragma once

#include <string>
#include <utility>

namespace net {

/// A libuv error code (a negative errno, UV_EOF or a UV_EAI_* value).
class uv_error {
 public:
  /// Wraps `code`, a negative libuv error code such as UV_EADDRINUSE, and an
  /// optional context saying what failed ("bind 127.0.0.1:80").
  explicit uv_error(int code, std::string context = {})
      : code_(code), context_(std::move(context)) {}

  /// The libuv code, e.g. -98 for UV_EADDRINUSE on Linux.
  int code() const noexcept { return code_; }

  /// What was being done, or which input was wrong; may be empty.
  const std::string& context() const noexcept { return context_; }

  /// libuv's name of the error, e.g. "EADDRINUSE" (uv_err_name).
  std::string name() const;

  /// libuv's description, e.g. "address already in use" (uv_strerror).
  std::string message() const;

  /// "EADDRINUSE: address already in use (bind 127.0.0.1:80)".
  std::string to_string() const;

  /// Errors compare by code only; the context is commentary.
  friend bool operator==(const uv_error& a, const uv_error& b) noexcept {
    return a.code_ == b.code_;
  }
  friend bool operator!=(const uv_error& a, const uv_error& b) noexcept {
    return a.code_ != b.code_;
  }

 private:
  int code_;
  std::string context_;
};

/// Maps a libuv error name ("ECONNREFUSED") back to its code; 0 if unknown.
/// Used when an error crosses a process boundary by name (JSON).
int uv_error_code_from_name(const std::string& name);

}  // namespace net
