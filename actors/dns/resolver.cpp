#include "actors/dns/resolver.hpp"

#include <caf/all.hpp>

#include <uv.h>

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "actors/dns/uv_resolver_io.hpp"

namespace netactors {

namespace {

// Remembers who waits for `request` and watches the requester, once per
// actor however many lookups it has in flight.
void track(resolver_self self, uint64_t request, caf::response_promise rp,
           const caf::strong_actor_ptr& sender) {
  auto& st = self->state;
  auto requester = caf::actor_cast<caf::actor_addr>(sender);
  // The spawner is watched already (and for good: see untrack).
  if (requester) {
    if (st.requesters[requester]++ == 0 && requester != st.spawner)
      self->monitor(caf::actor_cast<caf::actor>(sender));
  }
  st.lookups.emplace(request, resolver_state::lookup{std::move(rp), requester});
  ++st.stats.started;
}

// Forgets `request`'s requester; stops watching it after its last lookup.
void untrack(resolver_self self, const caf::actor_addr& requester) {
  if (!requester) return;
  auto& st = self->state;
  auto it = st.requesters.find(requester);
  if (it == st.requesters.end()) return;
  if (--it->second == 0) {
    // demonitor drops every monitor of that actor, the spawner's included.
    if (requester != st.spawner) self->demonitor(requester);
    st.requesters.erase(it);
  }
}

// Takes the waiter of a finished request out of the books; nullopt if the
// request was cancelled meanwhile (its requester ended).
std::optional<caf::response_promise> take(resolver_self self,
                                          uint64_t request,
                                          const net_error& error) {
  auto& st = self->state;
  auto it = st.lookups.find(request);
  if (it == st.lookups.end()) return std::nullopt;
  auto rp = std::move(it->second.promise);
  auto requester = it->second.requester;
  st.lookups.erase(it);
  untrack(self, requester);
  if (error) {
    ++st.stats.failed;
    if (error.code == UV_ETIMEDOUT) ++st.stats.timed_out;
  } else {
    ++st.stats.answered;
  }
  return rp;
}

template <class Start>
void start(resolver_self self, Start start_request) {
  // Before the promise: making it takes the sender out of the message.
  auto sender = self->current_sender();
  auto rp = self->make_response_promise();
  auto started = start_request();
  if (started.error) {
    rp.deliver(make_caf_error(started.error));
    return;
  }
  track(self, started.request, std::move(rp), sender);
}

}  // namespace

const char* resolver_state::name = "resolver";

resolver_state::~resolver_state() {
  if (io) io->close();
  // Nobody will answer these any more; say so rather than leave the
  // requesters waiting.
  auto err = make_caf_error(net_error::of(UV_ECANCELED, "resolver stopped"));
  for (auto& entry : lookups)
    if (entry.second.promise.pending()) entry.second.promise.deliver(err);
}

namespace {

// Answers the requester of a finished lookup (forward or reverse alike).
template <class Done>
void answer(resolver_self self, Done& ev) {
  auto rp = take(self, ev.request, ev.error);
  if (!rp) return;
  if (ev.error)
    rp->deliver(make_caf_error(ev.error));
  else
    rp->deliver(std::move(ev.result));
}

}  // namespace

resolver_impl::behavior_type resolver(resolver_self self,
                                      std::shared_ptr<resolver_io> io,
                                      caf::actor spawner) {
  auto& st = self->state;
  st.io = std::move(io);
  st.io->attach(caf::weak_actor_ptr{self->ctrl()});
  if (spawner) {
    st.spawner = spawner.address();
    self->monitor(spawner);
  }
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto& st = self->state;
    if (dm.source == st.spawner) {
      self->quit();  // a service ends with its spawner
      return;
    }
    std::vector<uint64_t> orphans;
    for (auto& entry : st.lookups)
      if (entry.second.requester == dm.source) orphans.push_back(entry.first);
    std::sort(orphans.begin(), orphans.end());  // in the order they started
    for (auto request : orphans) {
      switch (st.io->cancel(request)) {
        case resolver_io::cancel_outcome::cancelled:
          ++st.stats.cancelled;
          break;
        case resolver_io::cancel_outcome::abandoned:
          ++st.stats.abandoned;
          break;
        case resolver_io::cancel_outcome::unknown:
          // Finished already: its answer is on the way and will find no
          // waiter. Counted as dropped all the same.
          ++st.stats.abandoned;
          break;
      }
      st.lookups.erase(request);
    }
    st.requesters.erase(dm.source);
  });
  return {
      // start() answers: at once when the lookup cannot start, otherwise
      // with the io's dns_io_*_done.
      [self](dns_lookup& req) -> caf::result<dns_addresses> {
        start(self, [&] { return self->state.io->lookup(req); });
        return caf::delegated<dns_addresses>{};
      },
      [self](dns_reverse_lookup& req) -> caf::result<dns_name> {
        start(self, [&] { return self->state.io->reverse_lookup(req); });
        return caf::delegated<dns_name>{};
      },
      [self](dns_io_lookup_done& ev) {
        if (!from_own_io(self)) return;
        answer(self, ev);
      },
      [self](dns_io_reverse_done& ev) {
        if (!from_own_io(self)) return;
        answer(self, ev);
      },
      [self](dns_get_stats&) {
        auto& st = self->state;
        auto out = st.stats;
        out.in_flight = st.lookups.size();
        out.requesters = st.requesters.size();
        return out;
      },
  };
}

resolver_actor spawn_resolver(loop_context& ctx, const caf::actor& spawner,
                              service_life life) {
  return ctx.spawn(resolver, std::make_shared<uv_resolver_io>(ctx.loop()),
                   life == service_life::with_spawner ? spawner : caf::actor{});
}

resolver_actor spawn_resolver(runtime& rt, const caf::actor& spawner,
                              service_life life) {
  return spawn_resolver(rt.loop_at(0), spawner, life);
}

}  // namespace netactors
