#include "net/dhcp/address.hpp"

#include <cstddef>

namespace net::dhcp {

std::string format_ipv4(const ipv4_address& address) {
  std::string text;
  for (size_t i = 0; i < address.size(); ++i) {
    if (i > 0) text += '.';
    text += std::to_string(address[i]);
  }
  return text;
}

std::optional<ipv4_address> parse_ipv4(std::string_view text) {
  ipv4_address address{};
  size_t pos = 0;
  for (size_t i = 0; i < address.size(); ++i) {
    if (i > 0) {
      if (pos >= text.size() || text[pos] != '.') return std::nullopt;
      ++pos;
    }
    unsigned value = 0;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      // Three digits at most keeps `value` small and rejects "0001".
      if (++digits > 3) return std::nullopt;
      value = value * 10 + static_cast<unsigned>(text[pos] - '0');
      ++pos;
    }
    if (digits == 0 || value > 255) return std::nullopt;
    address[i] = static_cast<uint8_t>(value);
  }
  if (pos != text.size()) return std::nullopt;
  return address;
}

}  // namespace net::dhcp
