// net::line_framer: cuts a byte stream into lines, for line-based protocols
// (the JSON-RPC gateway, text commands). Bytes may arrive split anywhere; a
// line comes out once its '\n' has arrived, without the '\n' and without a
// '\r' right before it. A line longer than max_line_length (terminator not
// counted) is one EMSGSIZE error, reported as soon as it is known, and its
// bytes are skipped up to and including the next '\n'; the line after it
// comes out normally. The framer never holds more than max_line_length + 1
// bytes, whatever the peer sends.
// Pure: no I/O. Thread safety: a value type (one owner at a time).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/core/result.hpp"

namespace net {

class line_framer {
 public:
  /// Lines of up to `max_line_length` bytes (at least 1).
  explicit line_framer(size_t max_line_length = 64 * 1024);

  /// Feeds the next bytes of the stream. Returns what they completed, in
  /// stream order: each a line, or an EMSGSIZE error ("line longer than N
  /// bytes; skipped to the next newline") for a line that was too long.
  std::vector<result<std::string>> feed(std::string_view bytes);

  /// At the end of the stream: the last line if it lacked its '\n' (a '\r'
  /// at its end is kept: it was not followed by '\n'). Empty when the stream
  /// ended at a line boundary or inside a skipped line. Resets the framer.
  std::optional<std::string> finish();

  /// Bytes of an unfinished line held now (at most max_line_length + 1).
  size_t pending() const noexcept { return pending_.size(); }

  /// True while the rest of an over-long line is being skipped.
  bool skipping() const noexcept { return skipping_; }

  size_t max_line_length() const noexcept { return max_; }

 private:
  uv_error too_long() const;

  size_t max_;
  std::string pending_;
  bool skipping_ = false;
};

}  // namespace net
