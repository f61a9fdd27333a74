#include "actors/supervisor/supervisor.hpp"

#include "actors/core/tell.hpp"

#include <caf/actor_clock.hpp>
#include <caf/actor_registry.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/message_view.hpp>
#include <caf/response_promise.hpp>
#include <caf/sec.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <deque>
#include <exception>
#include <set>
#include <utility>

#include "actors/messages/net_error.hpp"

namespace netactors {

const char* to_string(restart_type x) {
  switch (x) {
    case restart_type::permanent:
      return "permanent";
    case restart_type::transient:
      return "transient";
    case restart_type::temporary:
      return "temporary";
  }
  return "unknown";
}

namespace {

// Supervisor -> stable handle. Reserved: a client's message made of these
// atoms would steer the proxy instead of reaching the child.
using px_set_atom = caf::atom_constant<caf::atom("px_set")>;    // + actor
using px_hold_atom = caf::atom_constant<caf::atom("px_hold")>;
using px_stop_atom = caf::atom_constant<caf::atom("px_stop")>;  // + why
// Supervisor -> itself.
using sup_start_atom = caf::atom_constant<caf::atom("sup_start")>;
using sup_retry_atom = caf::atom_constant<caf::atom("sup_retry")>;
using sup_kill_atom = caf::atom_constant<caf::atom("sup_kill")>;

// The implementation's interface: the public one plus its own timers.
using supervisor_impl = supervisor_actor::extend<
    caf::reacts_to<sup_start_atom>,
    caf::reacts_to<sup_retry_atom, uint64_t, std::string>,
    caf::reacts_to<sup_kill_atom, uint64_t, caf::actor_id>>;

/// An exit reason as events show it: "" for a normal exit.
std::string describe(const caf::error& e) {
  if (!e) return "";
  if (e.category() == uv_atom::value) return "uv: " + to_net_error(e).to_string();
  if (e.category() == supervisor_error_atom::value)
    return render_supervisor_error(e.code(), e.context());
  if (e.category() == caf::atom("exit"))
    return caf::to_string(static_cast<caf::exit_reason>(e.code()));
  if (e.category() == caf::atom("system")) {
    std::string out = caf::to_string(static_cast<caf::sec>(e.code()));
    if (!e.context().empty()) out += ": " + caf::to_string(e.context());
    return out;
  }
  return caf::to_string(e);
}

// -- the stable handle ------------------------------------------------------

struct proxy_state {
  enum class mode { holding, forwarding, stopped };

  std::string child;
  size_t limit = 0;
  mode now = mode::holding;  // until the first incarnation starts
  caf::actor current;        // while forwarding
  std::string why_stopped;
  std::deque<std::pair<caf::response_promise, caf::message>> pending;

  // Nothing waits forever: requests still held when the proxy ends (with
  // its supervisor) are answered.
  ~proxy_state() {
    refuse_pending("child " + child + " is gone: its supervisor ended");
  }

  void refuse_pending(const std::string& why) {
    for (auto& [rp, msg] : pending)
      if (!rp.async())
        rp.deliver(make_supervisor_error(supervisor_errc::child_unavailable, why));
    pending.clear();
  }

  static inline const char* name = "supervisor_child";
};

using proxy_actor = caf::stateful_actor<proxy_state>;

void refuse(proxy_actor* self, const std::string& why) {
  auto rp = self->make_response_promise();
  if (rp.pending() && !rp.async())
    rp.deliver(make_supervisor_error(supervisor_errc::child_unavailable, why));
}

void route(proxy_actor* self, caf::message msg) {
  auto& st = self->state;
  switch (st.now) {
    case proxy_state::mode::forwarding:
      // Same sender and request id: the child answers the client directly.
      self->make_response_promise().delegate(st.current, std::move(msg));
      return;
    case proxy_state::mode::holding:
      if (st.pending.size() < st.limit) {
        st.pending.emplace_back(self->make_response_promise(), std::move(msg));
        return;
      }
      refuse(self, "child " + st.child + " is restarting and " +
                       std::to_string(st.limit) + " messages already wait");
      return;
    case proxy_state::mode::stopped:
      refuse(self, st.why_stopped);
      return;
  }
}

caf::behavior child_proxy(proxy_actor* self, std::string child, size_t limit) {
  self->state.child = std::move(child);
  self->state.limit = limit;
  self->set_default_handler(
      [](caf::scheduled_actor* ptr, caf::message_view& x) -> caf::result<caf::message> {
        route(static_cast<proxy_actor*>(ptr), x.move_content_to_message());
        return caf::delegated<caf::message>{};
      });
  // Only its supervisor ends a stable handle (with exit_reason::kill, which
  // no handler sees): exit messages from anyone else are ignored.
  self->set_exit_handler([](caf::exit_msg&) {});
  // The incarnation's own down message is the earliest news of its end:
  // hold from then on, not only once the supervisor says so.
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.now == proxy_state::mode::forwarding && dm.source == st.current.address()) {
      st.now = proxy_state::mode::holding;
      st.current = nullptr;
    }
  });
  return {
    [self](px_set_atom, caf::actor incarnation) {
      auto& st = self->state;
      st.current = std::move(incarnation);
      st.now = proxy_state::mode::forwarding;
      self->monitor(st.current);
      auto held = std::move(st.pending);
      st.pending.clear();
      for (auto& [rp, msg] : held) rp.delegate(st.current, std::move(msg));
    },
    [self](px_hold_atom) {
      auto& st = self->state;
      if (st.now != proxy_state::mode::forwarding) return;
      st.now = proxy_state::mode::holding;
      st.current = nullptr;
    },
    [self](px_stop_atom, std::string& why) {
      auto& st = self->state;
      st.now = proxy_state::mode::stopped;
      st.current = nullptr;
      st.why_stopped = std::move(why);
      st.refuse_pending(st.why_stopped);
    },
  };
}

