// net::dhcp::parse_error: why a datagram is not a well-formed DHCPv4 message.
// A value type; thread-safe. The parser returns one of these instead of
// throwing (nothing in net/ throws), see net/dhcp/parse_result.hpp.
#pragma once

#include <cstdint>

namespace net::dhcp {

/// The first rule of RFC 2131/2132/3396 a datagram broke, checked in the
/// order listed here (header, cookie, option framing, option contents).
enum class parse_error : uint8_t {
  /// Shorter than the 236-byte BOOTP header; includes the empty datagram.
  truncated_header = 1,
  /// `op` is neither 1 (BOOTREQUEST) nor 2 (BOOTREPLY).
  bad_op_code,
  /// `hlen` exceeds the 16 bytes of `chaddr`.
  bad_hardware_length,
  /// The four bytes after the header are absent or not 99.130.83.99.
  missing_magic_cookie,
  /// An option's length byte, or its data, lies beyond the end of the field
  /// (options, file or sname) that holds it.
  option_overruns_packet,
  /// A field that holds options ends without the end option (255); this
  /// includes an options field of nothing but pad options.
  missing_end_option,
  /// A known option has a length its RFC forbids (after concatenating
  /// repeated instances, RFC 3396): e.g. message type (53) not 1 byte,
  /// lease time (51) or server identifier (54) not 4, routers (3) not a
  /// non-empty multiple of 4.
  bad_option_length,
  /// Option overload (52) holds a value other than 1 (file), 2 (sname) or
  /// 3 (both).
  bad_overload_value,
  /// Option overload (52) appears inside the file or sname field; RFC 2131
  /// allows it only in the options field.
  misplaced_option_overload,
};

/// The enumerator's name, e.g. "option_overruns_packet"; "unknown" for a
/// value outside the enum. The returned string is static.
const char* name(parse_error error) noexcept;

}  // namespace net::dhcp
