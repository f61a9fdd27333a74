// The UDP messages: commands to a UDP socket actor, its replies and the
// events it sends its owner (the loop's internal notifications to it are
// sealed io events in actors/udp/udp_io.hpp). Plain
// structs; JSON and CAF forms come from NETACTORS_MESSAGE (conventions in
// tcp_messages.hpp). The protocol is documented in actors/udp/udp_socket.hpp.
#pragma once

#include <caf/detail/type_list.hpp>

#include <cstdint>
#include <string>

#include "actors/messages/message_macros.hpp"
#include "actors/messages/message_instances.hpp"
#include "actors/messages/net_error_json.hpp"
#include "actors/messages/net_types.hpp"
#include "actors/messages/net_error.hpp"
#include "net/core/byte_buffer.hpp"
#include "net/core/endpoint.hpp"

namespace netactors {

// -- commands ---------------------------------------------------------------

/// Create the socket and bind it. Reply: udp_bound, or an error (EADDRINUSE,
/// EACCES for a privileged port, ENODEV for an unknown device, ...), after
/// which the actor ends.
struct udp_bind {
  net::endpoint address;       ///< port 0 picks a free port
  bool reuse_address = false;  ///< SO_REUSEADDR
  bool ipv6_only = false;      ///< for an IPv6 address
  std::string device;          ///< SO_BINDTODEVICE before bind; "" for none
};
NETACTORS_MESSAGE(udp_bind, address, reuse_address, ipv6_only, device)

/// Reply to udp_bind: the bound address (port 0 resolved).
struct udp_bound {
  uint64_t id = 0;
  net::endpoint address;
};
NETACTORS_MESSAGE(udp_bound, id, address)

/// Send one datagram (may be empty). Sent with `request`, the reply is
/// udp_send_done once the kernel took it, or the error (EACCES for a
/// broadcast without udp_set_broadcast, ENETUNREACH, EMSGSIZE, ...); sent
/// with `send`, success is silent and a failure reaches the owner as
/// udp_send_failed. Either way a failed datagram does not end the socket.
struct udp_send {
  net::endpoint to;
  net::byte_buffer data;
};
NETACTORS_MESSAGE(udp_send, to, data)

struct udp_send_done {
  uint64_t id = 0;
  uint64_t bytes = 0;
};
NETACTORS_MESSAGE(udp_send_done, id, bytes)

/// Start (true) or stop (false) receiving.
struct udp_set_receiving {
  bool enable = true;
};
NETACTORS_MESSAGE(udp_set_receiving, enable)

/// Options. Each replies with an empty message or the error (EINVAL for a
/// TTL out of range, EADDRNOTAVAIL, ENODEV, EBADF before udp_bind, ...);
/// a failed option does not end the socket.
struct udp_set_broadcast {
  bool enable = true;
};
NETACTORS_MESSAGE(udp_set_broadcast, enable)

/// Unicast TTL (IPv6 hop limit), 1..255.
struct udp_set_ttl {
  int32_t ttl = 64;
};
NETACTORS_MESSAGE(udp_set_ttl, ttl)

/// Join (join = true) or leave multicast `group` on the interface with
/// address `interface_address` ("" lets the kernel choose, which needs a
/// route to the group).
struct udp_set_membership {
  std::string group;
  std::string interface_address;
  bool join = true;
};
NETACTORS_MESSAGE(udp_set_membership, group, interface_address, join)

struct udp_set_multicast_loop {
  bool enable = true;
};
NETACTORS_MESSAGE(udp_set_multicast_loop, enable)

/// Multicast TTL (hop limit), 0..255.
struct udp_set_multicast_ttl {
  int32_t ttl = 1;
};
NETACTORS_MESSAGE(udp_set_multicast_ttl, ttl)

/// The interface (by address) multicast datagrams leave from.
struct udp_set_multicast_interface {
  std::string interface_address;
};
NETACTORS_MESSAGE(udp_set_multicast_interface, interface_address)

/// Changes the receive window: how many bytes of datagrams the socket
/// delivers to its owner beyond what the owner has consumed (see
/// udp_socket_options::receive_window). Reply: empty message, or EINVAL for 0.
struct udp_set_receive_window {
  uint64_t bytes = 0;
};
NETACTORS_MESSAGE(udp_set_receive_window, bytes)

/// Close now; datagrams not yet sent are dropped. The actor ends.
struct udp_close {};
NETACTORS_EMPTY_MESSAGE(udp_close)

// -- events to the owner (the sender is the socket actor) -------------------

/// A datagram arrived. `data` may be empty (an empty datagram); `truncated`
/// says it was larger than the receive buffer and `data` is only its start.
/// Usually a plain message; the datagram that is a receive-window marker
/// comes as a request, answered when the owner's handler returns.
struct udp_received {
  uint64_t id = 0;
  net::endpoint from;
  net::byte_buffer data;
  bool truncated = false;
};
NETACTORS_MESSAGE(udp_received, id, from, data, truncated)

/// A datagram sent with `send` (not `request`) failed.
struct udp_send_failed {
  uint64_t id = 0;
  net::endpoint to;
  net_error reason;
};
NETACTORS_MESSAGE(udp_send_failed, id, to, reason)

/// Receiving failed once (the socket goes on receiving).
struct udp_receive_failed {
  uint64_t id = 0;
  net_error reason;
};
NETACTORS_MESSAGE(udp_receive_failed, id, reason)

/// The socket actor ended; reason is empty (code 0) after a local close.
struct udp_closed {
  uint64_t id = 0;
  net_error reason;
};
NETACTORS_MESSAGE(udp_closed, id, reason)

// The capability's message types, listed once (message_instances.hpp).
#define NETACTORS_UDP_MESSAGES(X) \
    X(udp_bind) X(udp_bound) X(udp_send) X(udp_send_done) \
    X(udp_set_receiving) X(udp_set_broadcast) X(udp_set_ttl) \
    X(udp_set_membership) X(udp_set_multicast_loop) X(udp_set_multicast_ttl) \
    X(udp_set_multicast_interface) X(udp_close) X(udp_received) \
    X(udp_send_failed) X(udp_receive_failed) X(udp_closed) \
    X(udp_set_receive_window)

using udp_message_types = NETACTORS_TYPE_LIST(NETACTORS_UDP_MESSAGES);

}  // namespace netactors

// CAF's per-type instances are in udp_catalogue.cpp.
NETACTORS_UDP_MESSAGES(NETACTORS_EXTERN_MESSAGE_INSTANCES)