// -- the supervisor ---------------------------------------------------------

enum class child_status { not_started, running, restarting, exited, stopped };

const char* to_string(child_status x) {
  switch (x) {
    case child_status::not_started:
      return "not_started";
    case child_status::running:
      return "running";
    case child_status::restarting:
      return "restarting";
    case child_status::exited:
      return "exited";
    case child_status::stopped:
      return "stopped";
  }
  return "unknown";
}

/// "is restarting", ... for errors.
const char* phrase(child_status x) {
  switch (x) {
    case child_status::not_started:
      return "has not started yet";
    case child_status::running:
      return "is running";
    case child_status::restarting:
      return "is restarting";
    case child_status::exited:
      return "has exited and is not restarted";
    case child_status::stopped:
      return "was stopped";
  }
  return "is in an unknown state";
}

struct child_entry {
  child_spec spec;
  caf::actor proxy;
  caf::actor current;  // valid while running
  child_status status = child_status::not_started;
  uint32_t restarts = 0;
};

struct supervisor_state {
  supervisor_config cfg;
  std::vector<child_entry> children;  // in start order
  std::deque<caf::actor_clock::time_point> recent_restarts;  // within period
  bool shutting_down = false;
  caf::error reason;        // the supervisor's exit reason once shutting down
  size_t stopping = 0;      // while shutting down: the child being stopped

  // The orderly shutdown leaves nothing here. A supervisor killed (or ended
  // by an exception) cannot wait: kill what is left, last started first.
  ~supervisor_state() {
    for (auto i = children.rbegin(); i != children.rend(); ++i)
      if (i->current) caf::anon_send_exit(i->current, caf::exit_reason::kill);
    for (auto& c : children) caf::anon_send_exit(c.proxy, caf::exit_reason::kill);
  }

  static inline const char* name = "supervisor";
};

/// The supervisor itself (its handlers' `self`).
using supervisor_self = supervisor_impl::stateful_pointer<supervisor_state>;

void emit(supervisor_self self, const child_entry& c, const char* event,
          std::string reason = {}) {
  auto& obs = self->state.cfg.observer;
  if (obs)
    tell(self, obs, supervisor_event{self->state.cfg.name, c.spec.name, event,
                                     std::move(reason), c.restarts});
}

/// Runs the child's factory. An invalid handle or an exception is an error.
caf::expected<caf::actor> run_factory(supervisor_self self, child_entry& c) {
  caf::actor child;
  try {
    child = c.spec.start(self);
  } catch (const std::exception& e) {
    return make_supervisor_error(supervisor_errc::start_failed,
                                 "child " + c.spec.name + ": factory threw: " + e.what());
  } catch (...) {
    return make_supervisor_error(supervisor_errc::start_failed,
                                 "child " + c.spec.name + ": factory threw");
  }
  if (!child)
    return make_supervisor_error(supervisor_errc::start_failed,
                                 "child " + c.spec.name + ": factory gave no actor");
  return child;
}

