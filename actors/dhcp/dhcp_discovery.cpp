#include "actors/dhcp/dhcp_discovery.hpp"

#include "actors/core/tell.hpp"

#include <caf/all.hpp>

#include <uv.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "net/dhcp/address.hpp"
#include "net/dhcp/dhcp_builders.hpp"
#include "net/dhcp/dhcp_codec.hpp"
#include "net/dhcp/dhcp_match.hpp"

namespace netactors {

namespace {

using phase = dhcp_discovery_state::phase;

constexpr uint16_t client_port = 68;
constexpr uint16_t server_port = 67;

std::vector<std::string> format_all(
    const std::vector<net::dhcp::ipv4_address>& addresses) {
  std::vector<std::string> out;
  for (auto& a : addresses) out.push_back(net::dhcp::format_ipv4(a));
  return out;
}

std::string format_optional(const std::optional<net::dhcp::ipv4_address>& a) {
  return a ? net::dhcp::format_ipv4(*a) : std::string{};
}

dhcp_offer offer_of(const net::dhcp::dhcp_message& msg,
                    const net::endpoint& from) {
  return dhcp_offer{format_optional(msg.server_identifier()),
                    net::dhcp::format_ipv4(msg.yiaddr),
                    format_optional(msg.subnet_mask()),
                    format_all(msg.routers()),
                    format_all(msg.dns_servers()),
                    msg.lease_time().value_or(0),
                    from};
}

dhcp_lease_reply reply_of(const net::dhcp::dhcp_message& msg,
                          const net::endpoint& from, const char* type) {
  return dhcp_lease_reply{type,
                          format_optional(msg.server_identifier()),
                          net::dhcp::format_ipv4(msg.yiaddr),
                          format_optional(msg.subnet_mask()),
                          format_all(msg.routers()),
                          format_all(msg.dns_servers()),
                          msg.lease_time().value_or(0),
                          msg.message_text().value_or(""),
                          from};
}

// Reports the outcome, closes the socket and ends. Idempotent.
void finish(dhcp_discovery_self self, net_error error) {
  auto& st = self->state;
  if (st.current == phase::done) return;
  st.current = phase::done;
  st.result.error = std::move(error);
  tell(self, st.owner, st.result);
  if (st.socket) self->send(st.socket, udp_close{});
  st.socket = nullptr;
  self->quit();
}

// Broadcasts the current phase's message and schedules its retransmission.
void transmit(dhcp_discovery_self self) {
  auto& st = self->state;
  auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(
                     self->clock().now() - st.started)
                     .count();
  // RFC 2131: secs counts from the start of acquisition; some servers ignore
  // a client that says 0.
  auto secs = static_cast<uint16_t>(std::clamp<long long>(elapsed, 1, 65535));
  std::vector<uint8_t> packet;
  if (st.current == phase::requesting) {
    packet = net::dhcp::build_request(st.result.xid, st.mac, st.chosen_ip,
                                      st.chosen_server, secs);
    ++st.result.requests_sent;
  } else {
    packet = net::dhcp::build_discover(st.result.xid, st.mac, secs);
    ++st.result.discovers_sent;
  }
  auto to = *net::endpoint::from_ip("255.255.255.255", server_port);
  // A plain send: a failure comes back as udp_send_failed and ends us.
  tell(self, st.socket,
       udp_send{to, net::byte_buffer::copy_of(
                              {reinterpret_cast<const char*>(packet.data()),
                               packet.size()})});
  std::uniform_real_distribution<double> unit{0.0, 1.0};
  auto wait = st.config.backoff.delay(st.attempt++, unit(st.rng));
  self->delayed_send(self, wait, dhcp_retransmit_atom::value, st.timer_generation);
}

void start(dhcp_discovery_self self) {
  auto& st = self->state;
  if (auto err = st.io->hardware_address(st.config.interface, st.mac))
    return finish(self, err);
  st.result.mac = net::dhcp::format_mac(st.mac);
  st.socket = st.io->open_socket(caf::actor_cast<caf::actor>(self));
  udp_bind bind;
  bind.address = *net::endpoint::from_ip("0.0.0.0", client_port);
  bind.reuse_address = true;
  bind.device = st.config.interface;
  auto fail = [self](caf::error& err) { finish(self, to_net_error(err)); };
  self->request(st.socket, caf::infinite, std::move(bind))
      .then(
          [self, fail](udp_bound&) {
            auto& st = self->state;
            if (st.current == phase::done) return;
            self->request(st.socket, caf::infinite, udp_set_broadcast{true})
                .then(
                    [self]() {
                      if (self->state.current != phase::starting) return;
                      self->state.current = phase::discovering;
                      transmit(self);
                    },
                    fail);
          },
          fail);
}

void on_datagram(dhcp_discovery_self self, udp_received& ev) {
  auto& st = self->state;
  if (st.current == phase::starting || st.current == phase::done) return;
  auto parsed = net::dhcp::parse(
      reinterpret_cast<const uint8_t*>(ev.data.data()), ev.data.size());
  if (!parsed || ev.truncated) {
    ++st.result.ignored;
    return;
  }
  const auto& msg = *parsed;
  auto xid = st.result.xid;
  if (st.current == phase::requesting) {
    bool ack = net::dhcp::is_ack_for(msg, xid, st.mac);
    bool nak = !ack && net::dhcp::is_nak_for(msg, xid, st.mac);
    // Only the chosen server answers our REQUEST; others saw it as a
    // decline of their offers.
    if ((!ack && !nak) || msg.server_identifier() != st.chosen_server) {
      ++st.result.ignored;
      return;
    }
    st.result.ack = reply_of(msg, ev.from, ack ? "ack" : "nak");
    return finish(self, {});
  }
  if (!net::dhcp::is_offer_for(msg, xid, st.mac) || !msg.server_identifier()) {
    // Not ours, or an offer that could never be requested.
    ++st.result.ignored;
    return;
  }
  auto offer = offer_of(msg, ev.from);
  for (auto& seen : st.result.offers)
    if (seen.server_id == offer.server_id && seen.your_ip == offer.your_ip)
      return;  // the same offer again, answering a retransmission
  if (st.result.offers.size() >= std::max<uint32_t>(st.config.max_offers, 1)) {
    // Full: count it and keep nothing (the count saturates, never wraps).
    if (st.result.offers_dropped < UINT32_MAX) ++st.result.offers_dropped;
    return;
  }
  st.result.offers.push_back(offer);
  tell(self, st.owner, offer);
  if (st.current == phase::discovering) {
    st.chosen_ip = msg.yiaddr;
    st.chosen_server = *msg.server_identifier();
    st.current = phase::collecting;
    ++st.timer_generation;  // no more DISCOVERs
    self->delayed_send(self, st.config.offer_window, dhcp_window_atom::value,
                       st.timer_generation);
  }
}

}  // namespace

std::chrono::milliseconds dhcp_backoff::delay(uint32_t n, double random) const {
  auto base = initial;
  for (uint32_t i = 0; i < n && base < max; ++i) base *= 2;
  base = std::min(base, max);
  auto spread = static_cast<double>(jitter.count()) * (2.0 * random - 1.0);
  auto total = static_cast<double>(base.count()) + spread;
  return std::chrono::milliseconds{
      total <= 0 ? 0 : static_cast<int64_t>(total + 0.5)};
}

const char* dhcp_discovery_state::name = "dhcp_discovery";

dhcp_discovery_impl::behavior_type dhcp_discovery(dhcp_discovery_self self,
                                                  std::shared_ptr<dhcp_io> io,
                                                  dhcp_discovery_config config,
                                                  caf::actor owner) {
  auto& st = self->state;
  st.io = std::move(io);
  st.config = std::move(config);
  st.owner = std::move(owner);
  st.result.interface = st.config.interface;
  st.result.xid =
      st.config.xid != 0 ? st.config.xid : net::dhcp::random_xid();
  st.rng.seed(st.config.seed != 0 ? st.config.seed
                                  : (uint64_t{std::random_device{}()} << 32) ^
                                        std::random_device{}());
  st.started = self->clock().now();
  self->monitor(st.owner);
  self->set_down_handler([self](const caf::down_msg& dm) {
    if (dm.source == self->state.owner.address()) {
      // Nobody to report to; the socket closes once it sees us go.
      self->state.current = phase::done;
      self->quit();
    }
  });
  self->send(self, dhcp_start_atom::value);
  self->delayed_send(self, st.config.timeout, dhcp_deadline_atom::value);
  return {
    [self](dhcp_start_atom) { start(self); },
    [self](udp_received& ev) { on_datagram(self, ev); },
    [self](dhcp_retransmit_atom, uint64_t generation) {
      auto& st = self->state;
      if (generation != st.timer_generation) return;
      if (st.current == phase::discovering || st.current == phase::requesting)
        transmit(self);
    },
    [self](dhcp_window_atom, uint64_t generation) {
      auto& st = self->state;
      if (generation != st.timer_generation || st.current != phase::collecting)
        return;
      if (!st.config.request) return finish(self, {});
      st.current = phase::requesting;
      st.attempt = 0;
      ++st.timer_generation;
      transmit(self);
    },
    [self](dhcp_deadline_atom) { finish(self, {}); },
    [self](udp_send_failed& ev) { finish(self, ev.reason); },
    [](udp_receive_failed&) {
      // One failed receive (ENOMEM, ...): the socket goes on receiving.
    },
    [self](udp_closed& ev) {
      self->state.socket = nullptr;
      finish(self, ev.reason.ok()
                       ? net_error::of(UV_ECANCELED, "udp socket closed")
                       : ev.reason);
    },
  };
}

}  // namespace netactors
