#include "net/dhcp/address.hpp"

#include <cstddef>

namespace net::dhcp {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

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

std::string format_mac(const mac_address& mac) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text;
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

}  // namespace net::dhcp
