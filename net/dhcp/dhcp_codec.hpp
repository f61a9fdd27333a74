// net::dhcp codec: DHCPv4 messages to and from wire bytes (RFC 2131 section 2,
// RFC 2132, RFC 3396). Pure functions without I/O or shared state;
// thread-safe. Malformed input is an error value, never an exception, a
// crash or a read outside [data, data + size).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "net/dhcp/dhcp_message.hpp"
#include "net/dhcp/parse_result.hpp"

namespace net::dhcp {

/// Parses one UDP payload as a DHCPv4 message. Does not keep `data`.
///
/// Strict: the 236-byte header, the magic cookie and an options field ending
/// in the end option (255) are required; pad (0) is skipped; bytes after the
/// end option are ignored (they are padding). Repeated options are
/// concatenated in order of appearance (RFC 3396). Option overload (52) is
/// supported: the file field and then the sname field, as it says, are
/// parsed as further options under the same rules (each must end in 255,
/// none may contain 52); their options join `options`, the fields are
/// zeroed and option 52 itself is dropped, so serialize() of the result
/// yields an equivalent packet without overload. Options with typed
/// accessors must have their RFC 2132 lengths (option_length_ok).
parse_result<dhcp_message> parse(const uint8_t* data, size_t size);

/// parse() over a whole vector.
parse_result<dhcp_message> parse(const std::vector<uint8_t>& bytes);

/// The wire bytes of `msg`: the header, the magic cookie, every option in
/// order (split into 255-byte instances when longer, RFC 3396; codes 0 and
/// 255 skipped as they cannot carry data), the end option, then zeros up to
/// bootp_min_size. Never uses option overload itself; an option 52 put into
/// `options` by hand is written like any other.
std::vector<uint8_t> serialize(const dhcp_message& msg);

}  // namespace net::dhcp
