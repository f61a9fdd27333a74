// netactors::uv_udp_io: udp_io over a net::udp_socket (spawn_udp_socket,
// declared in actors/udp/udp_socket.hpp, spawns a UDP socket actor with one). The io holds the socket's id, not a
// pointer: a socket that closed underneath simply is not found.
// Thread safety: uv_udp_io is loop-thread only (its actor is loop-affine);
// spawn_udp_socket is thread-safe. Ownership: the loop owns the socket;
// closing it is the actor's call (through close()).
#pragma once

#include "actors/core/loop_context.hpp"
#include "actors/udp/udp_io.hpp"
#include "actors/udp/udp_socket.hpp"
#include "net/core/loop.hpp"
#include "net/udp/udp_socket.hpp"

namespace netactors {

class uv_udp_io final : public udp_io {
 public:
  /// No socket yet: bind() creates one on `l`.
  explicit uv_udp_io(net::loop& l);

  uint64_t id() const override { return id_; }
  void attach(const caf::actor& self, caf::actor owner) override;
  net_error bind(const net::endpoint& local, bool reuse_address, bool ipv6_only,
                 const std::string& device) override;
  net::endpoint local() const override;
  net_error receive_start(size_t buffer_size) override;
  net_error receive_stop() override;
  net_error send(const net::endpoint& to, net::byte_buffer bytes,
                 uint64_t token) override;
  net_error set_broadcast(bool enable) override;
  net_error set_ttl(int ttl) override;
  net_error set_membership(const std::string& group,
                           const std::string& interface_address,
                           bool join) override;
  net_error set_multicast_loop(bool enable) override;
  net_error set_multicast_ttl(int ttl) override;
  net_error set_multicast_interface(const std::string& address) override;
  void set_send_queue_limit(uint64_t bytes) override;
  read_window& window() override { return *window_; }
  void close() override;

 private:
  net::udp_socket* socket() const;

  net::loop& loop_;
  net::handle_id id_ = 0;
  // Weak: the io lives in its actor's state, and a seam must never keep its
  // own actor alive.
  caf::weak_actor_ptr self_;
  caf::actor owner_;
  size_t send_queue_limit_ = 4 * 1024 * 1024;
  std::shared_ptr<read_window> window_;  // shared with the socket's bridge
};

}  // namespace netactors
