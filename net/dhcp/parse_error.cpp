#include "net/dhcp/parse_error.hpp"

namespace net::dhcp {

const char* name(parse_error error) noexcept {
  switch (error) {
    case parse_error::truncated_header:
      return "truncated_header";
    case parse_error::bad_op_code:
      return "bad_op_code";
    case parse_error::bad_hardware_length:
      return "bad_hardware_length";
    case parse_error::missing_magic_cookie:
      return "missing_magic_cookie";
    case parse_error::option_overruns_packet:
      return "option_overruns_packet";
    case parse_error::missing_end_option:
      return "missing_end_option";
    case parse_error::bad_option_length:
      return "bad_option_length";
    case parse_error::bad_overload_value:
      return "bad_overload_value";
    case parse_error::misplaced_option_overload:
      return "misplaced_option_overload";
  }
  // A value cast from an integer outside the enum: not a crash, a name.
  return "unknown";
}

}  // namespace net::dhcp
