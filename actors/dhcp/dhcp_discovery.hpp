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
// Protocol: to its owner, dhcp_offer for each offer as it arrives, then
// dhcp_discovery_done once (the whole outcome, or the error that stopped
// it), then the actor ends; it ends at `timeout` at the latest. It takes no
// commands; killing it closes its socket.
// Thread safety: an actor; spawn it with spawn_dhcp_discovery
// (actors/dhcp/uv_dhcp_io.hpp), or with a fake dhcp_io in tests.
#pragma once

#include <caf/stateful_actor.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include "actors/dhcp/dhcp_io.hpp"
#include "actors/messages/dhcp_messages.hpp"
#include "actors/messages/udp_messages.hpp"

namespace netactors {

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
  caf::actor socket;
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

using dhcp_discovery_actor = caf::stateful_actor<dhcp_discovery_state>;

caf::behavior dhcp_discovery(dhcp_discovery_actor* self,
                             std::shared_ptr<dhcp_io> io,
                             dhcp_discovery_config config, caf::actor owner);

class loop_context;

/// Spawns a discovery on `ctx`'s loop; it reports to `owner` (dhcp_offer
/// events, then dhcp_discovery_done) and ends. Thread-safe. Defined with the
/// real io (actors/dhcp/uv_dhcp_io.cpp, target //actors/dhcp:uv_dhcp_io), which
/// depends on this actor's target.
caf::actor spawn_dhcp_discovery(loop_context& ctx, caf::actor owner,
                                dhcp_discovery_config config);

}  // namespace netactors
