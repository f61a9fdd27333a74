// netactors: the whole public API in one include, for programs that depend on
// @netactors//:netactors (see README, "Using netactors from your workspace").
// Build them with NETACTORS_COPTS (defs.bzl): these headers need C++17.
#pragma once

// JSON (nlohmann::json, from //third_party:json): the messages' envelope
// (message_to_json) is made of it, and programs may print their own.
#include <nlohmann/json.hpp>

// The runtime (loops + actor system) and loop-affine actors.
#include "actors/core/loop_context.hpp"
#include "actors/core/runtime.hpp"
#include "actors/core/stop_signals.hpp"

// Messages, their registration (add_message_types) and JSON envelope, errors.
#include "actors/messages/messages.hpp"
#include "actors/messages/net_error.hpp"

// Every actor below is reached through a typed handle (tcp_connection_actor,
// tcp_listener_actor, udp_socket_actor, resolver_actor, dns_connect_actor,
// interfaces_actor, supervisor_actor; dhcp_discovery_actor takes no
// message): sending one a message outside its protocol does not compile.
// Owners are caf::actor; their protocols are typed aliases
// (tcp_connection_owner, ...).

// TCP: listener, connection, and the echo actors built on them.
#include "actors/echo/echo.hpp"
#include "actors/tcp/tcp_connection.hpp"
#include "actors/tcp/tcp_listener.hpp"

// UDP sockets and DHCP discovery.
#include "actors/dhcp/dhcp_discovery.hpp"
#include "actors/udp/udp_socket.hpp"
#include "actors/dhcp/uv_dhcp_io.hpp"
#include "actors/udp/uv_udp_io.hpp"

// Names: the resolver and DNS-then-connect (Happy Eyeballs v2).
#include "actors/dns/dns_connect.hpp"
#include "actors/dns/resolver.hpp"

// Network interfaces and their changes.
#include "actors/interfaces/interfaces.hpp"

// Other processes and machines: a published node's directory, the asking
// side's stand-in for a remote service, middleman and mutual-TLS settings.
#include "actors/node/node_config.hpp"
#include "actors/node/node_directory.hpp"
#include "actors/node/remote_service.hpp"

// Supervision: restarts, stable handles, ordered shutdown.
#include "actors/supervisor/supervisor.hpp"

// Value types the messages carry, and line framing for text protocols.
#include "net/core/endpoint.hpp"
#include "net/core/line_framer.hpp"
