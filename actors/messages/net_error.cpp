#include "actors/messages/net_error.hpp"

#include <caf/message.hpp>
#include <caf/sec.hpp>

#include <uv.h>

#include <cstdint>

namespace netactors {

namespace {

// caf::error stores an 8-bit code: index libuv's own error table (about 80
// entries) rather than the errno value, which needs more than 8 bits once
// UV_EOF and the EAI codes are included.
constexpr int uv_codes[] = {
#define NETACTORS_UV_CODE(name, ignored) UV_##name,
    UV_ERRNO_MAP(NETACTORS_UV_CODE)
#undef NETACTORS_UV_CODE
};
constexpr size_t uv_code_count = sizeof(uv_codes) / sizeof(uv_codes[0]);
static_assert(uv_code_count < 255, "libuv's error table outgrew 8 bits");

uint8_t compact_code(int code) {
  for (size_t i = 0; i < uv_code_count; ++i)
    if (uv_codes[i] == code) return static_cast<uint8_t>(i + 1);
  return 255;  // unknown to this libuv: the message still carries the code
}

}  // namespace

std::string net_error::to_string() const {
  if (ok()) return "none";
  auto text = name + ": " + message;
  if (!context.empty()) text += " (" + context + ")";
  return text;
}

net_error net_error::from(const net::uv_error& e) {
  return net_error{e.code(), e.name(), e.message(), e.context()};
}

net_error net_error::from(const net::result<void>& r) {
  return r ? net_error{} : from(r.error());
}

net_error net_error::of(int code, std::string context) {
  return from(net::uv_error{code, std::move(context)});
}

caf::error make_caf_error(const net_error& e) {
  if (e.ok()) return caf::none;
  return caf::error{compact_code(e.code), uv_atom::value,
                    caf::make_message(e.code, e.name, e.message, e.context)};
}

caf::error make_caf_error(const net::uv_error& e) {
  return make_caf_error(net_error::from(e));
}

net_error to_net_error(const caf::error& e) {
  if (!e) return {};
  if (e.category() == uv_atom::value &&
      e.context().match_elements<int, std::string, std::string, std::string>()) {
    const auto& ctx = e.context();
    return net_error{ctx.get_as<int>(0), ctx.get_as<std::string>(1),
                     ctx.get_as<std::string>(2), ctx.get_as<std::string>(3)};
  }
  // Not a libuv error. A request timeout is what libuv calls ETIMEDOUT;
  // anything else is UV_UNKNOWN named by CAF's rendering, so nothing is lost.
  if (e == caf::sec::request_timeout)
    return net_error::of(UV_ETIMEDOUT, caf::to_string(e));
  return net_error{UV_UNKNOWN, caf::to_string(e), caf::to_string(e), ""};
}

std::string error_name(const caf::error& e) {
  if (!e) return "none";
  if (e.category() == uv_atom::value) return to_net_error(e).name;
  if (e.category() == caf::atom("system"))
    return caf::to_string(static_cast<caf::sec>(e.code()));
  return caf::to_string(e);
}

void add_error_category(caf::actor_system_config& cfg) {
  cfg.add_error_category(
      uv_atom::value,
      [](uint8_t, caf::atom_value, const caf::message& ctx) -> std::string {
        if (ctx.match_elements<int, std::string, std::string, std::string>()) {
          net_error e{ctx.get_as<int>(0), ctx.get_as<std::string>(1),
                      ctx.get_as<std::string>(2), ctx.get_as<std::string>(3)};
          return "uv: " + e.to_string();
        }
        return "uv: " + caf::to_string(ctx);
      });
}

}  // namespace netactors
