#include "actors/messages/untrusted_text.hpp"

#include <cstdint>

namespace netactors {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_escaped(std::string& out, unsigned char byte) {
  out += "\\x";
  out += hex_digits[byte >> 4];
  out += hex_digits[byte & 0xf];
}

bool continuation(unsigned char b) { return (b & 0xc0) == 0x80; }

// The length of the valid UTF-8 sequence at s[i] (1 to 4), or 0 if there is
// none (a stray continuation byte, an overlong form, a surrogate, a code
// point above U+10FFFF, or a sequence cut short).
size_t sequence_length(std::string_view s, size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xbf;  // the range of the second byte
  if (b >= 0xc2 && b <= 0xdf) {
    n = 2;
  } else if (b >= 0xe0 && b <= 0xef) {
    n = 3;
    if (b == 0xe0) lo = 0xa0;        // no overlong forms
    if (b == 0xed) hi = 0x9f;        // no surrogates
  } else if (b >= 0xf0 && b <= 0xf4) {
    n = 4;
    if (b == 0xf0) lo = 0x90;        // no overlong forms
    if (b == 0xf4) hi = 0x8f;        // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  auto second = static_cast<unsigned char>(s[i + 1]);
  if (second < lo || second > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (!continuation(static_cast<unsigned char>(s[i + k]))) return 0;
  return n;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string escape_text(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size();) {
    auto b = static_cast<unsigned char>(raw[i]);
    size_t n = sequence_length(raw, i);
    bool printable;
    if (n == 1)
      printable = b >= 0x20 && b < 0x7f && b != '\\';
    else if (n == 2)
      // U+0080..U+009F are the C1 controls (0x9b is a terminal's CSI).
      printable = !(b == 0xc2 && static_cast<unsigned char>(raw[i + 1]) < 0xa0);
    else
      printable = n != 0;
    if (!printable) {
      // An invalid byte is escaped alone; the next one starts afresh.
      size_t k = n == 0 ? 1 : n;
      for (size_t j = 0; j < k; ++j)
        append_escaped(out, static_cast<unsigned char>(raw[i + j]));
      i += k;
      continue;
    }
    out.append(raw.substr(i, n));
    i += n;
  }
  return out;
}

std::string unescape_text(std::string_view escaped) {
  std::string out;
  out.reserve(escaped.size());
  for (size_t i = 0; i < escaped.size(); ++i) {
    if (escaped[i] == '\\' && i + 3 < escaped.size() &&
        escaped[i + 1] == 'x') {
      int hi = hex_value(escaped[i + 2]);
      int lo = hex_value(escaped[i + 3]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi << 4 | lo);
        i += 3;
        continue;
      }
    }
    out += escaped[i];
  }
  return out;
}

}  // namespace netactors
