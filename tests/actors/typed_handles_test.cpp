// Each protocol as a typed handle: what every framework actor accepts is
// stated here at compile time with CAF's own check (response_type<...>::
// valid, what send() and request() assert), and a request goes through a
// typed handle at run time.
// - Every public input is accepted, with the reply the protocol documents.
// - No sealed io event and no internal timer is accepted: they exist only
//   in the implementation's interface (x_impl), a superset of the handle.
// - A message of another protocol is not accepted.
#include <caf/all.hpp>

#include <gtest/gtest.h>

#include <uv.h>

#include <memory>
#include <type_traits>

#include "actors/messages/net_error.hpp"
#include "actors/dhcp/dhcp_discovery.hpp"
#include "actors/dns/dns_connect.hpp"
#include "actors/dns/resolver.hpp"
#include "actors/interfaces/interfaces.hpp"
#include "actors/messages/messages.hpp"
#include "actors/supervisor/supervisor.hpp"
#include "actors/tcp/tcp_connection.hpp"
#include "actors/tcp/tcp_listener.hpp"
#include "actors/udp/udp_socket.hpp"
#include "tests/actors/actor_test_fixture.hpp"
#include "tests/actors/fake_tcp_io.hpp"

namespace netactors {
namespace {

template <class Handle, class... Msg>
constexpr bool accepts =
    caf::response_type<typename Handle::signatures, Msg...>::valid;

/// `Handle` answers `Msg` with exactly `Reply...` (void: an empty reply).
template <class Handle, class Msg, class... Reply>
constexpr bool answers = std::is_same<
    caf::response_type_t<typename Handle::signatures, Msg>,
    caf::detail::type_list<Reply...>>::value;

// -- TCP connection -----------------------------------------------------------

static_assert(answers<tcp_connection_actor, tcp_connect, tcp_connection_opened>);
static_assert(answers<tcp_connection_actor, tcp_write, tcp_write_done>);
static_assert(answers<tcp_connection_actor, tcp_try_write, tcp_write_done>);
static_assert(answers<tcp_connection_actor, tcp_set_reading, void>);
static_assert(answers<tcp_connection_actor, tcp_set_read_window, void>);
static_assert(answers<tcp_connection_actor, tcp_shutdown, void>);
static_assert(answers<tcp_connection_actor, tcp_close, void>);
static_assert(answers<tcp_connection_actor, tcp_set_nodelay, void>);
static_assert(answers<tcp_connection_actor, tcp_set_keepalive, void>);
static_assert(answers<tcp_connection_actor, tcp_get_info, tcp_connection_info>);
// Sealed io events and timers: the implementation's only.
static_assert(!accepts<tcp_connection_actor, tcp_io_connected>);
static_assert(!accepts<tcp_connection_actor, tcp_io_read_end>);
static_assert(!accepts<tcp_connection_actor, tcp_io_write_done>);
static_assert(!accepts<tcp_connection_actor, tcp_io_shutdown_done>);
static_assert(!accepts<tcp_connection_actor, tcp_io_read_marker>);
static_assert(!accepts<tcp_connection_actor, tcp_connect_timeout_atom>);
static_assert(!accepts<tcp_connection_actor, tcp_idle_check_atom>);
static_assert(accepts<tcp_connection_impl, tcp_io_read_end>);
static_assert(accepts<tcp_connection_impl, tcp_idle_check_atom>);
// Other protocols.
static_assert(!accepts<tcp_connection_actor, tcp_listen>);
static_assert(!accepts<tcp_connection_actor, udp_send>);
static_assert(!accepts<tcp_connection_actor, tcp_received>);  // the owner's
static_assert(accepts<tcp_connection_owner, tcp_received>);
static_assert(accepts<tcp_connection_owner, tcp_connection_closed>);
static_assert(!accepts<tcp_connection_owner, tcp_write>);

// -- TCP listener ---------------------------------------------------------------

static_assert(answers<tcp_listener_actor, tcp_listen, tcp_listening>);
static_assert(answers<tcp_listener_actor, tcp_close, void>);
static_assert(!accepts<tcp_listener_actor, tcp_write>);
static_assert(!accepts<tcp_listener_actor, tcp_connect>);
static_assert(accepts<tcp_listener_events, tcp_accept_failed>);

// -- UDP socket -----------------------------------------------------------------

static_assert(answers<udp_socket_actor, udp_bind, udp_bound>);
static_assert(answers<udp_socket_actor, udp_send, udp_send_done>);
static_assert(answers<udp_socket_actor, udp_set_receiving, void>);
static_assert(answers<udp_socket_actor, udp_set_receive_window, void>);
static_assert(answers<udp_socket_actor, udp_set_broadcast, void>);
static_assert(answers<udp_socket_actor, udp_set_ttl, void>);
static_assert(answers<udp_socket_actor, udp_set_membership, void>);
static_assert(answers<udp_socket_actor, udp_set_multicast_loop, void>);
static_assert(answers<udp_socket_actor, udp_set_multicast_ttl, void>);
static_assert(answers<udp_socket_actor, udp_set_multicast_interface, void>);
static_assert(answers<udp_socket_actor, udp_close, void>);
static_assert(!accepts<udp_socket_actor, udp_io_send_done>);
static_assert(!accepts<udp_socket_actor, udp_io_datagram_marker>);
static_assert(accepts<udp_socket_impl, udp_io_send_done>);
static_assert(!accepts<udp_socket_actor, tcp_write>);
static_assert(!accepts<udp_socket_actor, udp_received>);  // the owner's
static_assert(accepts<udp_socket_owner, udp_received>);
static_assert(accepts<udp_socket_owner, udp_closed>);

// -- resolver -------------------------------------------------------------------

static_assert(answers<resolver_actor, dns_lookup, dns_addresses>);
static_assert(answers<resolver_actor, dns_reverse_lookup, dns_name>);
static_assert(answers<resolver_actor, dns_get_stats, dns_stats>);
static_assert(!accepts<resolver_actor, dns_io_lookup_done>);
static_assert(!accepts<resolver_actor, dns_io_reverse_done>);
static_assert(accepts<resolver_impl, dns_io_lookup_done>);
static_assert(!accepts<resolver_actor, dns_connect_to>);
static_assert(!accepts<resolver_actor, tcp_close>);

// -- DNS-then-connect -------------------------------------------------------------

static_assert(answers<dns_connect_actor, dns_connect_to, tcp_connection_actor,
                      dns_connect_report>);
static_assert(!accepts<dns_connect_actor, dns_io_attempt_done>);
static_assert(!accepts<dns_connect_actor, dns_connect_tick_atom>);
static_assert(accepts<dns_connect_impl, dns_io_attempt_done>);
static_assert(!accepts<dns_connect_actor, dns_lookup>);
static_assert(accepts<dns_connect_reports, dns_connect_report>);

// -- interfaces -------------------------------------------------------------------

static_assert(answers<interfaces_actor, interfaces_query, interface_report>);
static_assert(answers<interfaces_actor, interfaces_subscribe, interface_report>);
static_assert(answers<interfaces_actor, interfaces_unsubscribe, void>);
static_assert(!accepts<interfaces_actor, interface_watch_update>);
static_assert(!accepts<interfaces_actor, interface_watch_error>);
static_assert(accepts<interfaces_impl, interface_watch_update>);
static_assert(!accepts<interfaces_actor, dns_lookup>);
static_assert(accepts<interfaces_subscriber, interfaces_changed>);
static_assert(accepts<interfaces_subscriber, interfaces_watch_failed>);

// -- DHCP discovery ---------------------------------------------------------------

// It takes no message: its handle is no typed_actor (CAF has no empty one)
// and cannot be made from a caf::actor, so nothing can be sent through it.
static_assert(!std::is_constructible<dhcp_discovery_actor, caf::actor>::value);
// Its implementation is its socket's owner plus timers, nothing public.
static_assert(accepts<dhcp_discovery_impl, udp_received>);
static_assert(accepts<dhcp_discovery_impl, dhcp_deadline_atom>);
static_assert(!accepts<dhcp_discovery_impl, udp_io_send_done>);
static_assert(!accepts<dhcp_discovery_impl, dhcp_offer>);
static_assert(accepts<dhcp_discovery_owner, dhcp_offer>);
static_assert(accepts<dhcp_discovery_owner, dhcp_discovery_done>);

// -- supervisor -------------------------------------------------------------------

static_assert(answers<supervisor_actor, supervisor_which, caf::actor>);
static_assert(answers<supervisor_actor, supervisor_stable_handle, caf::actor>);
static_assert(answers<supervisor_actor, supervisor_get_stats, supervisor_stats>);
static_assert(!accepts<supervisor_actor, dns_lookup>);
static_assert(!accepts<supervisor_actor, supervisor_event>);  // the observer's
static_assert(accepts<supervisor_observer, supervisor_event>);

// -- run time ---------------------------------------------------------------------

class typed_handles : public testing::actor_test {
 protected:
  std::shared_ptr<testing::fake_tcp_io> io =
      std::make_shared<testing::fake_tcp_io>(7);
  std::shared_ptr<testing::probe_log> owner_log =
      std::make_shared<testing::probe_log>();
  caf::actor owner = spawn_probe(owner_log);
};

TEST_F(typed_handles, a_request_through_a_typed_handle_gets_the_typed_reply) {
  // What spawn gives (the implementation's handle) narrows to the public one.
  tcp_connection_actor conn = sys.spawn(
      tcp_connection, std::shared_ptr<tcp_io>{io}, owner,
      tcp_connection_options{}, true);
  spawned.push_back(caf::actor_cast<caf::actor>(conn));
  run();
  auto info = request<tcp_connection_info>(conn, tcp_get_info{});
  auto window = request<void>(conn, tcp_set_read_window{0});
  run();
  ASSERT_TRUE(info->answered);
  ASSERT_TRUE(info->value) << sys.render(info->error);
  EXPECT_EQ(info->value->id, 7u);
  ASSERT_TRUE(window->answered);
  EXPECT_EQ(error_name(window->error), "EINVAL");
  caf::anon_send(conn, tcp_close{});
  run();
  EXPECT_TRUE(io->closed());
}

TEST_F(typed_handles, an_io_event_forced_through_an_untyped_handle_is_refused_at_run_time) {
  tcp_connection_actor conn = sys.spawn(
      tcp_connection, std::shared_ptr<tcp_io>{io}, owner,
      tcp_connection_options{}, true);
  spawned.push_back(caf::actor_cast<caf::actor>(conn));
  auto ended = watch(conn);
  run();
  // Only an untyped handle compiles; the seal drops the event all the same.
  caf::anon_send(caf::actor_cast<caf::actor>(conn),
                 tcp_io_read_end{net_error::of(UV_ECONNRESET, "forged")});
  run();
  EXPECT_FALSE(ended->ended);
  EXPECT_FALSE(io->closed());
  auto info = request<tcp_connection_info>(conn, tcp_get_info{});
  run();
  EXPECT_TRUE(info->value.has_value());
}

}  // namespace
}  // namespace netactors
