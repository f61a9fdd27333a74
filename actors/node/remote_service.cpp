#include "actors/node/remote_service.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/openssl/manager.hpp>

#include <uv.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "actors/messages/interface_messages.hpp"
#include "actors/messages/node_messages.hpp"
#include "actors/node/node_config.hpp"

namespace netactors {

namespace {

// A reply type no node sends: every reply reaches the error handler as
// sec::unexpected_response carrying the reply, whatever its type.
struct any_reply {};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, any_reply&) {
  return f(caf::meta::type_name("any_reply"));
}

struct remote_service_state {
  struct request {
    caf::response_promise promise;
    caf::actor_addr sender;
    bool subscribes = false;
    caf::message content;  // kept only until forwarded
  };

  remote_service_config cfg;
  caf::actor remote;  // the service while connected
  bool connecting = false;
  uint64_t next_id = 0;
  std::map<uint64_t, request> pending;  // waiting or forwarded
  std::vector<uint64_t> waiting;        // ids not forwarded yet (connecting)
  std::vector<caf::actor_addr> subscribers;

  static const char* name;
};

const char* remote_service_state::name = "remote_service";

using remote_service_actor = caf::stateful_actor<remote_service_state>;

std::string node_text(const remote_service_config& cfg) {
  return "node " + node_address_text(cfg.host, cfg.port) + ", service \"" +
         cfg.service + "\"";
}

bool is_subscriber(remote_service_actor* self, const caf::actor_addr& a) {
  auto& subs = self->state.subscribers;
  return std::find(subs.begin(), subs.end(), a) != subs.end();
}

// The service must keep the stand-in as its subscriber: a local subscriber
// is left, or a subscription is on its way (an unsubscribe sent now would
// reach the service after it and end it).
bool service_still_needed(remote_service_actor* self) {
  auto& st = self->state;
  if (!st.subscribers.empty()) return true;
  return std::any_of(st.pending.begin(), st.pending.end(),
                     [](const auto& kv) { return kv.second.subscribes; });
}

void answer(remote_service_actor* self, uint64_t id, caf::message reply) {
  auto i = self->state.pending.find(id);
  if (i == self->state.pending.end()) return;  // failed already
  auto req = std::move(i->second);
  self->state.pending.erase(i);
  if (req.subscribes && req.sender && !is_subscriber(self, req.sender)) {
    self->state.subscribers.push_back(req.sender);
    self->monitor(req.sender);
  }
  req.promise.deliver(std::move(reply));
}

void fail(remote_service_actor* self, uint64_t id, const caf::error& err) {
  auto i = self->state.pending.find(id);
  if (i == self->state.pending.end()) return;
  auto req = std::move(i->second);
  self->state.pending.erase(i);
  req.promise.deliver(err);
}

void forward(remote_service_actor* self, uint64_t id) {
  auto& req = self->state.pending.at(id);
  auto content = std::move(req.content);
  self->request(self->state.remote, self->state.cfg.request_timeout,
                std::move(content))
      .then([](any_reply&) {},
            [self, id](caf::error& err) {
              if (err == caf::sec::unexpected_response)
                answer(self, id, err.context());
              else
                fail(self, id, err);
            });
}

// The node went away (or its service ended): every request in flight fails
// now, every subscriber is told; the next request connects again.
void lose_node(remote_service_actor* self, const caf::error& reason) {
  auto& st = self->state;
  bool unreachable = reason == caf::exit_reason::remote_link_unreachable;
  auto why = net_error::of(unreachable ? UV_EHOSTDOWN : UV_ECANCELED,
                           node_text(st.cfg) + ": " +
                               self->system().render(reason));
  st.remote = nullptr;
  auto err = make_caf_error(why);
  std::vector<uint64_t> ids;
  for (auto& kv : st.pending) ids.push_back(kv.first);
  for (auto id : ids) fail(self, id, err);
  for (auto& sub : st.subscribers) {
    self->demonitor(sub);
    if (st.cfg.subscription_ended)
      if (auto hdl = caf::actor_cast<caf::actor>(sub))
        self->send(hdl, st.cfg.subscription_ended(why));
  }
  st.subscribers.clear();
}

void connect_failed(remote_service_actor* self, const caf::error& err,
                    const char* doing) {
  auto& st = self->state;
  st.connecting = false;
  // The node's own answer (no such service) says it best.
  std::string hint;
  if (err == caf::sec::disconnect_during_handshake)
    hint = st.cfg.tls ? "; the TLS handshake failed: each side's certificate "
                        "must be signed by the CA the other side trusts "
                        "(--tls-ca)"
                      : "; the BASP handshake failed: is the node published "
                        "with TLS?";
  auto out = err.category() == uv_atom::value
                 ? err
                 : make_caf_error(net_error::of(
                       UV_EHOSTUNREACH,
                       node_text(st.cfg) + ", " + doing +
                           (st.cfg.tls ? " over TLS: " : ": ") +
                           self->system().render(err) + hint));
  auto ids = std::move(st.waiting);
  st.waiting.clear();
  for (auto id : ids) fail(self, id, out);
}

void connected(remote_service_actor* self, caf::actor service) {
  auto& st = self->state;
  st.connecting = false;
  st.remote = std::move(service);
  self->monitor(st.remote);
  auto ids = std::move(st.waiting);
  st.waiting.clear();
  for (auto id : ids) forward(self, id);
}

void connect(remote_service_actor* self) {
  auto& st = self->state;
  if (st.connecting) return;
  st.connecting = true;
  auto& sys = self->system();
  auto mm = st.cfg.tls ? sys.openssl_manager().actor_handle()
                       : sys.middleman().actor_handle();
  self->request(mm, st.cfg.connect_timeout, caf::connect_atom::value,
                st.cfg.host, st.cfg.port)
      .then(
          [self](const caf::node_id&, caf::strong_actor_ptr& directory,
                 const std::set<std::string>&) {
            if (!directory) {
              connect_failed(self, caf::sec::no_actor_published_at_port,
                             "connect");
              return;
            }
            auto dir = caf::actor_cast<caf::actor>(std::move(directory));
            auto& st = self->state;
            self->request(dir, st.cfg.connect_timeout,
                          node_service_request{st.cfg.service})
                .then(
                    [self](caf::actor& service) {
                      if (service)
                        connected(self, std::move(service));
                      else
                        connect_failed(self, caf::sec::invalid_argument,
                                       "ask its directory");
                    },
                    [self](caf::error& err) {
                      connect_failed(self, err, "ask its directory");
                    });
          },
          [self](caf::error& err) { connect_failed(self, err, "connect"); });
}

caf::result<caf::message> on_message(remote_service_actor* self,
                                     caf::message_view& view) {
  auto& st = self->state;
  auto sender = self->current_sender();
  auto msg = view.move_content_to_message();
  // From the service: an event for the local subscribers.
  if (st.remote && sender == caf::actor_cast<caf::strong_actor_ptr>(st.remote)) {
    for (auto& sub : st.subscribers)
      if (auto hdl = caf::actor_cast<caf::actor>(sub)) self->send(hdl, msg);
    return caf::message{};
  }
  bool is_request = self->current_mailbox_element()->mid.is_request();
  if (!is_request) {
    if (st.remote) self->send(st.remote, std::move(msg));
    return caf::message{};
  }
  auto sender_addr = caf::actor_cast<caf::actor_addr>(sender);
  if (st.cfg.unsubscribes && st.cfg.unsubscribes(msg) &&
      is_subscriber(self, sender_addr)) {
    auto& subs = st.subscribers;
    subs.erase(std::find(subs.begin(), subs.end(), sender_addr));
    self->demonitor(sender_addr);
    // Others still listen through this stand-in: the service must not
    // forget it; the unsubscribe is answered here.
    if (service_still_needed(self)) return caf::message{};
  }
  if (st.pending.size() >= st.cfg.max_pending)
    return make_caf_error(net_error::of(
        UV_EBUSY, node_text(st.cfg) + ": " +
                      std::to_string(st.cfg.max_pending) +
                      " requests pending"));
  auto id = st.next_id++;
  remote_service_state::request req;
  req.promise = self->make_response_promise();
  req.sender = sender_addr;
  req.subscribes = st.cfg.subscribes && st.cfg.subscribes(msg);
  req.content = std::move(msg);
  st.pending.emplace(id, std::move(req));
  if (st.remote) {
    forward(self, id);
  } else {
    st.waiting.push_back(id);
    connect(self);
  }
  return caf::delegated<caf::message>{};
}

caf::behavior remote_service(remote_service_actor* self,
                             remote_service_config cfg) {
  self->state.cfg = std::move(cfg);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.remote && dm.source == st.remote.address()) {
      lose_node(self, dm.reason);
      return;
    }
    auto& subs = st.subscribers;
    auto gone = std::remove(subs.begin(), subs.end(), dm.source);
    if (gone == subs.end()) return;
    subs.erase(gone, subs.end());
    // The last one: the service would go on sending to nobody.
    if (!service_still_needed(self) && st.remote && st.cfg.unsubscribe_message)
      self->send(st.remote, st.cfg.unsubscribe_message());
  });
  self->set_default_handler(
      [self](caf::scheduled_actor*, caf::message_view& view) {
        return on_message(self, view);
      });
  // Everything arrives through the default handler.
  return {[](any_reply&) {}};
}

}  // namespace

remote_service_config for_interfaces(remote_service_config cfg) {
  cfg.subscribes = [](const caf::message& m) {
    return m.match_elements<interfaces_subscribe>();
  };
  cfg.unsubscribes = [](const caf::message& m) {
    return m.match_elements<interfaces_unsubscribe>();
  };
  cfg.unsubscribe_message = [] {
    return caf::make_message(interfaces_unsubscribe{});
  };
  cfg.subscription_ended = [](const net_error& why) {
    return caf::make_message(interfaces_watch_failed{why, true});
  };
  return cfg;
}

caf::actor spawn_remote_service(caf::actor_system& sys,
                                remote_service_config cfg) {
  return sys.spawn(remote_service, std::move(cfg));
}

}  // namespace netactors