/// Starts one incarnation; false (after a start_failed event) if none ran.
bool start(supervisor_self self, child_entry& c, caf::error& failure) {
  auto child = run_factory(self, c);
  if (!child) {
    failure = child.error();
    emit(self, c, "start_failed", describe(failure));
    return false;
  }
  c.current = std::move(*child);
  c.status = child_status::running;
  self->monitor(c.current);
  tell(self, c.proxy, px_set_atom::value, c.current);
  emit(self, c, c.restarts == 0 ? "started" : "restarted");
  return true;
}

void stop_next(supervisor_self self);

void begin_shutdown(supervisor_self self, caf::error reason) {
  auto& st = self->state;
  if (st.shutting_down) return;
  st.shutting_down = true;
  st.reason = std::move(reason);
  st.stopping = st.children.size();
  stop_next(self);
}

/// Stops the running child started last before the one just stopped, or
/// ends the supervisor when none is left.
void stop_next(supervisor_self self) {
  auto& st = self->state;
  while (st.stopping > 0) {
    auto& c = st.children[--st.stopping];
    if (!c.current) continue;
    if (c.spec.shutdown_timeout.count() <= 0) {
      self->send_exit(c.current, caf::exit_reason::kill);
    } else {
      self->send_exit(c.current, caf::exit_reason::user_shutdown);
      self->delayed_send(self, c.spec.shutdown_timeout, sup_kill_atom::value,
                         static_cast<uint64_t>(st.stopping), c.current.id());
    }
    return;  // the down message continues
  }
  for (auto& c : st.children)
    tell(self, c.proxy, px_stop_atom::value,
               "child " + c.spec.name + " is stopped: supervisor " + st.cfg.name +
                   " ended");
  self->quit(st.reason);
}

/// Counts a restart now; false if that is one too many within the period.
bool note_restart(supervisor_self self) {
  auto& st = self->state;
  auto now = self->clock().now();
  st.recent_restarts.push_back(now);
  while (!st.recent_restarts.empty() &&
         now - st.recent_restarts.front() >= st.cfg.period)
    st.recent_restarts.pop_front();
  return st.recent_restarts.size() <= st.cfg.max_restarts;
}

void restart(supervisor_self self, size_t i, const std::string& why) {
  auto& st = self->state;
  auto& c = st.children[i];
  if (!note_restart(self)) {
    auto err = make_supervisor_error(
        supervisor_errc::too_many_restarts,
        "supervisor " + st.cfg.name + " gave up on child " + c.spec.name + ": " +
            std::to_string(st.recent_restarts.size()) + " restarts within " +
            std::to_string(st.cfg.period.count()) + " ms (limit " +
            std::to_string(st.cfg.max_restarts) + "); it " +
            (why.empty() ? std::string{"exited normally"} : "failed: " + why));
    c.status = child_status::exited;
    emit(self, c, "gave_up", describe(err));
    begin_shutdown(self, std::move(err));
    return;
  }
  ++c.restarts;
  c.status = child_status::restarting;
  caf::error failure;
  if (!start(self, c, failure)) {
    // The stable handle holds messages meanwhile; the retry counts as
    // another restart, so this ends in a restart or a give-up.
    tell(self, c.proxy, px_hold_atom::value);
    self->delayed_send(self, st.cfg.retry_delay, sup_retry_atom::value,
                       static_cast<uint64_t>(i), describe(failure));
  }
}

void on_down(supervisor_self self, caf::down_msg& dm) {
  auto& st = self->state;
  size_t i = 0;
  while (i < st.children.size() &&
         !(st.children[i].current && st.children[i].current.address() == dm.source))
    ++i;
  if (i == st.children.size()) return;  // not a current incarnation
  auto& c = st.children[i];
  c.current = nullptr;
  auto why = describe(dm.reason);
  if (st.shutting_down) {
    if (i == st.stopping) {
      c.status = child_status::stopped;
      emit(self, c, "stopped", why);
      stop_next(self);
    } else {
      c.status = child_status::exited;  // ended by itself before its turn
      emit(self, c, "exited", why);
    }
    return;
  }
  emit(self, c, "exited", why);
  // As OTP's `shutdown`, a user_shutdown is a clean end for a transient child.
  bool abnormal = dm.reason && dm.reason != caf::exit_reason::user_shutdown;
  bool again = c.spec.restart == restart_type::permanent ||
               (c.spec.restart == restart_type::transient && abnormal);
  if (again) {
    restart(self, i, why);
    return;
  }
  c.status = child_status::exited;
  tell(self, c.proxy, px_stop_atom::value,
             "child " + c.spec.name + " exited (" +
                 (why.empty() ? std::string{"normally"} : why) + ") and, being " +
                 to_string(c.spec.restart) + ", is not restarted");
}

