// netactors::remote_service: a local stand-in for one service of a remote
// node (node_directory.hpp). Local actors send it the service's own messages
// and get the service's own replies; what CAF 0.17's middleman does not do,
// it adds:
// - A request pending when the node goes away (its connection breaks, the
//   heartbeat times out, the service ends) fails at once with an error that
//   names the node and CAF's reason, instead of waiting for its own timeout
//   (or forever with caf::infinite): "EHOSTDOWN: host is down (node
//   127.0.0.1:7200, service "interfaces": exit_reason(remote_link_unreachable))".
//   The stand-in monitors the remote service; that down_msg is the signal.
// - It connects on the first request and again on the first request after
//   the node went away, so a node that comes back is used again without
//   restarting anything on this side. A node that cannot be reached fails
//   the requests waiting for it: "EHOSTUNREACH: host is unreachable (node
//   ..., connect over TLS: <CAF's reason>)"; an error of the node itself
//   (ENOENT: no such service) is passed on unchanged.
// - Subscriptions (configured by the two predicates below) are kept per
//   local subscriber: the remote service sees the stand-in as its one
//   subscriber, the stand-in passes every message the service sends on to
//   its local subscribers, and when the node goes away it tells each one
//   with `subscription_ended` (for interfaces: interfaces_watch_failed with
//   ended = true) and forgets them.
//   When its last local subscriber goes away (it unsubscribes, or it ends
//   and its down_msg arrives) and no subscription is on its way, the service
//   is told `unsubscribe_message`, so it stops sending to the stand-in.
// Errors are "uv" errors (net_error), like every other netactors failure.
// Bounds: at most `max_pending` requests waiting or in flight (more are
// answered EBUSY); connecting, and asking the directory, within
// `connect_timeout`; a forwarded request's handler is reclaimed after
// `request_timeout` even if the node neither answers nor goes away.
// Asynchronous (non-request) messages are passed on only while connected:
// like a send to an actor that is gone, they are dropped otherwise.
// A reply that is itself a CAF error of kind unexpected_response cannot be
// told from a successful reply (CAF uses that kind to hand the stand-in a
// reply of any type); no netactors service replies with one.
// Thread safety: an actor. Ownership: holds the remote handle while
// connected; nothing holds the stand-in but its users.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/message.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "actors/messages/net_error.hpp"

namespace netactors {

struct remote_service_config {
  std::string host;  ///< numeric address of the node
  uint16_t port = 0;
  bool tls = false;  ///< through CAF's OpenSSL manager (prepare_node_config)
  std::string service;  ///< the name the node's directory knows it by
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{std::chrono::minutes{5}};
  size_t max_pending = 1024;
  /// A request that makes its sender a subscriber once answered.
  std::function<bool(const caf::message&)> subscribes;
  /// A request that ends its sender's subscription.
  std::function<bool(const caf::message&)> unsubscribes;
  /// What the service is sent when no local subscriber is left.
  std::function<caf::message()> unsubscribe_message;
  /// What a subscriber is told when the node went away.
  std::function<caf::message(const net_error&)> subscription_ended;
};

/// The predicates and the ended message of the interface actor's protocol
/// (actors/interfaces/interfaces.hpp) set on `cfg`.
remote_service_config for_interfaces(remote_service_config cfg);

/// Spawns a stand-in for `cfg.service` of the node at cfg.host:cfg.port.
/// The system must have the middleman (and with TLS the OpenSSL manager)
/// loaded: prepare_node_config.
caf::actor spawn_remote_service(caf::actor_system& sys,
                                remote_service_config cfg);

}  // namespace netactors
