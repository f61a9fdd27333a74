#include "actors/interfaces/interfaces.hpp"

#include "actors/core/tell.hpp"

#include <caf/all.hpp>

#include <uv.h>

#include <algorithm>
#include <cassert>

namespace netactors {

// -- conversions ---------------------------------------------------------------

interface_address to_message(const net::interface_address& a) {
  return interface_address{a.family == net::ip_family::v4 ? "ipv4" : "ipv6",
                           a.address, a.netmask, a.prefix, a.scope_id};
}

interface_info to_message(const net::interface_info& info) {
  interface_info out;
  out.name = info.name;
  out.index = info.index;
  out.mac = info.mac;
  out.internal = info.internal;
  out.up = info.up;
  out.running = info.running;
  out.addresses.reserve(info.addresses.size());
  for (auto& a : info.addresses) out.addresses.push_back(to_message(a));
  return out;
}

std::vector<interface_info> to_message(const net::interface_snapshot& s) {
  std::vector<interface_info> out;
  out.reserve(s.interfaces.size());
  for (auto& i : s.interfaces) out.push_back(to_message(i));
  return out;
}

interface_event to_message(const net::interface_change& change) {
  using kind = net::interface_change::kind;
  interface_event out;
  switch (change.what) {
    case kind::interface_added:
      out.kind = interface_event_kind::interface_added;
      break;
    case kind::interface_removed:
      out.kind = interface_event_kind::interface_removed;
      break;
    case kind::interface_changed:
      out.kind = interface_event_kind::interface_changed;
      out.previous = to_message(change.previous);
      break;
    case kind::address_added:
      out.kind = interface_event_kind::address_added;
      break;
    case kind::address_removed:
      out.kind = interface_event_kind::address_removed;
      break;
  }
  out.interface = to_message(change.interface);
  if (out.kind == interface_event_kind::address_added ||
      out.kind == interface_event_kind::address_removed)
    out.address = to_message(change.address);
  return out;
}

// -- the real io -----------------------------------------------------------------

namespace {

// Turns a watcher's callbacks into io events for the interface actor. Runs
// on the loop thread, outside any actor: it only sends, and holds the actor
// weakly (the watch must not keep its own actor alive).
class watch_bridge final : public net::interface_watcher::observer {
 public:
  explicit watch_bridge(caf::weak_actor_ptr self) : self_(std::move(self)) {}

  uint64_t watch_id = 0;

  void on_interfaces_changed(
      const net::interface_snapshot& now,
      const std::vector<net::interface_change>& changes) override {
    interface_watch_update update;
    update.watch_id = watch_id;
    update.events.reserve(changes.size());
    for (auto& c : changes) update.events.push_back(to_message(c));
    update.interfaces = to_message(now);
    deliver_io_event(self_, std::move(update));
  }

  void on_watch_error(const net::uv_error& error) override {
    deliver_io_event(self_, interface_watch_error{
                                watch_id, net_error::from(error), false});
  }

  void on_closing(const net::uv_error& reason) override {
    // Closed by its owner (the actor's stop_watch): nothing to say. Closed
    // because it could not go on: the actor must learn it, or it would wait
    // for a watch that is gone.
    if (reason.code() == 0) return;
    deliver_io_event(self_, interface_watch_error{
                                watch_id, net_error::from(reason), true});
  }