const child_entry* find(supervisor_self self, const std::string& name) {
  for (auto& c : self->state.children)
    if (c.spec.name == name) return &c;
  return nullptr;
}

caf::error unknown(supervisor_self self, const std::string& name) {
  return make_supervisor_error(supervisor_errc::unknown_child,
                               "supervisor " + self->state.cfg.name +
                                   " has no child named \"" + name + "\"");
}

supervisor_impl::behavior_type supervisor(supervisor_self self,
                                          supervisor_config cfg,
                         std::vector<child_spec> specs,
                         std::vector<caf::actor> proxies) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  for (size_t i = 0; i < specs.size(); ++i) {
    st.children.emplace_back();
    st.children.back().spec = std::move(specs[i]);
    st.children.back().proxy = std::move(proxies[i]);
  }
  // The application root: the system's registry holds it while it runs
  // (and drops it when it ends), not a handle of its own.
  self->system().registry().put(self->id(), caf::strong_actor_ptr{self->ctrl()});
  self->set_down_handler([self](caf::down_msg& dm) { on_down(self, dm); });
  self->set_exit_handler(
      [self](caf::exit_msg& em) { begin_shutdown(self, std::move(em.reason)); });
  // Children start in the first handler (before anything else in the
  // mailbox), where the supervisor can end properly if one fails.
  self->send<caf::message_priority::high>(self, sup_start_atom::value);
  return {
    [self](sup_start_atom) {
      auto& st = self->state;
      if (st.shutting_down) return;  // an exit message came first
      for (auto& c : st.children) {
        caf::error failure;
        if (!start(self, c, failure)) {
          c.status = child_status::exited;
          begin_shutdown(self, std::move(failure));
          return;
        }
      }
    },
    [self](sup_retry_atom, uint64_t i, const std::string& why) {
      auto& st = self->state;
      if (st.shutting_down || i >= st.children.size() ||
          st.children[i].status != child_status::restarting)
        return;
      restart(self, i, why);
    },
    [self](sup_kill_atom, uint64_t i, caf::actor_id id) {
      auto& st = self->state;
      if (st.shutting_down && i == st.stopping && st.children[i].current &&
          st.children[i].current.id() == id)
        self->send_exit(st.children[i].current, caf::exit_reason::kill);
    },
    [self](const supervisor_which& q) -> caf::result<caf::actor> {
      auto c = find(self, q.name);
      if (c == nullptr) return unknown(self, q.name);
      if (!c->current)
        return make_supervisor_error(supervisor_errc::child_unavailable,
                                     "child " + q.name + " " + phrase(c->status));
      return c->current;
    },
    [self](const supervisor_stable_handle& q) -> caf::result<caf::actor> {
      auto c = find(self, q.name);
      if (c == nullptr) return unknown(self, q.name);
      return c->proxy;
    },
    [self](supervisor_get_stats) -> supervisor_stats {
      auto& st = self->state;
      supervisor_stats out{st.cfg.name, {}};
      for (auto& c : st.children)
        out.children.push_back(supervisor_child_stats{
            c.spec.name, to_string(c.spec.restart), to_string(c.status), c.restarts});
      return out;
    },
  };
}

caf::error invalid(std::string why) {
  return make_supervisor_error(supervisor_errc::invalid_spec, std::move(why));
}

}  // namespace

caf::expected<supervisor_handles> spawn_supervisor(
    caf::actor_system& sys, supervisor_config cfg,
    std::vector<child_spec> children) {
  if (children.empty()) return invalid("supervisor " + cfg.name + " has no children");
  if (cfg.period.count() <= 0)
    return invalid("supervisor " + cfg.name + ": the restart period must be positive");
  std::set<std::string> names;
  for (auto& c : children) {
    if (c.name.empty())
      return invalid("supervisor " + cfg.name + ": a child has an empty name");
    if (!names.insert(c.name).second)
      return invalid("supervisor " + cfg.name + ": two children are named \"" +
                     c.name + "\"");
    if (!c.start)
      return invalid("supervisor " + cfg.name + ": child " + c.name +
                     " has no factory");
  }
  supervisor_handles out;
  std::vector<caf::actor> proxies;
  for (auto& c : children) {
    proxies.push_back(sys.spawn(child_proxy, c.name, cfg.pending_limit));
    out.children.emplace(c.name, proxies.back());
  }
  out.supervisor = sys.spawn(supervisor, std::move(cfg), std::move(children),
                             std::move(proxies));
  return out;
}

}  // namespace netactors
