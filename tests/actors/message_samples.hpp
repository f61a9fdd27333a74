// Samples of every message type for messages_test: one per type, every field
// away from its default. Each area keeps its samples in samples/AREA.hpp.
#pragma once

#include <uv.h>

#include <string>

#include "actors/messages/messages.hpp"
#include "actors/messages/net_error.hpp"

namespace netactors {
namespace test_samples {

// Binary payload with NUL, 0xff and every kind of byte in between.
inline net::byte_buffer binary_payload() {
  std::string bytes{"\x00\xff\x80\x7f\x01 hello \x00\xfe\n\"\\", 16};
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  return net::byte_buffer::copy_of(bytes);
}

inline net::endpoint v6(const char* text) { return *net::endpoint::parse(text); }

inline net_error sample_error(int code, const char* name, const char* context) {
  // Unicode, quotes and control characters in the strings on purpose.
  return net_error{code, name, std::string{"libuv says \"no\"\t\u00e9\u2713"},
                   context};
}

// One sample per message type, every field away from its default (checked
// by every_field_of_a_sample_differs_from_its_default). There is no generic
// definition: a type added to all_message_types without a sample here is a
// compile error ("incomplete type sample<...>") in messages_test.cpp.
template <class T>
struct sample;

#define NETACTORS_SAMPLE(type, ...) \
  template <>                       \
  struct sample<type> {             \
    static type make() { return __VA_ARGS__; } \
  };

}  // namespace test_samples
}  // namespace netactors
