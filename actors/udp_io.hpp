// netactors::udp_io: what a UDP socket actor may ask of its socket. The real
// implementation (actors/udp_uv_io.hpp) calls net::udp_socket on the loop
// thread the actor runs on; tests substitute a fake, so the actor's logic
// runs under CAF's deterministic scheduler.
//
// Events flow back as messages: datagrams go to the owner as udp_received
// and receive errors as udp_receive_failed, both sent *as* the socket actor;
// send completions (udp_io_send_done) go to the socket actor itself.
// Thread safety: only from the actor that holds it (on its loop thread).
// Ownership: held by that actor's state, whose destructor calls close().
#pragma once

#include <caf/actor.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/net_error.hpp"
#include "net/byte_buffer.hpp"
#include "net/endpoint.hpp"

namespace netactors {

class udp_io {
 public:
  virtual ~udp_io() = default;

  /// The socket's id in every message; 0 until bind() created it.
  virtual uint64_t id() const = 0;

  /// Routes the socket's events (see above). Called once, from the actor's
  /// initialisation, before bind().
  virtual void attach(caf::actor self, caf::actor owner) = 0;

  /// Creates the socket for `local`'s family, binds it to `device` first if
  /// one is named (SO_BINDTODEVICE), then binds to `local`. EISCONN when
  /// already bound.
  virtual net_error bind(const net::endpoint& local, bool reuse_address,
                         bool ipv6_only, const std::string& device) = 0;

  /// The bound address; 0.0.0.0:0 before bind().
  virtual net::endpoint local() const = 0;

  /// Receives into a buffer of `buffer_size` bytes (larger datagrams arrive
  /// truncated).
  virtual net_error receive_start(size_t buffer_size) = 0;
  virtual net_error receive_stop() = 0;

  /// Queues one datagram; udp_io_send_done with `token` follows unless an
  /// error is returned.
  virtual net_error send(const net::endpoint& to, net::byte_buffer bytes,
                         uint64_t token) = 0;

  virtual net_error set_broadcast(bool enable) = 0;
  virtual net_error set_ttl(int ttl) = 0;
  virtual net_error set_membership(const std::string& group,
                                   const std::string& interface_address,
                                   bool join) = 0;
  virtual net_error set_multicast_loop(bool enable) = 0;
  virtual net_error set_multicast_ttl(int ttl) = 0;
  virtual net_error set_multicast_interface(const std::string& address) = 0;

  /// Closes the socket; datagrams not yet sent are dropped. Idempotent.
  virtual void close() = 0;
};

}  // namespace netactors
