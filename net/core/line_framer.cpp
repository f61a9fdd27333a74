#include "net/core/line_framer.hpp"

#include <uv.h>

#include <algorithm>

namespace net {

line_framer::line_framer(size_t max_line_length)
    : max_(std::max<size_t>(max_line_length, 1)) {}

uv_error line_framer::too_long() const {
  return uv_error{UV_EMSGSIZE, "line longer than " + std::to_string(max_) +
                                   " bytes; skipped to the next newline"};
}

std::vector<result<std::string>> line_framer::feed(std::string_view bytes) {
  std::vector<result<std::string>> out;
  while (!bytes.empty()) {
    auto newline = bytes.find('\n');
    bool complete = newline != std::string_view::npos;
    auto chunk = bytes.substr(0, complete ? newline : bytes.size());
    bytes.remove_prefix(complete ? newline + 1 : bytes.size());
    if (skipping_) {
      skipping_ = !complete;
      continue;
    }
    size_t total = pending_.size() + chunk.size();
    char last = chunk.empty() ? (pending_.empty() ? '\0' : pending_.back())
                              : chunk.back();
    // A '\r' at the end does not count if a '\n' follows (or may follow).
    size_t length = last == '\r' ? total - 1 : total;
    if (length > max_) {
      // Known to be too long: say so now, hold nothing of it.
      out.emplace_back(too_long());
      pending_.clear();
      skipping_ = !complete;
      continue;
    }
    if (!complete) {
      pending_.append(chunk);
      continue;
    }
    std::string line = std::move(pending_);
    pending_.clear();
    line.append(chunk);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.emplace_back(std::move(line));
  }
  return out;
}

std::optional<std::string> line_framer::finish() {
  std::optional<std::string> rest;
  if (!skipping_ && !pending_.empty()) rest = std::move(pending_);
  pending_.clear();
  skipping_ = false;
  return rest;
}

}  // namespace net
