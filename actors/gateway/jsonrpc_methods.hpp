// Which netactors messages a JSON-RPC client may call: the *request*
// messages, listed per area. Everything else in all_message_types is a reply,
// an event to an owner, or an internal notification from the loop (tcp_io_*,
// udp_io_*, dns_io_*, interface_watch_*), and is never a method. A new
// message type is callable only once it is added here; tests/jsonrpc checks
// that every type in all_message_types is classified one way or the other.
#pragma once

#include <caf/detail/type_list.hpp>

#include "actors/messages/messages.hpp"

namespace netactors::jsonrpc {

/// To a listener or a connection actor (actors/tcp/tcp_listener.hpp,
/// actors/tcp/tcp_connection.hpp).
using tcp_request_types = caf::detail::type_list<
    tcp_listen, tcp_connect, tcp_write, tcp_try_write, tcp_set_reading,
    tcp_set_read_window, tcp_shutdown, tcp_close, tcp_set_nodelay,
    tcp_set_keepalive, tcp_get_info>;

/// To a UDP socket actor (actors/udp/udp_socket.hpp).
using udp_request_types = caf::detail::type_list<
    udp_bind, udp_send, udp_set_receiving, udp_set_broadcast, udp_set_ttl,
    udp_set_membership, udp_set_multicast_loop, udp_set_multicast_ttl,
    udp_set_multicast_interface, udp_set_receive_window, udp_close>;

/// To the resolver and to a dns_connect actor.
using dns_request_types =
    caf::detail::type_list<dns_lookup, dns_reverse_lookup, dns_get_stats,
                           dns_connect_to>;

/// To the interface actor (actors/interfaces/interfaces.hpp).
using interface_request_types =
    caf::detail::type_list<interfaces_query, interfaces_subscribe,
                           interfaces_unsubscribe>;

// DHCP discovery and the echo actors take no request messages (they are
// configured when spawned), so they have no list. The supervisor's requests
// are not methods: two of them answer with actor handles, which have no JSON
// form, and the gateway reports the supervisor's counters through "stats".

/// Every callable message type; each is the method of its type name.
using request_message_types =
    caf::detail::tl_concat_t<tcp_request_types, udp_request_types,
                             dns_request_types, interface_request_types>;

namespace detail {
template <class... Ts>
constexpr bool all_registered(caf::detail::type_list<Ts...>) {
  return (caf::detail::tl_contains<all_message_types, Ts>::value && ...);
}
}  // namespace detail

static_assert(detail::all_registered(request_message_types{}),
              "a request message type is missing from all_message_types");

}  // namespace netactors::jsonrpc
