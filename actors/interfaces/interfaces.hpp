// netactors::interfaces: the interface actor, which reports the host's network
// interfaces and tells subscribers when they change.
//
// Protocol (interfaces_actor below, a typed handle; messages in
// actors/messages/interface_messages.hpp):
//   interfaces_query       -> interface_report (or an error)
//   interfaces_subscribe   -> interface_report: the state that the events
//                             that follow apply to (or an error)
//   interfaces_unsubscribe -> ()
//   to subscribers:           interfaces_subscriber below:
//                             interfaces_changed, interfaces_watch_failed;
//                             the sender of each is the interface actor.
//                             interfaces_watch_failed with `ended` ends
//                             every subscription (the watch broke); the next
//                             subscribe starts a new watch.
// The io's events (interface_watch_update, interface_watch_error) are
// sealed io events: the actor takes them only from its own io.
// Watching (netlink on Linux, polling otherwise; net/interfaces/interface_watcher.hpp)
// runs only while there are subscribers. A subscriber that ends is dropped
// (the actor monitors it). While watching, a query is answered with the
// state the subscribers have been told about, so a query never runs ahead of
// the events; otherwise with a fresh snapshot.
// Thread safety: an actor (loop-affine: its io calls net/ on its loop).
// Ownership: its state owns the io, whose watch closes when the actor ends.
#pragma once

#include <caf/actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/core/io_event.hpp"
#include "actors/messages/interface_messages.hpp"
#include "actors/messages/net_error.hpp"
#include "actors/core/runtime.hpp"
#include "net/interfaces/interface_watcher.hpp"

namespace netactors {

// -- the io's sealed io events (actors/core/io_event.hpp) ------------------------

/// Watch `watch_id` saw `events`, leading to `interfaces`.
struct interface_watch_update {
  uint64_t watch_id = 0;
  std::vector<interface_event> events;
  std::vector<interface_info> interfaces;
};
NETACTORS_IO_EVENT(interface_watch_update, watch_id, events, interfaces)

/// Watch `watch_id` could not read the interfaces; with `ended` it could not
/// go on at all and has closed.
struct interface_watch_error {
  uint64_t watch_id = 0;
  net_error reason;
  bool ended = false;
};
NETACTORS_IO_EVENT(interface_watch_error, watch_id, reason, ended)

/// What the interface actor asks of the system. The real io
/// (uv_interface_io) reads net/ on the actor's loop; tests use a fake, as
/// the connection actor's tests use a fake tcp_io.
/// Thread safety: only from the actor that holds it.
class interface_io {
 public:
  virtual ~interface_io() = default;

  struct snapshot_result {
    net_error error;  ///< code 0 on success
    std::vector<interface_info> interfaces;
  };

  /// Reads the interfaces now.
  virtual snapshot_result snapshot() = 0;

  struct watch_result {
    net_error error;   ///< code 0 on success
    uint64_t id = 0;   ///< names the watch in the messages below
    std::vector<interface_info> baseline;  ///< what later updates apply to
  };

  /// Starts watching. Changes arrive at `self` as interface_watch_update,
  /// failures as interface_watch_error, both carrying the watch's id and
  /// delivered with deliver_io_event (the io holds `self` weakly).
  virtual watch_result start_watch(caf::weak_actor_ptr self) = 0;

  /// Stops watch `id`; nothing arrives from it afterwards (messages already
  /// sent may still be queued: the actor ignores ids it no longer watches).
  /// Safe from any thread during teardown.
  virtual void stop_watch(uint64_t id) = 0;
};

/// interface_io over net/interfaces and net/interface_watcher on `loop`.
class uv_interface_io final : public interface_io {
 public:
  uv_interface_io(net::loop& l, net::interface_watch_options options);

  snapshot_result snapshot() override;
  watch_result start_watch(caf::weak_actor_ptr self) override;
  void stop_watch(uint64_t id) override;

 private:
  net::loop& loop_;
  net::interface_watch_options options_;
};

/// Conversions from net/ to the message types.
interface_address to_message(const net::interface_address& address);
interface_info to_message(const net::interface_info& info);
interface_event to_message(const net::interface_change& change);
std::vector<interface_info> to_message(const net::interface_snapshot& s);

struct interfaces_state {
  std::shared_ptr<interface_io> io;
  uint64_t watch_id = 0;  ///< 0: not watching
  std::vector<interface_info> current;  ///< while watching
  std::vector<caf::actor_addr> subscribers;

  ~interfaces_state();

  static const char* name;
};

/// The handle of the interface actor: what anyone may send it.
using interfaces_actor = caf::typed_actor<
    caf::replies_to<interfaces_query>::with<interface_report>,
    caf::replies_to<interfaces_subscribe>::with<interface_report>,
    caf::reacts_to<interfaces_unsubscribe>>;

/// What a subscriber gets. Subscribers are whoever sent interfaces_subscribe;
/// a typed one may implement this.
using interfaces_subscriber =
    caf::typed_actor<caf::reacts_to<interfaces_changed>,
                     caf::reacts_to<interfaces_watch_failed>>;

/// The implementation's interface: the public one plus its io's sealed
/// events. Not a handle to hand out: it converts to interfaces_actor.
using interfaces_impl =
    interfaces_actor::extend<caf::reacts_to<interface_watch_update>,
                             caf::reacts_to<interface_watch_error>>;

/// The interface actor itself (its handlers' `self`).
using interfaces_self = interfaces_impl::stateful_pointer<interfaces_state>;

/// The interface actor's behavior.
interfaces_impl::behavior_type interfaces(interfaces_self self,
                                          std::shared_ptr<interface_io> io);

/// Spawns the interface actor on the runtime's first loop. Thread-safe.
interfaces_actor spawn_interfaces(runtime& rt,
                                  net::interface_watch_options options = {});

}  // namespace netactors
