// net::byte_buffer: an owned run of bytes. Payloads travel between the loop
// thread and actors as byte_buffers, by move: the bytes libuv read into become
// a message, and the bytes an actor writes go into uv_write and are freed in
// its callback. Copies are deep and exist only because CAF 0.17 requires
// message types to be copyable (it copies a message only when it is shared
// and a handler asks to change it). Thread safety: a value type.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace net {

class byte_buffer {
 public:
  byte_buffer() noexcept = default;

  /// An uninitialised buffer of `capacity` bytes, size 0.
  explicit byte_buffer(size_t capacity)
      : data_(capacity > 0 ? new char[capacity] : nullptr),
        capacity_(capacity) {}

  /// A copy of `bytes`.
  static byte_buffer copy_of(std::string_view bytes) {
    byte_buffer buf{bytes.size()};
    if (!bytes.empty()) std::memcpy(buf.data(), bytes.data(), bytes.size());
    buf.size_ = bytes.size();
    return buf;
  }

  byte_buffer(byte_buffer&& other) noexcept
      : data_(std::move(other.data_)),
        size_(other.size_),
        capacity_(other.capacity_) {
    other.size_ = 0;
    other.capacity_ = 0;
  }

  byte_buffer& operator=(byte_buffer&& other) noexcept {
    data_ = std::move(other.data_);
    size_ = other.size_;
    capacity_ = other.capacity_;
    other.size_ = 0;
    other.capacity_ = 0;
    return *this;
  }

  byte_buffer(const byte_buffer& other) : byte_buffer(copy_of(other.view())) {}
  byte_buffer& operator=(const byte_buffer& other) {
    if (this != &other) *this = copy_of(other.view());
    return *this;
  }

  char* data() noexcept { return data_.get(); }
  const char* data() const noexcept { return data_.get(); }
  size_t size() const noexcept { return size_; }
  size_t capacity() const noexcept { return capacity_; }
  bool empty() const noexcept { return size_ == 0; }

  /// Sets how many of the first bytes are valid; at most capacity().
  void resize(size_t n) noexcept {
    assert(n <= capacity_);
    size_ = n;
  }

  /// Drops the first `n` bytes (after a partial write) by moving the rest.
  void consume(size_t n) noexcept {
    assert(n <= size_);
    if (n < size_) std::memmove(data(), data() + n, size_ - n);
    size_ -= n;
  }

  std::string_view view() const noexcept { return {data(), size_}; }
  std::string to_string() const { return std::string{view()}; }

  friend bool operator==(const byte_buffer& a, const byte_buffer& b) noexcept {
    return a.view() == b.view();
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace net
