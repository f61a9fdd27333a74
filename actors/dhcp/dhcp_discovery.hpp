// netactors::dhcp_discovery: the actor that finds the DHCP servers on one
// interface (RFC 2131 section 4.4.1, SELECTING), and optionally takes the
// first offer (REQUESTING).
//
// It opens a UDP socket actor on 0.0.0.0:68 (reuseaddr, bound to the
// interface by name, broadcast on) and broadcasts a DISCOVER with the
// interface's MAC to 255.255.255.255:67, again after 4, 8, 16 ... up to 64 s
// (each +-1 s of jitter; RFC 2131 section 4.1) until an offer comes. Of
// everything that arrives it accepts only BOOTREPLY OFFERs carrying its xid
// and MAC, and collects them for `offer_window` after the first, keeping at
// most `max_offers` (a flood of forged offers must not grow it without
// bound); the rest are counted in dhcp_discovery_done::offers_dropped. With
// `request` it then broadcasts a REQUEST for the first offer (same backoff)
// and waits for the chosen server's ACK or NAK.
//
// Protocol: to its owner (dhcp_discovery_owner below), dhcp_offer for each
// offer as it arrives, then dhcp_discovery_done once (the whole outcome, or
// the error that stopped it), then the actor ends; it ends at `timeout` at
// the latest. It takes no commands (its handle, dhcp_discovery_actor, accepts
// no message: send it an exit message, monitor or link it); killing it closes
// its socket.
// Thread safety: an actor; spawn it with spawn_dhcp_discovery
// (actors/dhcp/uv_dhcp_io.hpp), or with a fake dhcp_io in tests.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_cast.hpp>
#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include "actors/dhcp/dhcp_io.hpp"
#include "actors/messages/dhcp_messages.hpp"
#include "actors/messages/udp_messages.hpp"
#include "actors/udp/udp_socket.hpp"

namespace netactors {

/// The handle of a discovery. It takes no message, and CAF has no typed
/// handle without messages (typed_actor<> does not compile), so this one
/// gives only what a message-less actor is good for: its address, to
/// monitor, link to or send an exit message (send_exit(h.address(), ...)).
/// It keeps the actor alive like any handle.
class dhcp_discovery_actor {
 public:
  dhcp_discovery_actor() = default;
  /// From the implementation's handle (what spawn returns).
  template <class... Sigs>
  explicit dhcp_discovery_actor(const caf::typed_actor<Sigs...>& impl)
      : hdl_(caf::actor_cast<caf::actor>(impl)) {}

  explicit operator bool() const noexcept { return static_cast<bool>(hdl_); }
  caf::actor_addr address() const noexcept { return hdl_.address(); }

 private:
  caf::actor hdl_;
};

/// What a discovery sends its owner (a caf::actor; a typed one may
/// implement this).
using dhcp_discovery_owner =
    caf::typed_actor<caf::reacts_to<dhcp_offer>,
                     caf::reacts_to<dhcp_discovery_done>>;

/// The discovery's own timers.
using dhcp_start_atom = caf::atom_constant<caf::atom("dhcpstart")>;
using dhcp_retransmit_atom = caf::atom_constant<caf::atom("dhcpretx")>;
using dhcp_window_atom = caf::atom_constant<caf::atom("dhcpwindow")>;
using dhcp_deadline_atom = caf::atom_constant<caf::atom("dhcpdead")>;

/// The implementation's interface: the owner side of its UDP socket and its
/// timers. Not a handle to hand out: dhcp_discovery_actor wraps it.
using dhcp_discovery_impl = udp_socket_owner::extend<
    caf::reacts_to<dhcp_start_atom>,
    caf::reacts_to<dhcp_retransmit_atom, uint64_t>,
    caf::reacts_to<dhcp_window_atom, uint64_t>,
    caf::reacts_to<dhcp_deadline_atom>>;

/// RFC 2131 section 4.1's retransmission schedule: the n-th wait (n = 0, 1,
/// ...) is min(initial * 2^n, max), plus a uniform jitter in [-jitter,
/// +jitter], never below zero.
struct dhcp_backoff {
  std::chrono::milliseconds initial{4000};
  std::chrono::milliseconds max{64000};
  std::chrono::milliseconds jitter{1000};

  /// The wait before retransmission `n`, with `random` in [0, 1].
  std::chrono::milliseconds delay(uint32_t n, double random) const;
};

struct dhcp_discovery_config {
  /// The interface to discover on, e.g. "eth0".
  std::string interface;
  /// After the offers, REQUEST the first one and report its ACK or NAK.
  bool request = false;
  /// The transaction id; 0 picks a random one.
  uint32_t xid = 0;
  /// The whole discovery (and request) ends by then.
  std::chrono::milliseconds timeout{10000};
  /// How long to wait for more offers after the first.
  std::chrono::milliseconds offer_window{1000};
  /// The most offers one discovery keeps (and reports as dhcp_offer); any
  /// further one is only counted (offers_dropped). At least 1.
  uint32_t max_offers = 64;
  dhcp_backoff backoff;
  /// Seeds the jitter; 0 seeds from std::random_device.
  uint64_t seed = 0;
};

struct dhcp_discovery_state {
  enum class phase { starting, discovering, collecting, requesting, done };

  std::shared_ptr<dhcp_io> io;
  dhcp_discovery_config config;
  caf::actor owner;
  udp_socket_actor socket;
  net::mac_address mac{};
  phase current = phase::starting;
  /// Retransmissions of the current phase's message so far.
  uint32_t attempt = 0;
  /// Tells the current phase's timers from stale ones.
  uint64_t timer_generation = 0;
  caf::actor_clock::time_point started;
  std::mt19937_64 rng;
  /// The offer being requested (addresses in wire order).
  std::array<uint8_t, 4> chosen_ip{};
  std::array<uint8_t, 4> chosen_server{};
  dhcp_discovery_done result;

  static const char* name;
};

/// The discovery actor itself (its handlers' `self`).
using dhcp_discovery_self =
    dhcp_discovery_impl::stateful_pointer<dhcp_discovery_state>;

dhcp_discovery_impl::behavior_type dhcp_discovery(dhcp_discovery_self self,
                                                  std::shared_ptr<dhcp_io> io,
                                                  dhcp_discovery_config config,
                                                  caf::actor owner);

class loop_context;

/// Spawns a discovery on `ctx`'s loop; it reports to `owner` (dhcp_offer
/// events, then dhcp_discovery_done) and ends. Thread-safe. Defined with the
/// real io (actors/dhcp/uv_dhcp_io.cpp, target //actors/dhcp:uv_dhcp_io), which
/// depends on this actor's target.
dhcp_discovery_actor spawn_dhcp_discovery(loop_context& ctx, caf::actor owner,
                                          dhcp_discovery_config config);

}  // namespace netactors
