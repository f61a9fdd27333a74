#include "net/interfaces/mac_address.hpp"

#include <cstddef>

namespace net {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string format_mac(const mac_address& mac) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text;
  text.reserve(17);
  for (size_t i = 0; i < mac.size(); ++i) {
    if (i > 0) text += ':';
    text += digits[mac[i] >> 4];
    text += digits[mac[i] & 0x0f];
  }
  return text;
}

std::optional<mac_address> parse_mac(std::string_view text) {
  // "aa:bb:cc:dd:ee:ff" is 6 * 2 digits + 5 colons.
  if (text.size() != 17) return std::nullopt;
  mac_address mac{};
  for (size_t i = 0; i < mac.size(); ++i) {
    size_t at = i * 3;
    if (i > 0 && text[at - 1] != ':') return std::nullopt;
    int high = hex_value(text[at]);
    int low = hex_value(text[at + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    mac[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return mac;
}

}  // namespace net
