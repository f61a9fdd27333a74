#include "net/core/uv_error.hpp"

#include <uv.h>

namespace net {

std::string uv_error::name() const { return uv_err_name(code_); }

std::string uv_error::message() const { return uv_strerror(code_); }

std::string uv_error::to_string() const {
  auto text = name() + ": " + message();
  if (!context_.empty()) text += " (" + context_ + ")";
  return text;
}

int uv_error_code_from_name(const std::string& name) {
#define NETACTORS_UV_NAME_TO_CODE(n, ignored) \
  if (name == #n) return UV_##n;
  UV_ERRNO_MAP(NETACTORS_UV_NAME_TO_CODE)
#undef NETACTORS_UV_NAME_TO_CODE
  return 0;
}

}  // namespace net
