#include "actors/gateway/gateway.hpp"

#include <caf/all.hpp>

#include <uv.h>

#include <chrono>
#include <utility>

#include "actors/dhcp/uv_dhcp_io.hpp"
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

// -- extra methods: their params ---------------------------------------------

// cancel {"request": ID}: the id travels as its JSON text, so that ids
// compare exactly as they were written (1 and "1" differ).
jsonrpc::decoded decode_cancel(const json& params) {
  for (auto& [key, value] : params.items())
    if (key != "request") return jsonrpc::decoded::fail("unknown field", key);
  auto it = params.find("request");
  if (it == params.end())
    return jsonrpc::decoded::fail("missing field", "request");
  if (!it->is_string() && !it->is_number() && !it->is_null())
    return jsonrpc::decoded::fail("must be a string, a number or null",
                                  "request");
  return jsonrpc::decoded{caf::make_message(dump(*it)), {}, {}};
}

jsonrpc::decoded decode_stats(const json& params) {
  for (auto& [key, value] : params.items())
    return jsonrpc::decoded::fail("unknown field", key);
  return jsonrpc::decoded{caf::make_message(std::string{}), {}, {}};
}

// dhcp_discover {"interface":NAME,"timeout":MS,"request":BOOL}: the
// discovery's configuration (DHCP discovery takes no request message).
jsonrpc::decoded decode_dhcp_discover(const json& params) {
  std::string interface;
  uint32_t timeout = 10000;
  bool request = false;
  for (auto& [key, value] : params.items()) {
    if (key == "interface") {
      if (!value.is_string() || value.get<std::string>().empty())
        return jsonrpc::decoded::fail("must be a non-empty string", key);
      interface = value.get<std::string>();
    } else if (key == "timeout") {
      if (!value.is_number_unsigned() || value.get<uint64_t>() == 0 ||
          value.get<uint64_t>() > 600000)
        return jsonrpc::decoded::fail("must be milliseconds in [1, 600000]",
                                      key);
      timeout = value.get<uint32_t>();
    } else if (key == "request") {
      if (!value.is_boolean())
        return jsonrpc::decoded::fail("must be a boolean", key);
      request = value.get<bool>();
    } else {
      return jsonrpc::decoded::fail("unknown field", key);
    }
  }
  if (interface.empty())
    return jsonrpc::decoded::fail("missing field", "interface");
  return jsonrpc::decoded{
      caf::make_message(interface, timeout, request), {}, {}};
}

jsonrpc::method_table make_methods() {
  jsonrpc::method_table t;
  t.add("dhcp_discover", decode_dhcp_discover);
  t.add("cancel", decode_cancel);
  t.add("stats", decode_stats);
  return t;
}

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
                    const char* context) {
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

// Takes a request out of flight. `answer` is its final answer when it still
// owes one (a notification owes none; a subscription owes a last event).
void end_request(gateway_actor* self, uint64_t serial, const caf::error& why) {
  auto& st = self->state;
  auto it = st.requests.find(serial);
  if (it == st.requests.end()) return;
  auto p = std::move(it->second);
  st.requests.erase(it);
  --st.cfg.counters->in_flight;
  if (p.discovery)
    self->send_exit(p.discovery.address(), caf::exit_reason::user_shutdown);
  if (p.subscription) {
    st.cfg.counters->count_error(error_name(why));
    write_line(self, stream_error_event(p.id, why));
    if (!subscribed(self) && st.cfg.interfaces && !st.closing)
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
              st.requests.erase(it);
              --st.cfg.counters->in_flight;
            }
            deliver(self, b,
                    notification
                        ? std::string{}
                        : jsonrpc::result_response(
                              id, caf::make_message(std::move(reply))));
            if (!subscription && st.read_closed && st.requests.empty())
              self->send(st.connection, tcp_shutdown{});
          },
          [self, serial](caf::error& err) {
            auto& st = self->state;
            auto it = st.requests.find(serial);
            if (it == st.requests.end()) return;
            auto p = std::move(it->second);
            st.requests.erase(it);
            --st.cfg.counters->in_flight;
            deliver(self, p.in_batch,
                    p.notification ? std::string{} : failure(self, p.id, err));
            if (st.read_closed && st.requests.empty())
              self->send(st.connection, tcp_shutdown{});
          });
}

template <class T>
struct tag {
  using type = T;
};

