#include "net/dhcp/dhcp_builders.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <iterator>
#include <random>
#include <thread>

#include "net/dhcp/dhcp_codec.hpp"

namespace net::dhcp {

namespace {

// The part DISCOVER and REQUEST share; the caller adds what differs.
dhcp_message make_client_message(uint32_t xid, const mac_address& mac,
                                 uint16_t secs, message_type type) {
  dhcp_message msg;
  msg.op = boot_request;
  msg.hops = 0;
  msg.xid = xid;
  msg.secs = std::max<uint16_t>(secs, 1);
  // Until it has an address the client cannot take a unicast reply on most
  // stacks (a raw socket can, but we only assume a UDP socket).
  msg.flags = broadcast_flag;
  msg.set_client_mac(mac);
  msg.set_type(type);
  return msg;
}

// Options 55, 61 and 57 close both messages, in this order.
void add_trailing_options(dhcp_message& msg, const mac_address& mac) {
  msg.set_parameter_request_list(
      {std::begin(requested_parameters), std::end(requested_parameters)});
  std::vector<uint8_t> client_id{htype_ethernet};
  client_id.insert(client_id.end(), mac.begin(), mac.end());
  msg.set_client_identifier(client_id);
  msg.set_max_message_size(default_max_message_size);
}

std::mt19937 make_engine() noexcept {
  std::array<uint32_t, 4> seed{};
  try {
    std::random_device device;
    for (auto& word : seed) word = device();
  } catch (...) {
    // libstdc++ throws when no entropy source works (no RDRAND, no
    // getrandom, no /dev/urandom in a chroot). An xid needs to differ
    // between clients, not to be secret, so the clock and thread suffice.
    auto now = static_cast<uint64_t>(
        std::chrono::steady_clock::now().time_since_epoch().count());
    auto thread = std::hash<std::thread::id>{}(std::this_thread::get_id());
    seed = {static_cast<uint32_t>(now), static_cast<uint32_t>(now >> 32),
            static_cast<uint32_t>(thread),
            static_cast<uint32_t>(static_cast<uint64_t>(thread) >> 32)};
  }
  std::seed_seq sequence(seed.begin(), seed.end());
  return std::mt19937{sequence};
}

}  // namespace

dhcp_message make_discover(uint32_t xid, const mac_address& mac,
                           uint16_t secs) {
  auto msg = make_client_message(xid, mac, secs, message_type::discover);
  add_trailing_options(msg, mac);
  return msg;
}

std::vector<uint8_t> build_discover(uint32_t xid, const mac_address& mac,
                                    uint16_t secs) {
  return serialize(make_discover(xid, mac, secs));
}

dhcp_message make_request(uint32_t xid, const mac_address& mac,
                          const ipv4_address& requested_ip,
                          const ipv4_address& server_id, uint16_t secs) {
  auto msg = make_client_message(xid, mac, secs, message_type::request);
  msg.set_requested_ip(requested_ip);
  msg.set_server_identifier(server_id);
  add_trailing_options(msg, mac);
  return msg;
}

std::vector<uint8_t> build_request(uint32_t xid, const mac_address& mac,
                                   const ipv4_address& requested_ip,
                                   const ipv4_address& server_id,
                                   uint16_t secs) {
  return serialize(make_request(xid, mac, requested_ip, server_id, secs));
}

uint32_t random_xid() noexcept {
  thread_local std::mt19937 engine = make_engine();
  // mt19937 yields exactly 32 random bits per call.
  return static_cast<uint32_t>(engine());
}

}  // namespace net::dhcp
