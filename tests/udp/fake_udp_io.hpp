// netactors::testing::fake_udp_io: a udp_io with no socket behind it, for
// running UDP socket actors under CAF's deterministic test_coordinator. The
// test scripts what each call answers and reads back what the actor asked;
// events the loop would send (udp_received, udp_io_send_done) the test sends
// itself.
// Thread safety: none; the test thread and the test_coordinator share it.
#pragma once

#include <caf/actor.hpp>
#include <caf/send.hpp>
#include <caf/actor_addr.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/messages/net_error.hpp"
#include "actors/udp/udp_io.hpp"
#include "net/core/byte_buffer.hpp"
#include "net/core/endpoint.hpp"

namespace netactors::testing {

class fake_udp_io final : public udp_io {
 public:
  struct send_call {
    net::endpoint to;
    std::string bytes;
    uint64_t token = 0;
  };

  explicit fake_udp_io(uint64_t id = 9) : id_when_bound_(id) {}

  // -- scripting ------------------------------------------------------------
  net_error bind_result;
  net_error receive_start_result;
  net_error receive_stop_result;
  net_error send_result;
  net_error option_result;
  net::endpoint bound_address = *net::endpoint::parse("192.0.2.10:4000");

  // -- inspection -----------------------------------------------------------
  /// Every call in order: "attach", "bind 0.0.0.0:68 reuse device=eth0",
  /// "receive_start 65536", "receive_stop", "send 192.0.2.1:67",
  /// "broadcast on", "ttl 7", "join 239.1.2.3 on 192.0.2.1",
  /// "multicast_loop off", "multicast_ttl 3", "multicast_interface x",
  /// "close".
  std::vector<std::string> calls;
  std::vector<send_call> sends;
  caf::actor_addr attached_self;
  caf::actor_addr attached_owner;

  size_t count(const std::string& call) const {
    return static_cast<size_t>(std::count(calls.begin(), calls.end(), call));
  }
  bool closed() const { return count("close") > 0; }

  // -- udp_io ---------------------------------------------------------------
  uint64_t id() const override { return bound_ ? id_when_bound_ : 0; }

  void attach(const caf::actor& self, caf::actor owner) override {
    calls.emplace_back("attach");
    attached_self = self.address();
    attached_owner = owner.address();
  }

  net_error bind(const net::endpoint& local, bool reuse_address,
                 bool ipv6_only, const std::string& device) override {
    auto call = "bind " + local.to_string();
    if (reuse_address) call += " reuse";
    if (ipv6_only) call += " v6only";
    if (!device.empty()) call += " device=" + device;
    calls.push_back(call);
    if (!bind_result) bound_ = true;
    return bind_result;
  }

  net::endpoint local() const override {
    return bound_ ? bound_address : net::endpoint{};
  }

  net_error receive_start(size_t buffer_size) override {
    calls.push_back("receive_start " + std::to_string(buffer_size));
    return receive_start_result;
  }

  net_error receive_stop() override {
    calls.emplace_back("receive_stop");
    return receive_stop_result;
  }

  net_error send(const net::endpoint& to, net::byte_buffer bytes,
                 uint64_t token) override {
    calls.push_back("send " + to.to_string());
    if (!send_result) sends.push_back(send_call{to, bytes.to_string(), token});
    return send_result;
  }

  net_error set_broadcast(bool enable) override {
    calls.push_back(enable ? "broadcast on" : "broadcast off");
    return option_result;
  }
  net_error set_ttl(int ttl) override {
    calls.push_back("ttl " + std::to_string(ttl));
    return option_result;
  }
  net_error set_membership(const std::string& group,
                           const std::string& interface_address,
                           bool join) override {
    calls.push_back((join ? "join " : "leave ") + group + " on " +
                    interface_address);
    return option_result;
  }
  net_error set_multicast_loop(bool enable) override {
    calls.push_back(enable ? "multicast_loop on" : "multicast_loop off");
    return option_result;
  }
  net_error set_multicast_ttl(int ttl) override {
    calls.push_back("multicast_ttl " + std::to_string(ttl));
    return option_result;
  }
  net_error set_multicast_interface(const std::string& address) override {
    calls.push_back("multicast_interface " + address);
    return option_result;
  }

  /// From set_send_queue_limit() (not in `calls`: every actor sets it).
  uint64_t send_queue_limit = 0;

  void set_send_queue_limit(uint64_t bytes) override { send_queue_limit = bytes; }

  read_window& window() override { return window_; }

  /// "A datagram arrived" (the socket must be receiving): it goes to
  /// `owner` as udp_received from `sock` while the window allows, or, as a
  /// window marker, receiving stops and the marker goes to `sock` itself.
  /// Returns whether it was a marker.
  bool receive(const caf::actor& sock, const caf::actor& owner,
               const net::endpoint& from, const std::string& bytes) {
    auto data = net::byte_buffer::copy_of(bytes);
    if (window_.on_read(window_cost(bytes.size())) == read_window::verdict::deliver) {
      caf::send_as(sock, owner, udp_received{id(), from, std::move(data), false});
      return false;
    }
    calls.emplace_back("receive_stop");  // what the seam does
    caf::send_as(sock, sock,
                 udp_io_datagram_marker{from, std::move(data), false, window_.delivered()});
    return true;
  }

  void close() override { calls.emplace_back("close"); }

 private:
  read_window window_{256 * 1024};
  uint64_t id_when_bound_;
  bool bound_ = false;
};

}  // namespace netactors::testing