// stats: the gateways' counters at once, the services' (the resolver's
// dns_stats, the supervisor's restarts per child) as they answer; a service
// that cannot answer is {"error": its error object}.
void gather_stats(gateway_actor* self, uint64_t serial, json counters) {
  struct gathering {
    json data = json::object();
    int outstanding = 1;  // + each ask below
  };
  auto g = std::make_shared<gathering>();
  g->data["gateway"] = std::move(counters);
  auto finish = [self, serial, g] {
    if (--g->outstanding > 0) return;
    auto& st = self->state;
    auto it = st.requests.find(serial);
    if (it == st.requests.end()) return;  // cancelled
    auto p = std::move(it->second);
    st.requests.erase(it);
    --st.cfg.counters->in_flight;
    deliver(self, p.in_batch,
            p.notification
                ? std::string{}
                : dump(json{{"jsonrpc", "2.0"},
                            {"id", p.id},
                            {"result",
                             {{"type", "netnode_stats"}, {"data", g->data}}}}));
    if (st.read_closed && st.requests.empty())
      self->send(st.connection, tcp_shutdown{});
  };
  auto ask_one = [&](const auto& whom, const char* key, auto request,
                     auto reply_type) {
    if (!whom) return;
    ++g->outstanding;
    using reply = typename decltype(reply_type)::type;
    self->request(whom, std::chrono::seconds{5}, request)
        .then(
            [g, key, finish](reply& r) {
              g->data[key] = json(r);
              finish();
            },
            [g, key, finish](caf::error& e) {
              g->data[key] = json{{"error", jsonrpc::error_from(e)}};
              finish();
            });
  };
  ask_one(self->state.cfg.resolver, "resolver", dns_get_stats{},
          tag<dns_stats>{});
  ask_one(self->state.cfg.supervisor, "supervisor", supervisor_get_stats{},
          tag<supervisor_stats>{});
  finish();
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
    if (st.requests.size() >= st.cfg.max_in_flight) {
      answer(failure(self, id, UV_EAGAIN, "too many requests in flight"));
      return;
    }
    // The counters as they were before this request (it is not counted
    // among the requests in flight it reports).
    auto counters = st.cfg.counters->to_json();
    auto serial = st.next_serial++;
    gateway_state::pending p;
    p.id = id;
    p.notification = c.notification();
    p.in_batch = b;
    st.requests.emplace(serial, std::move(p));
    ++st.cfg.counters->in_flight;
    gather_stats(self, serial, std::move(counters));
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
  } else if (c.method == "dhcp_discover" && st.cfg.loop) {
    target = caf::actor_cast<caf::actor>(self);  // the gateway runs it
  }
  if (!target) {
    st.cfg.counters->count_error("-32601");
    answer(jsonrpc::error_response(
        id, jsonrpc::method_not_found, "Method not found",
        json{{"method", c.method}, {"reason", "no netnode service takes it"}}));
    return;
  }
  if (st.requests.size() >= st.cfg.max_in_flight) {
    answer(failure(self, id, UV_EAGAIN, "too many requests in flight"));
    return;
  }
  auto serial = st.next_serial++;
  gateway_state::pending p;
  p.id = id;
  p.notification = c.notification();
  p.in_batch = b;
  st.requests.emplace(serial, std::move(p));
  ++st.cfg.counters->in_flight;
  if (c.method == "dhcp_discover") {
    dhcp_discovery_config dc;
    dc.interface = c.message.get_as<std::string>(0);
    dc.timeout = std::chrono::milliseconds{c.message.get_as<uint32_t>(1)};
    dc.request = c.message.get_as<bool>(2);
    st.requests[serial].discovery =
        spawn_dhcp_discovery(*st.cfg.loop, target, dc);
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
              {"errors", errors}};
}

tcp_connection_options connection_options() {
  tcp_connection_options opts;
  opts.high_water = 1024 * 1024;
  opts.low_water = 256 * 1024;
  // The reply queue's bound: a client that never reads is cut off here.
  opts.write_queue_limit = 8 * 1024 * 1024;
  opts.allow_half_open = true;
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
  if (counted) --cfg.counters->connections_open;
}

const char* gateway_state::name = "gateway";

caf::behavior gateway(gateway_actor* self, gateway_config cfg) {
  if (!cfg.counters) cfg.counters = std::make_shared<gateway_counters>();
  self->state.cfg = std::move(cfg);
  self->state.methods = make_methods();
  self->set_exit_handler(
      [self](caf::exit_msg& msg) { stop(self, std::move(msg.reason)); });
  if (self->state.cfg.stop) self->link_to(self->state.cfg.stop);
  return {
      [self](tcp_connection_opened& ev) {
        auto& st = self->state;
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
      [self](tcp_read_closed&) {
        auto& st = self->state;
        if (!st.closing)
          if (auto rest = st.framer.finish()) handle_line(self, *rest);
        st.read_closed = true;
        // A client that can no longer cancel has its subscriptions ended
        // (else a closed client would hold them until the next change).
        // Answers still due go out first; then FIN, and the connection ends.
        std::vector<uint64_t> streams;
        for (auto& [serial, p] : st.requests)
          if (p.subscription) streams.push_back(serial);
        auto why = make_caf_error(
            net_error::of(UV_ECANCELED, "the client closed its side"));
        for (auto serial : streams) end_request(self, serial, why);
        if (st.requests.empty() && !st.closing)
          self->send(st.connection, tcp_shutdown{});
      },
      [](tcp_backpressure&) {
        // Replies are not held back: the connection's write_queue_limit
        // is the bound (see the header).
      },
      [self](tcp_connection_closed& ev) {
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
        for (auto serial : ended) {
          st.requests.erase(serial);
          --st.cfg.counters->in_flight;
        }
      },
      [self](tcp_write_done&) {},
      [self](tcp_write_refused& ev) {
        // Not expected (the gateway writes only once open, with tcp_write,
        // whose overflow ends the connection instead); counted if it comes.
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
          auto entry = std::move(p);
          st.requests.erase(it);
          --st.cfg.counters->in_flight;
          std::string line;
          if (entry.notification)
            ;  // performed, never answered
          else if (done.error.code != 0)
            line = failure(self, entry.id, make_caf_error(done.error));
          else
            line = jsonrpc::result_response(entry.id,
                                            caf::make_message(std::move(done)));
          deliver(self, entry.in_batch, std::move(line));
          if (st.read_closed && st.requests.empty())
            self->send(st.connection, tcp_shutdown{});
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
