#include "actors/node/node_jobs.hpp"

#include <caf/all.hpp>

#include <uv.h>

#include <string>

#include "actors/dhcp/dhcp_discovery.hpp"
#include "actors/dns/dns_connect.hpp"
#include "actors/echo/echo.hpp"
#include "actors/messages/net_error.hpp"

namespace netactors {

namespace {

using deadline_atom = caf::atom_constant<caf::atom("jobdline")>;

// Margin for the work actor's own timeout before the relay gives up on it.
constexpr auto guard_margin = std::chrono::seconds(10);

caf::error job_error(int code, std::string why) {
  return make_caf_error(net_error::of(code, std::move(why)));
}

// True when the message being handled came from `x` (a handle, an address
// or the actor itself): a relay takes results and deadlines only from
// where it expects them.
template <class Handle>
bool sent_by(caf::event_based_actor* self, const Handle& x) {
  return self->current_sender() == caf::actor_cast<caf::strong_actor_ptr>(x);
}

// Every relay watches its asker (and the jobs actor): when one goes away the
// relay ends, and its job's actors end with it (each is either spawned with
// the relay as spawner/owner, or ended by the attached functor).
void watch(caf::event_based_actor* self, const caf::actor& asker,
           const caf::actor& jobs) {
  self->monitor(asker);
  self->monitor(jobs);
  self->set_down_handler([self](caf::down_msg&) {
    self->quit(caf::exit_reason::user_shutdown);
  });
}

// -- node_dns_connect ---------------------------------------------------------

caf::behavior dns_relay(caf::event_based_actor* self, runtime* rt,
                        resolver_actor resolver, caf::actor asker,
                        caf::actor jobs, caf::actor owner) {
  watch(self, asker, jobs);
  self->monitor(owner);
  auto conn = std::make_shared<caf::actor>();
  // The connection's events (some are requests: the owner's answer goes
  // straight back to the connection) and the report go to the owner.
  auto pass = [self, conn, owner](auto& ev) -> caf::delegated<caf::message> {
    if (*conn && sent_by(self, *conn))
      return self->delegate(owner, std::move(ev));
    return {};
  };
  return {
    [=](node_dns_connect& r) -> caf::result<caf::message> {
      auto me = caf::actor_cast<caf::actor>(self);
      // With the relay as spawner and report_to: it ends with the relay.
      auto dc = spawn_dns_connect(*rt, me, resolver, me);
      auto rp = self->make_response_promise();
      self->request(dc,
                    std::chrono::milliseconds(r.request.timeout_ms) +
                        guard_margin,
                    std::move(r.request))
          .then(
              [self, rp, conn](tcp_connection_actor& c,
                               dns_connect_report& rep) mutable {
                *conn = caf::actor_cast<caf::actor>(c);
                // The relay owns the connection: it lives as long as that.
                self->monitor(*conn);
                rp.deliver(std::move(c), std::move(rep));
              },
              [self, rp](caf::error& err) mutable {
                rp.deliver(std::move(err));
                self->quit();
              });
      return rp;
    },
    [owner](dns_connect_report& rep) {
      caf::anon_send(owner, std::move(rep));
    },
    [pass](tcp_connection_opened& ev) { return pass(ev); },
    [pass](tcp_received& ev) { return pass(ev); },
    [pass](tcp_backpressure& ev) { return pass(ev); },
    [pass](tcp_write_refused& ev) { return pass(ev); },
    [pass](tcp_read_closed& ev) { return pass(ev); },
    [pass](tcp_connection_closed& ev) { return pass(ev); },
  };
}

// -- node_echo_client ---------------------------------------------------------

caf::behavior echo_relay(caf::event_based_actor* self, runtime* rt,
                         caf::actor asker, caf::actor jobs) {
  watch(self, asker, jobs);
  auto session = std::make_shared<caf::actor>();
  auto rp = std::make_shared<caf::response_promise>();
  self->attach_functor([session] {
    if (*session) caf::anon_send_exit(*session, caf::exit_reason::user_shutdown);
  });
  return {
    [=](node_echo_client& job) -> caf::result<caf::message> {
      echo_client_job j;
      j.server = job.server;
      j.messages = std::move(job.messages);
      j.connect_timeout_ms = job.connect_timeout_ms;
      *session = spawn_echo_client(*rt, caf::actor_cast<caf::actor>(self),
                                   std::move(j));
      // Its result comes before its down_msg; a session that ends without
      // one ends the relay, and the asker gets CAF's broken_promise.
      self->monitor(*session);
      self->delayed_send(self, std::chrono::milliseconds(job.deadline_ms),
                         deadline_atom::value);
      *rp = self->make_response_promise();
      return *rp;
    },
    [=](echo_client_result& r) {
      if (!sent_by(self, *session)) return;
      *session = nullptr;  // it ends by itself
      rp->deliver(std::move(r));
      self->quit();
    },
    [=](deadline_atom) {
      if (!sent_by(self, self)) return;
      echo_client_result r;
      r.error = "ETIMEDOUT";
      rp->deliver(std::move(r));
      self->quit();  // the attached functor ends the session
    },
  };
}

// -- node_dhcp_discover -------------------------------------------------------

caf::behavior dhcp_relay(caf::event_based_actor* self, runtime* rt,
                         caf::actor asker, caf::actor jobs) {
  watch(self, asker, jobs);
  auto discovery = std::make_shared<caf::actor_addr>();
  auto rp = std::make_shared<caf::response_promise>();
  return {
    [=](node_dhcp_discover& job) -> caf::result<caf::message> {
      dhcp_discovery_config cfg;
      cfg.interface = job.interface;
      cfg.request = job.request;
      cfg.timeout = std::chrono::milliseconds(job.timeout_ms);
      cfg.offer_window = std::chrono::milliseconds(job.offer_window_ms);
      // Owned by the relay: the discovery ends when the relay does.
      auto d = spawn_dhcp_discovery(rt->next_loop(),
                                    caf::actor_cast<caf::actor>(self), cfg);
      *discovery = d.address();
      self->monitor(*discovery);
      self->delayed_send(self, cfg.timeout + guard_margin,
                         deadline_atom::value);
      *rp = self->make_response_promise();
      return *rp;
    },
    [](dhcp_offer&) {},  // reported again in dhcp_discovery_done
    [=](dhcp_discovery_done& done) {
      if (!sent_by(self, *discovery)) return;
      rp->deliver(std::move(done));
      self->quit();
    },
    [=](deadline_atom) {
      if (!sent_by(self, self)) return;
      rp->deliver(job_error(UV_ETIMEDOUT, "the discovery did not finish"));
      self->quit();
    },
  };
}

// -- the jobs actor -----------------------------------------------------------

struct node_jobs_state {
  runtime* rt = nullptr;
  resolver_actor resolver;
  node_jobs_limits limits;
  size_t running = 0;
  static const char* name;
};

const char* node_jobs_state::name = "node_jobs";

using node_jobs_self = node_jobs_actor::stateful_pointer<node_jobs_state>;

caf::error admit(node_jobs_self self) {
  auto& st = self->state;
  if (st.running >= st.limits.max_jobs)
    return job_error(UV_EBUSY, std::to_string(st.limits.max_jobs) +
                                   " jobs running on this node");
  return {};
}

caf::error check_ms(node_jobs_self self, uint32_t ms, const char* what) {
  if (ms == 0 || ms > self->state.limits.max_job_ms)
    return job_error(UV_EINVAL, std::string{what} + " must be 1.." +
                                    std::to_string(self->state.limits.max_job_ms) +
                                    " ms");
  return {};
}

// Starts a relay for the current request's sender (the asker), counts it
// until it ends, and hands it the request; the relay's reply is the jobs'.
template <class Relay, class... Ts>
caf::actor start_relay(node_jobs_self self, Relay relay, Ts&&... xs) {
  auto asker = caf::actor_cast<caf::actor>(self->current_sender());
  auto me = caf::actor_cast<caf::actor>(self);
  auto r = self->spawn(relay, self->state.rt, std::forward<Ts>(xs)..., asker,
                       me);
  ++self->state.running;
  self->monitor(r);
  return r;
}

// Hands `job` to `relay`; its reply (Rs..., or an error) answers the
// request being handled.
template <class... Rs, class Job>
caf::result<Rs...> reply_of(node_jobs_self self, const caf::actor& relay,
                            Job job) {
  auto rp = self->make_response_promise<Rs...>();
  self->request(relay, caf::infinite, std::move(job))
      .then([rp](Rs&... xs) mutable { rp.deliver(std::move(xs)...); },
            [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

node_jobs_actor::behavior_type node_jobs(node_jobs_self self, runtime* rt,
                                         resolver_actor resolver,
                                         node_jobs_limits limits) {
  self->state.rt = rt;
  self->state.resolver = std::move(resolver);
  self->state.limits = limits;
  self->set_down_handler([self](caf::down_msg&) {
    if (self->state.running > 0) --self->state.running;
  });
  return {
    [self](node_dns_connect& r, caf::actor& owner)
        -> caf::result<tcp_connection_actor, dns_connect_report> {
      if (auto err = admit(self)) return err;
      if (!owner)
        return job_error(UV_EINVAL, "node_dns_connect needs an owner");
      if (auto err = check_ms(self, r.request.timeout_ms, "timeout_ms"))
        return err;
      auto relay = start_relay(
          self,
          [](caf::event_based_actor* a, runtime* rt, resolver_actor res,
             caf::actor owner, caf::actor asker, caf::actor jobs) {
            return dns_relay(a, rt, std::move(res), std::move(asker),
                             std::move(jobs), std::move(owner));
          },
          self->state.resolver, owner);
      return reply_of<tcp_connection_actor, dns_connect_report>(self, relay,
                                                                std::move(r));
    },
    [self](node_echo_client& job) -> caf::result<echo_client_result> {
      if (auto err = admit(self)) return err;
      uint64_t bytes = 0;
      for (auto& m : job.messages) bytes += m.size();
      if (bytes > self->state.limits.max_echo_bytes)
        return job_error(UV_EMSGSIZE,
                         std::to_string(bytes) + " bytes of messages: this "
                         "node runs echo jobs of at most " +
                             std::to_string(self->state.limits.max_echo_bytes));
      if (auto err = check_ms(self, job.deadline_ms, "deadline_ms")) return err;
      if (auto err = check_ms(self, job.connect_timeout_ms,
                              "connect_timeout_ms"))
        return err;
      auto relay = start_relay(self, echo_relay);
      return reply_of<echo_client_result>(self, relay, std::move(job));
    },
    [self](node_dhcp_discover& job) -> caf::result<dhcp_discovery_done> {
      if (auto err = admit(self)) return err;
      if (job.interface.empty())
        return job_error(UV_EINVAL, "node_dhcp_discover needs an interface");
      if (auto err = check_ms(self, job.timeout_ms, "timeout_ms")) return err;
      if (job.offer_window_ms > job.timeout_ms)
        job.offer_window_ms = job.timeout_ms;
      auto relay = start_relay(self, dhcp_relay);
      return reply_of<dhcp_discovery_done>(self, relay, std::move(job));
    },
  };
}

}  // namespace

node_jobs_actor spawn_node_jobs(runtime& rt, resolver_actor resolver,
                                node_jobs_limits limits) {
  return rt.system().spawn(node_jobs, &rt, std::move(resolver), limits);
}

}  // namespace netactors
