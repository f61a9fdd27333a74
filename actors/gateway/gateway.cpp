#include "actors/gateway/gateway.hpp"

#include <caf/all.hpp>

#include <uv.h>

#include <chrono>
#include <optional>
#include <utility>

#include "actors/dhcp/uv_dhcp_io.hpp"
#include "actors/dns/dns_connect.hpp"
#include "actors/dns/uv_connect_io.hpp"
#include "actors/gateway/gateway_methods.hpp"
#include "actors/messages/net_error.hpp"

namespace netactors::gateway {

using nlohmann::json;

namespace {

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// How long a stopping gateway waits for its answers to be flushed before it
// closes the connection anyway (a client that does not read).
constexpr std::chrono::milliseconds flush_limit{500};

// -- writing
// -------------------------------------------------------------------

void log(gateway_actor* self, json event) {
  if (!self->state.cfg.log) return;
  event["connection"] = self->state.connection_id;
  self->send(self->state.cfg.log, dump(event));
}

void write_line(gateway_actor* self, const std::string& line) {
  auto& st = self->state;
  if (!st.connection || line.empty()) return;
  auto data = net::byte_buffer::copy_of(line + "\n");
  st.cfg.counters->bytes_out += data.size();
  self->send(st.connection, tcp_write{std::move(data)});
}

// One answer of a single call, or one of a batch's: the batch goes out as
// one array once its last answer is in. "" is a notification's (no answer).
void deliver(gateway_actor* self, const std::shared_ptr<batch>& b,
             std::string line) {
  if (!b) {
    write_line(self, line);
    return;
  }
  if (!line.empty()) b->responses.push_back(std::move(line));
  if (--b->outstanding == 0)
    write_line(self, jsonrpc::batch_response(b->responses));
}

std::string failure(gateway_actor* self, const json& id, const caf::error& e) {
  self->state.cfg.counters->count_error(error_name(e));
  return jsonrpc::failure_response(id, e);
}

std::string failure(gateway_actor* self, const json& id, int code,
                    const std::string& context) {
  return failure(self, id, make_caf_error(net_error::of(code, context)));
}

std::string stream_error_event(const json& id, const caf::error& e) {
  return dump(json{{"jsonrpc", "2.0"},
                   {"method", "event"},
                   {"params",
                    {{"request", id},
                     {"type", "error"},
                     {"data", jsonrpc::error_from(e)}}}});
}

void write_event(gateway_actor* self, const json& id, caf::message event) {
  auto line = jsonrpc::event_notification(id, event);
  if (line)
    write_line(self, *line);
  else
    write_line(self, stream_error_event(id, line.error()));
}

// -- requests in flight
// --------------------------------------------------------

bool subscribed(gateway_actor* self) {
  for (auto& [serial, p] : self->state.requests)
    if (p.subscription) return true;
  return false;
}

// Puts call `c` in flight and returns its serial; at the bound on requests
// in flight it answers EAGAIN instead.
std::optional<uint64_t> put_in_flight(gateway_actor* self, jsonrpc::call& c,
                                      const std::shared_ptr<batch>& b) {
  auto& st = self->state;
  if (st.requests.size() >= st.cfg.max_in_flight) {
    deliver(self, b,
            c.notification() ? std::string{}
                             : failure(self, c.id ? *c.id : json{}, UV_EAGAIN,
                                       "too many requests in flight"));
    return std::nullopt;
  }
  auto serial = st.next_serial++;
  auto& p = st.requests[serial];
  p.id = c.id ? *c.id : json{};
  p.notification = c.notification();
  p.in_batch = b;
  ++st.cfg.counters->in_flight;
  return serial;
}

// Takes request `serial` out of flight; nullopt if it ended already
// (cancelled, or answered by another path).
std::optional<gateway_state::pending> take_request(gateway_actor* self,
                                                   uint64_t serial) {
  auto& st = self->state;
  auto it = st.requests.find(serial);
  if (it == st.requests.end()) return std::nullopt;
  auto p = std::move(it->second);
  st.requests.erase(it);
  --st.cfg.counters->in_flight;
  return p;
}

// A client that half-closed is half-closed back once nothing is in flight.
void shutdown_if_drained(gateway_actor* self) {
  auto& st = self->state;
  if (st.read_closed && st.requests.empty() && !st.closing)
    self->send(st.connection, tcp_shutdown{});
}

// Answers request `serial` (nothing for a notification) and takes it out
// of flight; `line` makes the answer from the request's id.
template <class F>
void complete(gateway_actor* self, uint64_t serial, F line) {
  auto p = take_request(self, serial);
  if (!p) return;  // cancelled
  deliver(self, p->in_batch, p->notification ? std::string{} : line(p->id));
  shutdown_if_drained(self);
}

// -- relayed connections (dns_connect_to) ---------------------------------------

void release_held(gateway_state::pending& p) {
  for (auto& rp : p.held) rp.deliver(caf::unit);
  p.held.clear();
}

// Closes a relay whose request has ended: its last event is nobody's now.
void drop_relay(gateway_actor* self, const caf::actor& relay) {
  self->state.closing_relays.insert(relay.address());
  self->send(relay, tcp_close{});
}

// The request whose relayed connection sent the current message.
std::map<uint64_t, gateway_state::pending>::iterator
relay_of_sender(gateway_actor* self) {
  auto& rq = self->state.requests;
  auto sender = self->current_sender();
  for (auto it = rq.begin(); it != rq.end(); ++it)
    if (it->second.relay && it->second.relay.address() == sender) return it;
  return rq.end();
}

bool from_client(gateway_actor* self) {
  return self->state.connection &&
         self->current_sender() == self->state.connection.address();
}

// Ends a relay's request after its connection ended: the last event is
// its tcp_connection_closed.
void relay_closed(gateway_actor* self, uint64_t serial,
                  tcp_connection_closed ev) {
  auto p = take_request(self, serial);
  if (!p) return;
  auto& counters = *self->state.cfg.counters;
  --counters.relays_open;
  release_held(*p);
  if (ev.reason.code != 0) counters.count_error(ev.reason.name);
  write_event(self, p->id, caf::make_message(std::move(ev)));
  shutdown_if_drained(self);
}

// The client's queue rose above its high water (pause every relay) or
// drained (resume them, and give back the read windows held meanwhile).
void set_congested(gateway_actor* self, bool congested) {
  auto& st = self->state;
  if (st.client_congested == congested) return;
  st.client_congested = congested;
  for (auto& [serial, p] : st.requests) {
    if (!p.relay) continue;
    self->send(p.relay, tcp_set_reading{!congested});
    if (!congested) release_held(p);
  }
}

// Connects for a dns_connect_to: a dns_connect actor on the gateway's loop
// (it ends with the gateway) hands the winner over; the gateway owns it.
void start_relay(gateway_actor* self, uint64_t serial, caf::message request) {
  auto& st = self->state;
  auto& ctx = *st.cfg.loop;
  auto connector = ctx.spawn(
      dns_connect, std::make_shared<uv_connect_io>(ctx), st.cfg.resolver,
      caf::actor{}, relay_options(), caf::actor_cast<caf::actor>(self));
  // The request is a caf::message decoded from JSON: an untyped send.
  st.requests[serial].connector = caf::actor_cast<caf::actor>(connector);
  self->request(st.requests[serial].connector, caf::infinite, std::move(request))
      .then(
          [self, serial](tcp_connection_actor& typed_conn,
                         dns_connect_report& report) {
            auto& st = self->state;
            auto conn = caf::actor_cast<caf::actor>(typed_conn);
            auto addr = conn.address();
            auto early = st.closed_early.find(addr);
            std::optional<net_error> ended;
            if (early != st.closed_early.end()) {
              ended = early->second;
              st.closed_early.erase(early);
            }
            auto it = st.requests.find(serial);
            if (it == st.requests.end() || st.closing) {  // cancelled
              if (!ended) drop_relay(self, conn);
              return;
            }
            auto& p = it->second;
            p.connector = nullptr;
            p.relay = conn;
            p.answered = true;
            auto b = std::move(p.in_batch);
            auto id = p.id;
            auto connection_id = report.connection_id;
            ++st.cfg.counters->relays_opened;
            ++st.cfg.counters->relays_open;
            deliver(self, b,
                    jsonrpc::result_response(
                        id, caf::make_message(std::move(report))));
            if (ended)
              relay_closed(self, serial,
                           tcp_connection_closed{connection_id,
                                                 std::move(*ended)});
            else if (!st.client_congested)
              self->send(conn, tcp_set_reading{true});
          },
          [self, serial](caf::error& err) {
            complete(self, serial,
                     [&](const json& id) { return failure(self, id, err); });
          });
}

// The dns_connect_to request with this id (its JSON text), or 0.
uint64_t relay_request_of(gateway_actor* self, const std::string& key) {
  for (auto& [serial, p] : self->state.requests)
    if (p.relay_request && dump(p.id) == key) return serial;
  return 0;
}

// Takes a request out of flight. `answer` is its final answer when it still
// owes one (a notification owes none; a subscription owes a last event).
void end_request(gateway_actor* self, uint64_t serial, const caf::error& why) {
  auto& st = self->state;
  auto taken = take_request(self, serial);
  if (!taken) return;
  auto& p = *taken;
  if (p.discovery)
    self->send_exit(p.discovery.address(), caf::exit_reason::user_shutdown);
  if (p.connector)
    self->send_exit(p.connector, caf::exit_reason::user_shutdown);
  if (p.relay) {
    release_held(p);
    drop_relay(self, p.relay);
    --st.cfg.counters->relays_open;
  }
  if (p.subscription || p.relay) {
    st.cfg.counters->count_error(error_name(why));
    write_line(self, stream_error_event(p.id, why));
    if (p.subscription && !subscribed(self) && st.cfg.interfaces &&
        !st.closing)
      self->send(st.cfg.interfaces, interfaces_unsubscribe{});
    return;
  }
  if (!p.answered)
    deliver(self, p.in_batch,
            p.notification ? std::string{} : failure(self, p.id, why));
}

// Sends `msg` to `target` and answers the call with its reply R.
template <class R>
void ask(gateway_actor* self, const caf::actor& target, caf::message msg,
         uint64_t serial, bool subscription) {
  self->request(target, caf::infinite, std::move(msg))
      .then(
          [self, serial, subscription](R& reply) {
            auto& st = self->state;
            auto it = st.requests.find(serial);
            if (it == st.requests.end()) {  // cancelled before the reply
              if (subscription && !subscribed(self) && !st.closing)
                self->send(st.cfg.interfaces, interfaces_unsubscribe{});
              return;
            }
            auto& p = it->second;
            auto id = p.id;
            auto b = p.in_batch;
            auto notification = p.notification;
            if (subscription) {
              p.answered = true;
              p.subscription = true;
              p.in_batch.reset();
            } else {
              take_request(self, serial);
            }
            deliver(self, b,
                    notification
                        ? std::string{}
                        : jsonrpc::result_response(
                              id, caf::make_message(std::move(reply))));
            if (!subscription) shutdown_if_drained(self);
          },
          [self, serial](caf::error& err) {
            complete(self, serial,
                     [&](const json& id) { return failure(self, id, err); });
          });
}

// Every loop of the runtime: its own counters and its actors'.
json loops_json(runtime& rt) {
  json out = json::array();
  for (size_t i = 0; i < rt.loop_count(); ++i) {
    auto& ctx = rt.loop_at(i);
    auto l = ctx.loop().counters();
    auto a = ctx.counters();
    out.push_back(json{{"loop", i},
                       {"name", ctx.loop().name()},
                       {"tasks_run", l.tasks_run},
                       {"remote_tasks", l.remote_tasks},
                       {"handles_open", l.handles_open},
                       {"handles_opened", l.handles_opened},
                       {"actors_spawned", a.actors_spawned},
                       {"actors_alive", a.actors_alive},
                       {"messages", a.messages},
                       {"actor_turns", a.actor_turns}});
  }
  return out;
}

template <class T>
struct tag {
  using type = T;
};

// stats: the gateways' counters at once, the services' (the resolver's
// dns_stats, the supervisor's restarts per child, the node's peers) as they
// answer; a service that cannot answer is {"error": its error object}.
void gather_stats(gateway_actor* self, uint64_t serial, json counters) {
  struct gathering {
    json data = json::object();
    int outstanding = 1;  // + each ask below
  };
  auto g = std::make_shared<gathering>();
  g->data["gateway"] = std::move(counters);
  if (auto* rt = self->state.cfg.rt) g->data["loops"] = loops_json(*rt);
  auto finish = [self, serial, g] {
    if (--g->outstanding > 0) return;
    complete(self, serial, [&](const json& id) {
      return dump(json{{"jsonrpc", "2.0"},
                       {"id", id},
                       {"result",
                        {{"type", "netnode_stats"}, {"data", g->data}}}});
    });
  };
  auto ask_one = [&](const auto& whom, const char* key, auto request,
                     auto reply_type) {
    if (!whom) return;
    ++g->outstanding;
    using reply = typename decltype(reply_type)::type;
    self->request(whom, std::chrono::seconds{5}, request)
        .then(
            [g, key, finish](reply& r) {
              g->data[key].update(json(r));
              finish();
            },
            [g, key, finish](caf::error& e) {
              g->data[key].update(json{{"error", jsonrpc::error_from(e)}});
              finish();
            });
  };
  if (self->state.cfg.peers)
    g->data["node"] = json{{"published", self->state.cfg.published}};
  ask_one(self->state.cfg.resolver, "resolver", dns_get_stats{},
          tag<dns_stats>{});
  ask_one(self->state.cfg.supervisor, "supervisor", supervisor_get_stats{},
          tag<supervisor_stats>{});
  ask_one(self->state.cfg.peers, "node", node_get_peers{}, tag<node_peers>{});
  finish();
}

// tcp_write, tcp_shutdown, tcp_close {"request":ID,...}: to the connection
// the dns_connect_to ID opened. A write is a tcp_try_write: over the
// connection's write budget it is refused (ENOBUFS) and the connection
// lives; its result is tcp_write_done once the kernel has the bytes.
void perform_relayed(gateway_actor* self, jsonrpc::call& c,
                     const std::shared_ptr<batch>& b) {
  auto& st = self->state;
  json id = c.id ? *c.id : json{};
  auto answer = [&](std::string line) {
    deliver(self, b, c.notification() ? std::string{} : std::move(line));
  };
  auto relay_serial = relay_request_of(self, c.message.get_as<std::string>(0));
  if (relay_serial == 0) {
    answer(failure(self, id, UV_ENOENT,
                   c.method + ": no dns_connect_to in flight with this id"));
    return;
  }
  auto relay = st.requests[relay_serial].relay;
  if (!relay) {
    answer(failure(self, id, UV_ENOTCONN,
                   c.method + ": the dns_connect_to has not connected yet"));
    return;
  }
  if (c.method == "tcp_close") {
    // The connection's tcp_connection_closed, its last event, follows.
    self->send(relay, tcp_close{});
    answer(R"({"jsonrpc":"2.0","id":)" + dump(id) + R"(,"result":null})");
    return;
  }
  auto admitted = put_in_flight(self, c, b);
  if (!admitted) return;
  auto serial = *admitted;
  auto failed = [self, serial](caf::error& err) {
    complete(self, serial,
             [&](const json& id) { return failure(self, id, err); });
  };
  if (c.method == "tcp_write") {
    auto data = std::move(c.message.get_mutable_as<tcp_write>(1).data);
    self->request(relay, caf::infinite, tcp_try_write{std::move(data)})
        .then(
            [self, serial](tcp_write_done& done) {
              self->state.cfg.counters->relayed_bytes_out += done.bytes;
              complete(self, serial, [&](const json& id) {
                return jsonrpc::result_response(id, caf::make_message(done));
              });
            },
            failed);
  } else {
    self->request(relay, caf::infinite, tcp_shutdown{})
        .then(
            [self, serial] {
              complete(self, serial, [](const json& id) {
                return R"({"jsonrpc":"2.0","id":)" + dump(id) +
                       R"(,"result":null})";
              });
            },
            failed);
  }
}

void perform(gateway_actor* self, jsonrpc::call& c,
             const std::shared_ptr<batch>& b) {
  auto& st = self->state;
  ++st.cfg.counters->requests;
  json id = c.id ? *c.id : json{};
  auto answer = [&](std::string line) {
    deliver(self, b, c.notification() ? std::string{} : std::move(line));
  };
  if (c.method == "stats") {
    // The counters as they were before this request (it is not counted
    // among the requests in flight it reports).
    auto counters = st.cfg.counters->to_json();
    if (auto serial = put_in_flight(self, c, b))
      gather_stats(self, *serial, std::move(counters));
    return;
  }
  if (c.method == "cancel") {
    auto key = c.message.get_as<std::string>(0);
    std::vector<uint64_t> found;
    for (auto& [serial, p] : st.requests)
      if (!p.notification && dump(p.id) == key) found.push_back(serial);
    if (found.empty()) {
      answer(failure(self, id, UV_ENOENT,
                     "cancel: no request in flight with this id"));
      return;
    }
    auto why =
        make_caf_error(net_error::of(UV_ECANCELED, "cancelled by request"));
    for (auto serial : found) end_request(self, serial, why);
    answer(R"({"jsonrpc":"2.0","id":)" + dump(id) + R"(,"result":null})");
    return;
  }
  if (c.method == "tcp_write" || c.method == "tcp_shutdown" ||
      c.method == "tcp_close") {
    perform_relayed(self, c, b);
    return;
  }
  if (c.method == "dns_connect_to" && c.notification()) {
    // Never performed: without an id nobody could use or close it.
    st.cfg.counters->count_error("-32600");
    answer({});
    return;
  }
  // The call's message is decoded from JSON at run time (a caf::message), so
  // it goes through an untyped handle: the method name picks the service
  // whose protocol has that message.
  caf::actor target;
  bool subscription = false;
  if (c.method == "dns_lookup" || c.method == "dns_reverse_lookup") {
    target = caf::actor_cast<caf::actor>(st.cfg.resolver);
  } else if (c.method == "interfaces_query") {
    target = caf::actor_cast<caf::actor>(st.cfg.interfaces);
  } else if (c.method == "interfaces_subscribe") {
    target = caf::actor_cast<caf::actor>(st.cfg.interfaces);
    subscription = true;
  } else if ((c.method == "dhcp_discover" ||
              (c.method == "dns_connect_to" && st.cfg.resolver)) &&
             st.cfg.loop) {
    target = caf::actor_cast<caf::actor>(self);  // the gateway runs it
  }
  if (!target) {
    st.cfg.counters->count_error("-32601");
    answer(jsonrpc::error_response(
        id, jsonrpc::method_not_found, "Method not found",
        json{{"method", c.method}, {"reason", "no netnode service takes it"}}));
    return;
  }
  auto admitted = put_in_flight(self, c, b);
  if (!admitted) return;
  auto serial = *admitted;
  if (c.method == "dhcp_discover") {
    dhcp_discovery_config dc;
    dc.interface = c.message.get_as<std::string>(0);
    dc.timeout = std::chrono::milliseconds{c.message.get_as<uint32_t>(1)};
    dc.request = c.message.get_as<bool>(2);
    st.requests[serial].discovery =
        spawn_dhcp_discovery(*st.cfg.loop, target, dc);
  } else if (c.method == "dns_connect_to") {
    st.requests[serial].relay_request = true;
    start_relay(self, serial, std::move(c.message));
  } else if (c.method == "dns_lookup")
    ask<dns_addresses>(self, target, std::move(c.message), serial, false);
  else if (c.method == "dns_reverse_lookup")
    ask<dns_name>(self, target, std::move(c.message), serial, false);
  else
    ask<interface_report>(self, target, std::move(c.message), serial,
                          subscription);
}

void handle_line(gateway_actor* self, const std::string& line) {
  auto& st = self->state;
  auto parsed = jsonrpc::parse_line(line, st.methods);
  if (parsed.calls.empty()) {
    if (!parsed.response.empty()) {
      st.cfg.counters->count_error("-32700/-32600");
      write_line(self, parsed.response);
    }
    return;
  }
  std::shared_ptr<batch> b;
  if (parsed.batch) {
    b = std::make_shared<batch>();
    b->outstanding = parsed.calls.size() + 1;  // + the guard below
  }
  for (auto& c : parsed.calls) {
    if (c.ok()) {
      perform(self, c, b);
    } else {
      st.cfg.counters->count_error(std::to_string(c.error_code));
      deliver(self, b, c.response);
    }
  }
  if (b) deliver(self, b, {});  // the guard: all calls dispatched
}

// Stop: every request in flight gets its final answer (ECANCELED), the
// answers are flushed (bounded by flush_limit), then the gateway ends and
// its connection closes with it.
void stop(gateway_actor* self, caf::error reason) {
  auto& st = self->state;
  if (st.closing) return;
  st.closing = true;
  auto why = make_caf_error(net_error::of(UV_ECANCELED, "netnode is stopping"));
  while (!st.requests.empty())
    end_request(self, st.requests.begin()->first, why);
  log(self, {{"event", "gateway_stopping"}});
  if (!st.connection) {
    self->quit(reason);
    return;
  }
  self->request(st.connection, flush_limit, tcp_shutdown{})
      .then([self, reason] { self->quit(reason); },
            [self, reason](caf::error&) { self->quit(reason); });
}

}  // namespace

void gateway_counters::count_error(const std::string& name) {
  std::lock_guard<std::mutex> guard{mutex_};
  ++errors_[name];
}

json gateway_counters::to_json() const {
  json errors = json::object();
  {
    std::lock_guard<std::mutex> guard{mutex_};
    for (auto& [name, n] : errors_) errors[name] = n;
  }
  return json{{"connections_open", connections_open.load()},
              {"connections_accepted", connections_accepted.load()},
              {"bytes_in", bytes_in.load()},
              {"bytes_out", bytes_out.load()},
              {"requests", requests.load()},
              {"requests_in_flight", in_flight.load()},
              {"relays_open", relays_open.load()},
              {"relays_opened", relays_opened.load()},
              {"relayed_bytes_in", relayed_bytes_in.load()},
              {"relayed_bytes_out", relayed_bytes_out.load()},
              {"errors", errors}};
}

tcp_connection_options connection_options() {
  tcp_connection_options opts;
  opts.high_water = 1024 * 1024;
  opts.low_water = 256 * 1024;
  // The reply queue's bound: a client that never reads is cut off here.
  // Above high water every relay pauses and holds at most its read window
  // + one read (64 + 64 KiB, 4/3 of it as base64 events): with 64 relays
  // (max_in_flight) that is < 11 MiB, so a client that reads, however
  // slowly, is never cut off for its relays' sake.
  opts.write_queue_limit = 16 * 1024 * 1024;
  opts.allow_half_open = true;
  return opts;
}

tcp_connection_options relay_options() {
  tcp_connection_options opts;
  opts.start_reading = false;
  opts.read_window = 64 * 1024;
  opts.high_water = 512 * 1024;
  opts.low_water = 128 * 1024;
  opts.write_queue_limit = 2 * 1024 * 1024;
  opts.allow_half_open = false;
  return opts;
}

gateway_state::~gateway_state() {
  // A client gone: its discoveries end with it (their sockets close).
  for (auto& [serial, p] : requests)
    if (p.discovery)
      caf::anon_send_exit(p.discovery.address(),
                          caf::exit_reason::user_shutdown);
  if (!cfg.counters) return;
  cfg.counters->in_flight -= requests.size();
  // Relays end with their owner, dns_connect actors with their spawner.
  for (auto& [serial, p] : requests)
    if (p.relay) --cfg.counters->relays_open;
  if (counted) --cfg.counters->connections_open;
}

const char* gateway_state::name = "gateway";

caf::behavior gateway(gateway_actor* self, gateway_config cfg) {
  if (!cfg.counters) cfg.counters = std::make_shared<gateway_counters>();
  self->state.cfg = std::move(cfg);
  self->state.methods = gateway_methods();
  self->set_exit_handler(
      [self](caf::exit_msg& msg) { stop(self, std::move(msg.reason)); });
  if (self->state.cfg.stop) self->link_to(self->state.cfg.stop);
  return {
      [self](tcp_connection_opened& ev) {
        auto& st = self->state;
        // A relay's (dns_connect_to's result says it all).
        if (st.connection) return;
        st.connection =
            caf::actor_cast<tcp_connection_actor>(self->current_sender());
        st.connection_id = ev.id;
        st.counted = true;
        ++st.cfg.counters->connections_accepted;
        ++st.cfg.counters->connections_open;
        log(self,
            {{"event", "client_connected"}, {"peer", ev.peer.to_string()}});
        if (st.closing) stop(self, caf::exit_reason::user_shutdown);
      },
      [self](tcp_received& ev) {
        auto& st = self->state;
        if (!from_client(self)) {
          // A relay's bytes: an event to the client. While the client is
          // congested its read-window markers are held: it cannot deliver
          // more than its window (+ one read) until the client drains.
          auto it = relay_of_sender(self);
          if (it == st.requests.end()) return;  // being closed
          st.cfg.counters->relayed_bytes_in += ev.data.size();
          if (st.client_congested && self->current_message_id().is_request())
            it->second.held.push_back(self->make_response_promise());
          write_event(self, it->second.id, caf::make_message(std::move(ev)));
          return;
        }
        st.cfg.counters->bytes_in += ev.data.size();
        if (st.closing) return;
        for (auto& r : st.framer.feed(ev.data.view())) {
          if (!r) {
            st.cfg.counters->count_error(r.error().name());
            write_line(self, jsonrpc::framing_error_response(r.error()));
            continue;
          }
          handle_line(self, *r);
        }
      },
      [self](tcp_read_closed& ev) {
        auto& st = self->state;
        if (!from_client(self)) {
          // The peer's FIN; the relay closes once this is answered (on
          // return), and its tcp_connection_closed ends the request.
          auto it = relay_of_sender(self);
          if (it != st.requests.end())
            write_event(self, it->second.id, caf::make_message(std::move(ev)));
          return;
        }
        if (!st.closing)
          if (auto rest = st.framer.finish()) handle_line(self, *rest);
        st.read_closed = true;
        // A client that can no longer cancel has its subscriptions ended
        // (else a closed client would hold them until the next change).
        // Answers still due go out first; then FIN, and the connection ends.
        std::vector<uint64_t> streams;
        for (auto& [serial, p] : st.requests)
          if (p.subscription || p.relay_request) streams.push_back(serial);
        auto why = make_caf_error(
            net_error::of(UV_ECANCELED, "the client closed its side"));
        for (auto serial : streams) end_request(self, serial, why);
        if (st.requests.empty() && !st.closing)
          self->send(st.connection, tcp_shutdown{});
      },
      [self](tcp_backpressure& ev) {
        auto& st = self->state;
        if (from_client(self)) {
          // Replies are not held back (write_queue_limit is their bound),
          // but relays pause while the client is congested.
          set_congested(self, ev.above_high_water);
          return;
        }
        // A relay's write queue: the client learns to slow down.
        auto it = relay_of_sender(self);
        if (it != st.requests.end())
          write_event(self, it->second.id, caf::make_message(std::move(ev)));
      },
      [self](tcp_connection_closed& ev) {
        auto& st = self->state;
        if (!from_client(self)) {
          auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
          if (st.closing_relays.erase(sender) > 0) return;
          auto it = relay_of_sender(self);
          if (it != st.requests.end()) {
            relay_closed(self, it->first, std::move(ev));
            return;
          }
          // Ended before its dns_connect_to result came in (bounded: one
          // per dns_connect_to still connecting).
          for (auto& [serial, p] : st.requests)
            if (p.connector) {
              st.closed_early.emplace(sender, std::move(ev.reason));
              return;
            }
          return;
        }
        // ENOBUFS here is a client cut off at its reply queue's bound.
        if (ev.reason.code != 0)
          self->state.cfg.counters->count_error(ev.reason.name);
        log(self, {{"event", "client_disconnected"},
                   {"reason", ev.reason.code == 0 ? "closed" : ev.reason.name},
                   {"requests_in_flight", self->state.requests.size()}});
        self->quit();
      },
      [self](interfaces_changed& ev) {
        auto msg = caf::make_message(std::move(ev));
        for (auto& [serial, p] : self->state.requests)
          if (p.subscription) write_event(self, p.id, msg);
      },
      [self](interfaces_watch_failed& ev) {
        auto& st = self->state;
        auto msg = caf::make_message(ev);
        std::vector<uint64_t> ended;
        for (auto& [serial, p] : st.requests)
          if (p.subscription) {
            write_event(self, p.id, msg);
            if (ev.ended) ended.push_back(serial);
          }
        for (auto serial : ended) take_request(self, serial);
      },
      [](tcp_write_done&) {},
      [self](tcp_write_refused& ev) {
        // Not expected (the gateway writes to its client only once open,
        // with tcp_write, whose overflow ends the connection instead; to a
        // relay it writes with requests); counted if it comes.
        self->state.cfg.counters->count_error(ev.reason.name);
      },
      [self](dhcp_offer& ev) {
        auto sender = self->current_sender();
        for (auto& [serial, p] : self->state.requests)
          if (p.discovery && p.discovery.address() == sender) {
            if (!p.notification)
              write_event(self, p.id, caf::make_message(std::move(ev)));
            return;
          }
      },
      [self](dhcp_discovery_done& done) {
        auto& st = self->state;
        auto sender = self->current_sender();
        for (auto it = st.requests.begin(); it != st.requests.end(); ++it) {
          auto& p = it->second;
          if (!p.discovery || p.discovery.address() != sender) continue;
          complete(self, it->first, [&](const json& id) {
            return done.error.code != 0
                       ? failure(self, id, make_caf_error(done.error))
                       : jsonrpc::result_response(
                             id, caf::make_message(std::move(done)));
          });
          return;
        }
      },
  };
}

caf::actor spawn_gateway_stopper(caf::actor_system& sys) {
  return sys.spawn(
      [](caf::event_based_actor* self, int) -> caf::behavior {
        // Exits from gateways (linked to it) are not its business; only an
        // anonymous exit (the app's stop) ends it, and with it every gateway.
        self->set_exit_handler([self](caf::exit_msg& msg) {
          if (!msg.source) self->quit(std::move(msg.reason));
        });
        return {[](int) {}};
      },
      0);
}

}  // namespace netactors::gateway
