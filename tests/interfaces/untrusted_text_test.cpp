// escape_text / unescape_text (actors/messages/untrusted_text.hpp): what an
// interface name or a DHCP server's message looks like on a terminal and in
// JSON. Printable UTF-8 stays as it is; everything else becomes \xNN, and
// the escape can be undone.
#include "actors/messages/untrusted_text.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

namespace netactors {
namespace {

using namespace std::string_literals;

TEST(untrusted_text, keeps_printable_ascii_and_utf8) {
  EXPECT_EQ(escape_text("eth0"), "eth0");
  EXPECT_EQ(escape_text("wlan-\u00e9\u2713\U0001F600"), "wlan-\u00e9\u2713\U0001F600");
  EXPECT_EQ(escape_text(""), "");
}

TEST(untrusted_text, escapes_bytes_that_are_not_utf8) {
  EXPECT_EQ(escape_text("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(escape_text("a\x80z"), "a\\x80z");          // stray continuation
  EXPECT_EQ(escape_text("\xc3"), "\\xc3");              // cut short
  EXPECT_EQ(escape_text("\xc3z"), "\\xc3z");
  EXPECT_EQ(escape_text("\xc0\xaf"), "\\xc0\\xaf");     // overlong '/'
  EXPECT_EQ(escape_text("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
  EXPECT_EQ(escape_text("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // > U+10FFFF
}

TEST(untrusted_text, escapes_control_characters_and_the_backslash) {
  EXPECT_EQ(escape_text("bad\r\nack from 6.6.6.6"), "bad\\x0d\\x0aack from 6.6.6.6");
  EXPECT_EQ(escape_text("\x1b[2J"), "\\x1b[2J");
  EXPECT_EQ(escape_text("nul\0byte"s), "nul\\x00byte");
  EXPECT_EQ(escape_text("\x7f"), "\\x7f");
  EXPECT_EQ(escape_text("\xc2\x9b"), "\\xc2\\x9b");  // U+009B, a C1 CSI
  EXPECT_EQ(escape_text("a\\xff"), "a\\x5cxff");     // not the byte 0xff
}

TEST(untrusted_text, unescaping_gives_back_every_byte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (auto raw : {all, "a\\xff"s, "\xff\xfe"s, "\\"s, "\\x"s, "\\x4"s, "caf\u00e9"s}) {
    auto escaped = escape_text(raw);
    EXPECT_EQ(unescape_text(escaped), raw) << escaped;
    // Always valid UTF-8 without control characters: JSON dumps it.
    EXPECT_NO_THROW(nlohmann::json(escaped).dump()) << escaped;
    for (unsigned char c : escaped) EXPECT_TRUE(c >= 0x20 && c != 0x7f) << escaped;
  }
  EXPECT_NE(escape_text("a\\xff"), escape_text("a\xff"));
}

TEST(untrusted_text, unescaping_keeps_what_is_not_an_escape) {
  EXPECT_EQ(unescape_text("\\xFF"), "\xff");
  EXPECT_EQ(unescape_text("\\x"), "\\x");
  EXPECT_EQ(unescape_text("\\xg0"), "\\xg0");
  EXPECT_EQ(unescape_text("a\\"), "a\\");
  EXPECT_EQ(unescape_text("\\n"), "\\n");
}

}  // namespace
}  // namespace netactors
