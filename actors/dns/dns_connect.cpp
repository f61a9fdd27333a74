#include "actors/dns/dns_connect.hpp"

#include "actors/core/tell.hpp"

#include <caf/all.hpp>

#include <uv.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "actors/dns/uv_connect_io.hpp"
#include "net/core/uv_error.hpp"

namespace netactors {

namespace {

using step = net::happy_eyeballs::step;

uint64_t now_ms(dns_connect_self self) {
  auto elapsed = self->clock().now() - self->state.started;
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
  return ms > 0 ? static_cast<uint64_t>(ms) : 0;
}

std::string target(const dns_connect_to& req) {
  return req.host + ":" + std::to_string(req.port);
}

// Schedules a tick at `at_ms` unless an earlier one is pending already; each
// tick asks the race for the next time, so one pending tick is enough.
void arm(dns_connect_self self, uint64_t at_ms) {
  auto& st = self->state;
  if (st.wake_ms && *st.wake_ms <= at_ms) return;
  st.wake_ms = at_ms;
  auto now = now_ms(self);
  self->delayed_send(self,
                     std::chrono::milliseconds(at_ms > now ? at_ms - now : 0),
                     dns_connect_tick_atom::value);
}

// "[2001:db8::1]:80 ECONNREFUSED (1 ms), 192.0.2.1:80 cancelled (250 ms)".
std::string attempt_list(const net::happy_eyeballs& race) {
  std::string out;
  for (const auto& a : race.attempts()) {
    if (!out.empty()) out += ", ";
    out += a.peer.to_string() + " " + a.result + " (" +
           std::to_string(a.ended_ms - a.started_ms) + " ms)";
  }
  return out.empty() ? "no attempt" : out;
}

net_error failure(const dns_connect_state& st) {
  const auto& race = *st.race;
  const auto& req = st.request;
  if (race.error() == "ETIMEDOUT") {
    if (race.resolution_failure())
      return net_error::of(UV_ETIMEDOUT,
                           "resolve " + req.host + ": no answer within " +
                               std::to_string(req.timeout_ms) + " ms");
    return net_error::of(UV_ETIMEDOUT, "connect " + target(req) +
                                           ": no connection within " +
                                           std::to_string(req.timeout_ms) +
                                           " ms: " + attempt_list(race));
  }
  if (race.resolution_failure()) {
    // The resolver's own error (code, name, message), with a context that
    // names both families' outcomes.
    auto err = st.v6_error.name == race.error() ? st.v6_error
               : st.v4_error.name == race.error()
                   ? st.v4_error
                   : net_error::of(UV_EAI_NODATA);
    auto outcome = [](const net_error& e) {
      return e ? e.name : std::string{"no address"};
    };
    err.context = "resolve " + req.host + ": ipv6 " + outcome(st.v6_error) +
                  ", ipv4 " + outcome(st.v4_error);
    return err;
  }
  int code = net::uv_error_code_from_name(race.error());
  auto err = net_error::of(code != 0 ? code : UV_UNKNOWN,
                           "connect " + target(req) +
                               ": every attempt failed: " + attempt_list(race));
  if (code == 0) err.name = race.error();
  return err;
}

dns_connect_report report_of(dns_connect_self self) {
  auto& st = self->state;
  const auto& race = *st.race;
  dns_connect_report rep;
  rep.host = st.request.host;
  rep.port = st.request.port;
  rep.addresses = race.addresses();
  for (const auto& a : race.attempts())
    rep.attempts.push_back(dns_connect_attempt{
        a.peer, a.result, static_cast<uint32_t>(a.started_ms),
        static_cast<uint32_t>(a.ended_ms - a.started_ms)});
  rep.ms = static_cast<uint32_t>(now_ms(self));
  return rep;
}

void finish(dns_connect_self self) {
  auto& st = self->state;
  auto& race = *st.race;
  auto rep = report_of(self);
  tcp_connection_actor connection;
  if (race.state() == net::happy_eyeballs::phase::connected) {
    auto winner = static_cast<uint32_t>(*race.winner());
    auto adopted = st.io->adopt(winner, st.owner, st.options);
    if (adopted.connection) {
      connection = std::move(adopted.connection);
      rep.connected = race.attempts()[winner].peer.to_string();
      rep.connection_id = adopted.id;
    } else {
      rep.error = net_error::of(UV_ECONNABORTED,
                                "connect " + target(st.request) + ": " +
                                    rep.attempts[winner].address.to_string() +
                                    " closed before its hand-over");
    }
  } else {
    rep.error = failure(st);
  }
  // The report first: a report_to that is also the requester then sees it
  // before the reply.
  if (st.report_to) tell(self, st.report_to, rep);
  if (connection)
    st.promise.deliver(std::move(connection), std::move(rep));
  else
    st.promise.deliver(make_caf_error(rep.error));
  self->quit();
}

// Carries out what the race decided; a socket that fails at once is one
// more event for the race.
void apply(dns_connect_self self, step first) {
  auto& st = self->state;
  std::vector<step> work;
  work.push_back(std::move(first));
  while (!work.empty()) {
    auto s = std::move(work.back());
    work.pop_back();
    for (auto i : s.cancel) st.io->cancel(static_cast<uint32_t>(i));
    for (auto i : s.start) {
      auto peer = st.race->attempts()[i].peer;
      if (auto err = st.io->start(static_cast<uint32_t>(i), peer))
        work.push_back(st.race->attempt_failed(i, err.name, now_ms(self)));
    }
    if (s.wake_ms) arm(self, *s.wake_ms);
  }
  if (st.race->finished()) finish(self);
}

void look_up(dns_connect_self self, net::ip_family family) {
  const auto& req = self->state.request;
  dns_lookup q;
  q.host = req.host;
  q.service = std::to_string(req.port);
  q.family = family == net::ip_family::v6 ? "ipv6" : "ipv4";
  q.socktype = "stream";
  q.protocol = IPPROTO_TCP;
  q.numeric_service = true;
  q.timeout_ms = req.timeout_ms;
  self->request(self->state.resolver, caf::infinite, std::move(q))
      .then(
          [self, family](dns_addresses& answer) {
            auto& st = self->state;
            if (!st.race || st.race->finished()) return;
            std::vector<net::endpoint> found;
            for (auto& a : answer.addresses) found.push_back(a.address);
            apply(self, st.race->resolved(family, found, now_ms(self)));
          },
          [self, family](caf::error& err) {
            auto& st = self->state;
            if (!st.race || st.race->finished()) return;
            auto e = to_net_error(err);
            (family == net::ip_family::v6 ? st.v6_error : st.v4_error) = e;
            apply(self, st.race->resolve_failed(family, e.name, now_ms(self)));
          });
}

}  // namespace

const char* dns_connect_state::name = "dns_connect";

dns_connect_state::~dns_connect_state() {
  if (io) io->close();
  if (promise.pending())
    promise.deliver(
        make_caf_error(net_error::of(UV_ECANCELED, "dns_connect stopped")));
}

dns_connect_impl::behavior_type dns_connect(
    dns_connect_self self, std::shared_ptr<connect_io> io,
    resolver_actor resolver, caf::actor report_to,
    tcp_connection_options options, caf::actor spawner) {
  auto& st = self->state;
  st.io = std::move(io);
  st.resolver = std::move(resolver);
  st.report_to = std::move(report_to);
  st.options = options;
  st.io->attach(caf::weak_actor_ptr{self->ctrl()});
  if (spawner) {
    st.spawner = spawner.address();
    self->monitor(spawner);
  }
  self->set_down_handler([self](const caf::down_msg& dm) {
    // The requester is gone: nobody wants the connection any more; or the
    // spawner is, and a service ends with its spawner. Quitting closes every
    // socket (state destructor) and the resolver, watching this actor,
    // cancels its lookups.
    auto& st = self->state;
    if (dm.source == st.owner.address() || dm.source == st.spawner)
      self->quit();
  });
  return {
      // Answered through the promise: by finish, or now when refused.
      [self](dns_connect_to& req)
          -> caf::result<tcp_connection_actor, dns_connect_report> {
        auto& st = self->state;
        // Before the promise: making it takes the sender out of the message.
        auto requester = caf::actor_cast<caf::actor>(self->current_sender());
        auto rp = self->make_response_promise();
        if (st.race) {
          // The race under way goes on: this refusal is not the answer.
          rp.deliver(make_caf_error(
              net_error::of(UV_EALREADY, "a dns_connect actor connects once")));
          return rp;
        }
        // A refused request is this actor's one answer: report_to hears of
        // it as of any failure, and the actor ends after it.
        auto refuse = [&](const char* why) {
          auto err = net_error::of(UV_EINVAL, why);
          if (st.report_to) {
            dns_connect_report rep;
            rep.host = req.host;
            rep.port = req.port;
            rep.error = err;
            tell(self, st.report_to, std::move(rep));
          }
          rp.deliver(make_caf_error(std::move(err)));
          self->quit();
        };
        if (req.host.empty()) {
          refuse("dns_connect_to needs a host");
          return rp;
        }
        if (!requester) {
          refuse("dns_connect_to needs a requester to own the connection");
          return rp;
        }
        st.owner = std::move(requester);
        if (st.owner.address() != st.spawner) self->monitor(st.owner);
        st.promise = std::move(rp);
        st.request = std::move(req);
        net::happy_eyeballs_options opts;
        opts.attempt_delay_ms = st.request.attempt_delay_ms;
        opts.resolution_delay_ms = st.request.resolution_delay_ms;
        opts.timeout_ms = st.request.timeout_ms;
        opts.prefer_ipv6 = st.request.prefer_ipv6;
        st.race.emplace(opts);
        st.started = self->clock().now();
        look_up(self, net::ip_family::v6);
        look_up(self, net::ip_family::v4);
        apply(self, st.race->tick(0));  // arms the overall timeout
        return st.promise;
      },
      [self](dns_io_attempt_done& ev) {
        if (!from_own_io(self)) return;
        auto& st = self->state;
        if (!st.race || st.race->finished()) return;
        auto now = now_ms(self);
        apply(self, ev.status ? st.race->attempt_failed(ev.attempt,
                                                        ev.status.name, now)
                              : st.race->attempt_connected(ev.attempt, now));
      },
      [self](dns_connect_tick_atom) {
        auto& st = self->state;
        if (!st.race || st.race->finished()) return;
        auto now = now_ms(self);
        if (st.wake_ms && now >= *st.wake_ms) st.wake_ms.reset();
        apply(self, st.race->tick(now));
      },
  };
}

dns_connect_actor spawn_dns_connect(runtime& rt, const caf::actor& spawner,
                                    resolver_actor resolver,
                                    caf::actor report_to,
                                    tcp_connection_options options,
                                    service_life life) {
  auto& ctx = rt.next_loop();
  return ctx.spawn(dns_connect, std::make_shared<uv_connect_io>(ctx),
                   std::move(resolver), std::move(report_to), options,
                   life == service_life::with_spawner ? spawner : caf::actor{});
}

}  // namespace netactors
