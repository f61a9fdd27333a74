// net::stream: what every connected libuv stream (uv_stream_t) does the same
// way, whatever socket is under it: reads, writes (uv_try_write first,
// uv_write for the rest), half-close, connect completion and the one
// observer every event goes to. net::tcp_stream (net/tcp/) and
// net::pipe_stream (net/unix/) add how they are created, connected and named.
// Thread safety: loop thread only. Ownership: the loop owns the stream (see
// net/core/handle.hpp); the stream owns its observer and its in-flight writes.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "net/core/byte_buffer.hpp"
#include "net/core/endpoint.hpp"
#include "net/core/handle.hpp"
#include "net/core/result.hpp"

namespace net {

class stream : public handle_base {
 public:
  /// Receives a stream's events, on the loop thread. Implementations must not
  /// close or destroy the stream from inside a callback except via close().
  class observer {
   public:
    virtual ~observer() = default;
    /// A connect() finished: ok, or why not (ECONNREFUSED, ETIMEDOUT, ...).
    virtual void on_connect(result<void> status) = 0;
    /// Bytes arrived (never empty).
    virtual void on_read(byte_buffer bytes) = 0;
    /// The peer half-closed (EOF) or reading failed (ECONNRESET, ...).
    virtual void on_read_end(uv_error reason) = 0;
    /// A write that did not finish inside write() completed or failed.
    virtual void on_write_done(uint64_t token, result<void> status) = 0;
    /// shutdown() finished.
    virtual void on_shutdown(result<void> status) = 0;
    /// The stream is closing; no callback follows.
    virtual void on_closing() = 0;
  };

  /// Starts connecting to `peer` (an address the stream's kind takes); the
  /// outcome arrives in on_connect.
  virtual result<void> connect(const endpoint& peer) = 0;

  /// Replaces the observer (an accepted stream gets its observer after the
  /// actor that will own it exists).
  void set_observer(std::unique_ptr<observer> obs);

  result<void> read_start();
  /// May be called from inside on_read(): no further on_read follows until
  /// read_start().
  result<void> read_stop();
  bool reading() const noexcept { return reading_; }

  /// At most `bytes` (at least 1) per read; the default is the loop's read
  /// buffer size. A reader with a small window reads in small steps.
  void set_read_limit(size_t bytes) noexcept {
    read_limit_ = bytes == 0 ? 1 : bytes;
  }

  /// The outcome of a write call.
  enum class write_status { completed, pending };

  /// Writes `bytes` (of any size: libuv's buffers hold at most 4 GiB - 1
  /// bytes each, so a larger write is split into several). Tries to write
  /// synchronously first; what the kernel does not take goes to uv_write and
  /// is reported in on_write_done(token, ...).
  /// Returns `completed` if everything went out now (no callback follows),
  /// `pending` otherwise, or the error (no callback follows then either).
  result<write_status> write(byte_buffer bytes, uint64_t token);

  /// Bytes read so far.
  uint64_t bytes_read() const noexcept { return bytes_read_; }

  /// Bytes accepted by write() and not yet handed to the kernel.
  size_t write_queue_size() const noexcept;

  /// Half-closes: sends FIN (a Unix socket: shutdown(SHUT_WR)) after every
  /// pending write.
  result<void> shutdown();

  virtual result<endpoint> local_endpoint() const = 0;
  virtual result<endpoint> peer_endpoint() const = 0;

  /// Loop thread only. The uv stream (the subclass's embedded handle), for
  /// accept(). Virtual rather than a pointer member: 8 bytes less per
  /// connection.
  virtual uv_stream_t* raw_stream() noexcept = 0;

 protected:
  stream(loop& l, std::unique_ptr<observer> obs);

  uv_handle_t* raw_handle() noexcept final {
    return reinterpret_cast<uv_handle_t*>(raw_stream());
  }
  void on_close() override;

  /// The uv_connect_cb of every kind of stream: `r->data` is the stream and
  /// `r` was allocated with new.
  static void on_connected(uv_connect_t* r, int status);

 private:
  struct write_req;
  static void on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void on_read_cb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void on_written(uv_write_t* req, int status);

  // First, so that it fits in handle_base's tail padding (the Itanium ABI
  // reuses a non-POD base's): 8 bytes less per stream.
  bool reading_ = false;
  std::unique_ptr<observer> observer_;
  byte_buffer read_buf_;  // lent by the loop between alloc and read callbacks
  uint64_t bytes_read_ = 0;
  size_t read_limit_ = static_cast<size_t>(-1);
};

/// Largest bytes per uv_buf_t in a write: its length is an unsigned int.
constexpr size_t max_write_chunk = size_t{1} << 30;

/// `size` bytes at `data` as uv_bufs of at most `chunk` bytes each.
std::vector<uv_buf_t> write_bufs(char* data, size_t size,
                                 size_t chunk = max_write_chunk);

/// Reads of at least this many bytes hand libuv's buffer over by move; smaller
/// ones are copied into an exact-size buffer so the 64 KiB buffer is reused
/// (measured cheaper, docs/design.md) and a small message does not
/// pin 64 KiB of memory.
constexpr size_t move_read_threshold = 16 * 1024;

/// Copies or moves a completed read out of the loop's read buffer, per
/// move_read_threshold. Shared by streams and UDP.
byte_buffer take_read_bytes(loop& l, byte_buffer& read_buf, size_t nread);

/// Takes a stream's socket out of its loop: duplicates the descriptor and
/// closes the handle. Loop thread (of `s`) only. Used to move an accepted
/// connection to another loop. The stream is closed even when this fails
/// (EMFILE when descriptors run out), so the peer sees the connection end.
result<uv_os_sock_t> detach_socket(stream& s);

}  // namespace net
