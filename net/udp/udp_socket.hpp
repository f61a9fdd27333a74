// net::udp_socket: one UDP socket (uv_udp_t). Bind (IPv4 or IPv6, reuseaddr,
// IPv6-only), datagrams out with a completion each, datagrams in with their
// sender, and every socket option libuv offers plus SO_BINDTODEVICE, which
// libuv lacks and DHCP on an unconfigured interface needs.
// Thread safety: loop thread only. Ownership: the loop owns the socket (see
// net/core/handle.hpp); the socket owns its observer and its in-flight sends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "net/core/byte_buffer.hpp"
#include "net/core/endpoint.hpp"
#include "net/core/handle.hpp"
#include "net/core/result.hpp"

namespace net {

class udp_socket : public handle_base {
 public:
  /// Receives a socket's events, on the loop thread. Implementations must not
  /// destroy the socket from inside a callback except via close().
  class observer {
   public:
    virtual ~observer() = default;
    /// A datagram arrived from `sender`. `bytes` may be empty (an empty
    /// datagram). `truncated`: it was larger than the receive buffer and
    /// `bytes` holds only its start.
    virtual void on_datagram(endpoint sender, byte_buffer bytes,
                             bool truncated) = 0;
    /// Receiving failed (e.g. ENOMEM); receiving goes on.
    virtual void on_receive_error(uv_error reason) = 0;
    /// A send() completed or failed (EACCES for a broadcast without the
    /// broadcast option, ENETUNREACH, ...).
    virtual void on_send_done(uint64_t token, result<void> status) = 0;
    /// The socket is closing; no callback follows.
    virtual void on_closing() = 0;
  };

  struct bind_options {
    /// SO_REUSEADDR: share the port with other sockets that set it too.
    bool reuse_address = false;
    /// For an IPv6 address: IPv6 only (no ::ffff:a.b.c.d peers).
    bool ipv6_only = false;
  };

  /// Creates a socket of `family` (the descriptor exists at once, so options
  /// and bind_to_device() work before bind()).
  static result<udp_socket*> create(loop& l, ip_family family,
                                    std::unique_ptr<observer> obs);

  /// Replaces the observer.
  void set_observer(std::unique_ptr<observer> obs);

  /// Binds to `local`; port 0 picks a free port (see local_endpoint()).
  result<void> bind(const endpoint& local, const bind_options& opts);

  /// The bound address, port 0 resolved to the real port.
  result<endpoint> local_endpoint() const;

  /// Starts delivering datagrams. Each lands in a buffer of `buffer_size`
  /// bytes (at most loop::read_buffer_size); a larger one is reported
  /// truncated. An unbound socket is bound to the wildcard address first.
  result<void> receive_start(size_t buffer_size = loop::read_buffer_size);
  result<void> receive_stop();
  bool receiving() const noexcept { return receiving_; }

  /// Sends `bytes` (may be empty) to `peer`. On success on_send_done(token,
  /// ...) follows; libuv reports most failures (EACCES, ENETUNREACH) only
  /// there. An error returned here means no callback follows: ENOBUFS when
  /// the datagram would take the queued bytes past send_queue_limit(),
  /// EMSGSIZE for more than max_datagram bytes.
  result<void> send(const endpoint& peer, byte_buffer bytes, uint64_t token);

  /// The largest datagram send() takes (what a UDP length field can say).
  static constexpr size_t max_datagram = 65535;

  /// Datagrams accepted by send() whose callback has not run yet.
  size_t send_queue_count() const noexcept;
  /// Their bytes.
  size_t send_queue_bytes() const noexcept { return send_queue_bytes_; }
  /// At most this many bytes wait to be sent (default 4 MiB).
  void set_send_queue_limit(size_t bytes) noexcept { send_queue_limit_ = bytes; }
  size_t send_queue_limit() const noexcept { return send_queue_limit_; }

  result<void> set_broadcast(bool enable);
  /// Unicast TTL (IPv6 hop limit), 1..255.
  result<void> set_ttl(int ttl);
  /// Joins (or leaves) multicast `group` ("239.1.2.3", "ff02::1:3") on the
  /// interface with address `interface_address`, or on the kernel's choice
  /// when it is empty.
  result<void> set_membership(const std::string& group,
                              const std::string& interface_address, bool join);
  /// Whether our own multicast datagrams come back to this host.
  result<void> set_multicast_loop(bool enable);
  /// Multicast TTL (hop limit), 0..255.
  result<void> set_multicast_ttl(int ttl);
  /// The interface (by its address; for IPv6 "::%ifname" or the index form
  /// libuv takes) that multicast datagrams leave from.
  result<void> set_multicast_interface(const std::string& interface_address);
  /// SO_BINDTODEVICE: send and receive only through interface `name` (e.g.
  /// "eth0"); an empty name removes the binding. ENODEV for an unknown
  /// interface; EPERM for changing or removing an existing binding without
  /// CAP_NET_RAW (the first binding needs no privilege since Linux 5.7).
  result<void> bind_to_device(const std::string& name);

 protected:
  uv_handle_t* raw_handle() noexcept override {
    return reinterpret_cast<uv_handle_t*>(&udp_);
  }
  void on_close() override;

 private:
  udp_socket(loop& l, std::unique_ptr<observer> obs);

  struct send_req;
  static void on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void on_recv(uv_udp_t* h, ssize_t nread, const uv_buf_t* buf,
                      const sockaddr* addr, unsigned flags);
  static void on_sent(uv_udp_send_t* req, int status);
  void give_back_buffer();

  uv_udp_t udp_;
  std::unique_ptr<observer> observer_;
  byte_buffer read_buf_;  // lent by the loop between alloc and recv callbacks
  size_t buffer_size_ = loop::read_buffer_size;
  size_t send_queue_bytes_ = 0;
  size_t send_queue_limit_ = 4 * 1024 * 1024;
  bool receiving_ = false;
};

}  // namespace net
