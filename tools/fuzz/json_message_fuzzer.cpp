// libFuzzer target for the JSON message envelope (actors/messages/messages.hpp):
// arbitrary bytes must parse to a message or to an error value, never crash,
// throw or over-read; and whatever parses must serialise back to JSON that
// parses to the same JSON again (nothing lost in the round trip).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "actors/messages/messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  auto msg = netactors::message_from_json_text(text);
  if (!msg) return 0;
  auto json = netactors::message_to_json(*msg);
  if (!json) std::abort();  // parsed but cannot be written back
  auto again = netactors::message_from_json(*json);
  if (!again) std::abort();
  auto json_again = netactors::message_to_json(*again);
  if (!json_again || *json_again != *json) std::abort();
  return 0;
}