 private:
  caf::weak_actor_ptr self_;
};

}  // namespace

uv_interface_io::uv_interface_io(net::loop& l,
                                     net::interface_watch_options options)
    : loop_(l), options_(options) {}

interface_io::snapshot_result uv_interface_io::snapshot() {
  // A handful of short system calls (getifaddrs is one netlink dump on
  // Linux): cheap enough for the loop thread.
  auto s = net::snapshot_interfaces();
  if (!s) return {net_error::from(s.error()), {}};
  return {{}, to_message(*s)};
}

interface_io::watch_result uv_interface_io::start_watch(
    caf::weak_actor_ptr self) {
  assert(loop_.on_loop_thread());
  auto bridge = std::make_unique<watch_bridge>(std::move(self));
  auto* raw_bridge = bridge.get();
  auto w = net::watch_interfaces(loop_, options_, std::move(bridge));
  if (!w) return {net_error::from(w.error()), 0, {}};
  // No callback can have run yet: the watcher only reports from later loop
  // iterations, by which time the bridge knows its id.
  raw_bridge->watch_id = (*w)->id();
  return {{}, (*w)->id(), to_message((*w)->current())};
}

void uv_interface_io::stop_watch(uint64_t id) { loop_.close_handle(id); }

// -- the actor ---------------------------------------------------------------

const char* interfaces_state::name = "interfaces";

interfaces_state::~interfaces_state() {
  if (io && watch_id != 0) io->stop_watch(watch_id);
}

namespace {

void stop_watch_if_unwatched(interfaces_self self) {
  auto& st = self->state;
  if (!st.subscribers.empty() || st.watch_id == 0) return;
  st.io->stop_watch(st.watch_id);
  st.watch_id = 0;
  st.current.clear();
}

void drop_subscriber(interfaces_self self, const caf::actor_addr& who) {
  auto& subs = self->state.subscribers;
  subs.erase(std::remove(subs.begin(), subs.end(), who), subs.end());
  stop_watch_if_unwatched(self);
}

template <class Message>
void tell_subscribers(interfaces_self self, const Message& msg) {
  for (auto& addr : self->state.subscribers)
    if (auto sub = caf::actor_cast<caf::actor>(addr)) tell(self, sub, msg);
}

}  // namespace

interfaces_impl::behavior_type interfaces(interfaces_self self,
                                          std::shared_ptr<interface_io> io) {
  self->state.io = std::move(io);
  self->set_down_handler([self](caf::down_msg& dm) {
    drop_subscriber(self, dm.source);
  });
  return {
    [self](interfaces_query&) -> caf::result<interface_report> {
      auto& st = self->state;
      if (st.watch_id != 0) return interface_report{st.current};
      auto snap = st.io->snapshot();
      if (snap.error) return make_caf_error(snap.error);
      return interface_report{std::move(snap.interfaces)};
    },
    [self](interfaces_subscribe&) -> caf::result<interface_report> {
      auto& st = self->state;
      auto who = caf::actor_cast<caf::actor_addr>(self->current_sender());
      if (!who)
        return make_caf_error(
            net_error::of(UV_EINVAL, "interfaces_subscribe without a sender"));
      if (st.watch_id == 0) {
        auto w = st.io->start_watch(caf::weak_actor_ptr{self->ctrl()});
        if (w.error) return make_caf_error(w.error);
        st.watch_id = w.id;
        st.current = std::move(w.baseline);
      }
      auto& subs = st.subscribers;
      if (std::find(subs.begin(), subs.end(), who) == subs.end()) {
        subs.push_back(who);
        self->monitor(who);
      }
      return interface_report{st.current};
    },
    [self](interfaces_unsubscribe&) {
      auto who = caf::actor_cast<caf::actor_addr>(self->current_sender());
      if (!who) return;
      self->demonitor(who);
      drop_subscriber(self, who);
    },
    [self](interface_watch_update& update) {
      if (!from_own_io(self)) return;
      auto& st = self->state;
      if (update.watch_id == 0 || update.watch_id != st.watch_id)
        return;  // from a watch stopped since
      st.current = std::move(update.interfaces);
      if (update.events.empty()) return;
      tell_subscribers(self,
                       interfaces_changed{std::move(update.events), st.current});
    },
    [self](interface_watch_error& failure) {
      if (!from_own_io(self)) return;
      auto& st = self->state;
      if (failure.watch_id == 0 || failure.watch_id != st.watch_id) return;
      tell_subscribers(self, interfaces_watch_failed{std::move(failure.reason),
                                                     failure.ended});
      if (!failure.ended) return;
      // The watch closed itself: every subscription ends with it, and the
      // next subscribe starts a new one.
      for (auto& who : st.subscribers) self->demonitor(who);
      st.subscribers.clear();
      st.watch_id = 0;
      st.current.clear();
    },
  };
}

interfaces_actor spawn_interfaces(runtime& rt,
                                  net::interface_watch_options options) {
  auto& ctx = rt.loop_at(0);
  return ctx.spawn(interfaces,
                   std::make_shared<uv_interface_io>(ctx.loop(), options));
}

}  // namespace netactors
