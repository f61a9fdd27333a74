// net::line_framer's contract: lines come out whole however the bytes are
// split, without "\n" or "\r\n"; a line over the limit is one EMSGSIZE error,
// reported as soon as it is known, and framing resumes after its newline;
// memory held stays within the limit.
#include "net/core/line_framer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

// A line as "=text", an error as "!NAME".
std::vector<std::string> show(const std::vector<net::result<std::string>>& xs) {
  std::vector<std::string> out;
  for (auto& x : xs) out.push_back(x ? "=" + *x : "!" + x.error().name());
  return out;
}

using lines = std::vector<std::string>;

TEST(line_framer, gives_complete_lines_without_their_terminators) {
  net::line_framer f;
  EXPECT_EQ(show(f.feed("one\ntwo\r\n\nthree")),
            (lines{"=one", "=two", "=", }));
  EXPECT_EQ(f.pending(), 5u);
  EXPECT_EQ(show(f.feed("\r\n")), (lines{"=three"}));
  EXPECT_EQ(f.pending(), 0u);
  EXPECT_FALSE(f.finish());
}

TEST(line_framer, gives_the_same_lines_however_the_bytes_are_split) {
  const std::string stream =
      "{\"jsonrpc\":\"2.0\",\"id\":1}\r\n\nplain\na\rb\n\r\n\r\rx\n";
  net::line_framer whole;
  auto expected = show(whole.feed(stream));
  EXPECT_EQ(expected, (lines{"={\"jsonrpc\":\"2.0\",\"id\":1}", "=", "=plain",
                             "=a\rb", "=", "=\r\rx"}));
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    net::line_framer f;
    auto got = show(f.feed(stream.substr(0, cut)));
    for (auto& x : show(f.feed(stream.substr(cut)))) got.push_back(x);
    EXPECT_EQ(got, expected) << "split at " << cut;
  }
  net::line_framer bytewise;
  lines got;
  for (char c : stream)
    for (auto& x : show(bytewise.feed(std::string_view{&c, 1}))) got.push_back(x);
  EXPECT_EQ(got, expected);
}

TEST(line_framer, accepts_a_line_of_exactly_the_limit_even_with_crlf) {
  net::line_framer f{4};
  EXPECT_EQ(show(f.feed("abcd\nabcd\r")), (lines{"=abcd"}));
  EXPECT_EQ(f.pending(), 5u);  // the '\r' may still end the line
  EXPECT_EQ(show(f.feed("\n")), (lines{"=abcd"}));
}

TEST(line_framer, reports_a_line_over_the_limit_once_and_resumes_after_it) {
  net::line_framer f{4};
  auto out = f.feed("abcde\nok\n");
  ASSERT_EQ(out.size(), 2u);
  ASSERT_FALSE(out[0]);
  EXPECT_EQ(out[0].error().name(), "EMSGSIZE");
  EXPECT_EQ(out[0].error().to_string(),
            "EMSGSIZE: message too long (line longer than 4 bytes; skipped to "
            "the next newline)");
  EXPECT_EQ(show({out[1]}), (lines{"=ok"}));
  // "abcd\r" followed by something other than '\n' is five bytes of line.
  EXPECT_EQ(show(f.feed("abcd\rx\nok\n")), (lines{"!EMSGSIZE", "=ok"}));
}

TEST(line_framer, reports_an_endless_line_at_once_and_holds_none_of_it) {
  net::line_framer f{16};
  EXPECT_EQ(show(f.feed(std::string(16, 'a'))), lines{});
  EXPECT_EQ(f.pending(), 16u);
  // The error comes with the first byte past the limit, not at the newline.
  EXPECT_EQ(show(f.feed("a")), (lines{"!EMSGSIZE"}));
  EXPECT_TRUE(f.skipping());
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(show(f.feed(std::string(4096, 'b'))), lines{});
    ASSERT_EQ(f.pending(), 0u);
  }
  EXPECT_EQ(show(f.feed("still the same line\nnext\n")), (lines{"=next"}));
  EXPECT_FALSE(f.skipping());
}

TEST(line_framer, gives_the_unterminated_last_line_at_the_end) {
  net::line_framer f;
  EXPECT_EQ(show(f.feed("a\nlast")), (lines{"=a"}));
  auto rest = f.finish();
  ASSERT_TRUE(rest);
  EXPECT_EQ(*rest, "last");
  EXPECT_EQ(f.pending(), 0u);
  EXPECT_FALSE(f.finish());  // reset: nothing more
  // A stream that ends inside a skipped line leaves nothing.
  net::line_framer g{2};
  EXPECT_EQ(show(g.feed("abc")), (lines{"!EMSGSIZE"}));
  EXPECT_FALSE(g.finish());
  EXPECT_EQ(show(g.feed("ok\n")), (lines{"=ok"}));  // and starts afresh
}

TEST(line_framer, treats_a_zero_limit_as_one) {
  net::line_framer f{0};
  EXPECT_EQ(f.max_line_length(), 1u);
  EXPECT_EQ(show(f.feed("a\nab\n\n")), (lines{"=a", "!EMSGSIZE", "="}));
}

}  // namespace
