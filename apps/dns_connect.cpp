// dns_connect: resolves HOST and connects to PORT with Happy Eyeballs v2
// (RFC 8305) through the resolver and dns_connect actors, sends TEXT if
// given, prints what comes back until the peer closes or nothing arrives for
// --idle ms, and prints the report of every connection attempt.
// Exit code 0 when connected, 1 when no address could be connected, 2 when
// the name did not resolve (and for bad arguments).
#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <poll.h>
#include <uv.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <optional>
#include <string>

#include "actors/dns/dns_connect.hpp"
#include "actors/messages/messages.hpp"
#include "actors/messages/net_error.hpp"
#include "actors/dns/resolver.hpp"
#include "actors/core/runtime.hpp"
#include "actors/node/remote_service.hpp"
#include "apps/cli.hpp"
#include "apps/node_cli.hpp"

using namespace netactors;

namespace {

// The JSON report keeps the first 64 KiB received (and counts them all): a
// peer that streams forever must not take the memory with it.
constexpr size_t received_limit = 64 * 1024;

struct received_bytes {
  std::string head;  // the first received_limit bytes (with --json)
  uint64_t total = 0;
};

// Reading pauses while messages wait in our mailbox (we are behind the
// peer) or stdout does not take bytes, and resumes once we caught up: what
// the peer sends then waits in the kernel, not in memory. (empty(), not
// size(): an instantiation of CAF's fetch_more here would replace CAF's own,
// and it trips UBSan.)
bool stdout_ready() {
  pollfd p{STDOUT_FILENO, POLLOUT, 0};
  return ::poll(&p, 1, 0) == 1;
}

nlohmann::ordered_json to_json(const dns_connect_report& rep,
                               const received_bytes& received) {
  auto addresses = nlohmann::ordered_json::array();
  for (auto& a : rep.addresses) addresses.push_back(a.address());
  auto attempts = nlohmann::ordered_json::array();
  for (auto& a : rep.attempts)
    attempts.push_back(nlohmann::ordered_json{
        {"address", a.address.address()}, {"result", a.result}, {"ms", a.ms}});
  nlohmann::ordered_json out{{"host", rep.host},
                             {"port", rep.port},
                             {"addresses", std::move(addresses)},
                             {"attempts", std::move(attempts)},
                             {"connected", nullptr},
                             {"received", received.head}};
  if (received.total > received.head.size()) {
    out["received_truncated"] = true;
    out["received_bytes"] = received.total;
  }
  if (!rep.connected.empty()) out["connected"] = rep.connected;
  if (rep.error) out["error"] = rep.error.name;
  return out;
}

void print_report(std::ostream& out, const dns_connect_report& rep) {
  out << "dns_connect " << rep.host << " " << rep.port << ": ";
  if (!rep.connected.empty())
    out << "connected to " << rep.connected;
  else
    out << rep.error.to_string();
  out << " after " << rep.ms << " ms\n";
  for (auto& a : rep.attempts)
    out << "  " << a.address.address() << "  " << a.result << "  " << a.ms
        << " ms\n";
  for (size_t i = rep.attempts.size(); i < rep.addresses.size(); ++i)
    out << "  " << rep.addresses[i].address() << "  not tried\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::string host;
  std::string port_text;
  std::string send_text;
  bool send = false;
  uint64_t attempt_delay_ms = 250;
  uint64_t timeout_ms = 10000;
  uint64_t idle_ms = 500;
  bool json = false;
  apps::cli cli{
      "dns_connect",
      "Resolves HOST (AAAA and A in parallel), connects to PORT with "
      "Happy Eyeballs v2 (RFC 8305), sends TEXT if given, and prints "
      "what comes back until the peer closes or --idle passes.\n"
      "Without --json: the bytes received on stdout, the report of "
      "every attempt on stderr. With --json, one object on stdout:\n"
      "{\"host\",\"port\",\"addresses\":[..],\"attempts\":[{\"address\","
      "\"result\",\"ms\"}],\"connected\":\"addr:port\"|null,\"received\"}"
      " (and \"error\" with the error's name when not connected;\n"
      "\"received\" holds the first 64 KiB: past that, \"received_truncated\""
      ":true and \"received_bytes\" with the total follow it).\n"
      "Exit code 0 when connected, 1 when no address could be "
      "connected, 2 when HOST did not resolve (or bad arguments).\n"
      "With --node the node resolves and connects (its resolver, its "
      "network), with the same output; exit 1 when the node goes away or "
      "cannot be reached (the error names it)."};
  cli.positional("HOST", "name or address to connect to", &host);
  cli.positional("PORT", "TCP port, 1..65535", &port_text);
  cli.value("send", "TEXT", "bytes to send once connected",
            [&](const std::string& v) {
              send_text = v;
              send = true;
              return std::string{};
            });
  cli.value("attempt-delay", "MS",
            "RFC 8305 connection attempt delay (default 250)",
            apps::parse_uint(&attempt_delay_ms, 10, 60000));
  cli.value("timeout", "MS",
            "limit for resolving and connecting (default 10000)",
            apps::parse_uint(&timeout_ms, 1, 3600000));
  cli.value("idle", "MS",
            "stop reading after this long without bytes (default 500)",
            apps::parse_uint(&idle_ms, 1, 3600000));
  cli.flag("json", "print the report as one JSON object", &json);
  apps::node_flags node;
  apps::add_node_flags(cli, &node, false);
  if (auto rc = cli.parse(argc, argv)) return *rc;
  if (auto why = apps::check_node_flags(node); !why.empty()) {
    std::cerr << "dns_connect: " << why << "\n(try --help)\n";
    return 2;
  }
  auto port = net::parse_port(port_text);
  if (!port || *port == 0) {
    std::cerr << "dns_connect: PORT must be 1..65535, not \"" << port_text
              << "\"\n";
    return 2;
  }
  caf::actor_system_config cfg;
  add_message_types(cfg);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  if (node.given)
    if (auto why = prepare_node_config(cfg, apps::node_link_of(node));
        !why.empty()) {
      std::cerr << "dns_connect: " << why << "\n";
      return 2;
    }
  std::optional<dns_connect_report> report;
  received_bytes received;
  // With --node: why the node could not do the work (it went away, it
  // cannot be reached, it refused the job); exit 1.
  std::optional<net_error> node_failure;
  {
    runtime rt{cfg, runtime_options{1, false}};
    auto& sys = rt.system();
    caf::scoped_actor self{sys};
    resolver_actor resolver;
    caf::actor jobs;  // with --node: the stand-in for the node's jobs
    dns_connect_to req{host,
                       *port,
                       static_cast<uint32_t>(attempt_delay_ms),
                       50,
                       static_cast<uint32_t>(timeout_ms),
                       true};
    auto reply_timeout =
        std::chrono::milliseconds(timeout_ms) + std::chrono::seconds(5);
    tcp_connection_actor conn;
    caf::error failed;
    auto on_reply = [&](tcp_connection_actor& c, dns_connect_report&) {
      conn = std::move(c);
    };
    auto on_error = [&](caf::error& err) { failed = std::move(err); };
    if (node.given) {
      // The node resolves and connects; `self` owns the connection there
      // (its events come here, our commands go to it) and gets the report
      // before the reply, as locally (actors/node/node_jobs.hpp).
      auto rcfg = apps::remote_config(node, "jobs");
      rcfg.request_timeout = reply_timeout;
      jobs = spawn_remote_service(sys, std::move(rcfg));
      self->request(jobs, reply_timeout + std::chrono::seconds(5),
                    node_dns_connect{req}, caf::actor_cast<caf::actor>(self))
          .receive(on_reply, on_error);
    } else {
      resolver = spawn_resolver(rt);
      // The report comes to `self` whatever the outcome, before the reply.
      auto connector = spawn_dns_connect(rt, {}, resolver, self);
      self->request(connector, reply_timeout, req).receive(on_reply, on_error);
    }
    // From a node, the report was sent before the reply over the same link
    // and the reply took one more hop (the stand-in): it is here already,
    // unless the node could not do the work at all.
    self->receive([&](dns_connect_report& rep) { report = std::move(rep); },
                  caf::after(node.given ? std::chrono::seconds(1)
                                        : std::chrono::seconds(5)) >> [] {});
    if (node.given && !report && failed) node_failure = to_net_error(failed);
    // A connection on a node ends with remote_link_unreachable when the
    // node goes away: that is a failure, not the end of the bytes.
    if (node.given && conn) self->monitor(conn);
    if (conn) {
      if (send)
        self->send(conn, tcp_write{net::byte_buffer::copy_of(send_text)});
      // Bytes until the peer closes or --idle passes without any; every
      // wait is bounded by --idle.
      bool paused = false;
      auto set_reading = [&](bool enable) {
        if (paused != enable) return;
        paused = !enable;
        self->send(conn, tcp_set_reading{enable});
      };
      for (bool done = false; !done;) {
        self->receive(
            [&](tcp_connection_opened&) {},
            [&](tcp_received& ev) {
              auto bytes = ev.data.view();
              received.total += bytes.size();
              if (!self->mailbox().empty()) set_reading(false);
              if (json) {
                auto room = received_limit - received.head.size();
                received.head += bytes.substr(0, std::min(room, bytes.size()));
              } else {
                // Streamed as it arrives; nothing is kept.
                if (!stdout_ready()) set_reading(false);
                std::cout << bytes << std::flush;
              }
            },
            [&](tcp_backpressure&) {},
            // Answering lets the connection finish its half of the close.
            [&](tcp_read_closed&) { done = true; },
            [&](tcp_connection_closed&) { done = true; },
            [&](caf::down_msg& dm) {
              if (dm.reason != caf::exit_reason::remote_link_unreachable)
                return;  // tcp_connection_closed comes through the node
              node_failure = net_error::of(
                  UV_EHOSTDOWN, "node " + node.address.to_string() +
                                    ", connection: " + sys.render(dm.reason));
              done = true;
            },
            caf::after(std::chrono::milliseconds(idle_ms)) >>
                [&] { done = true; });
        if (!done && self->mailbox().empty()) set_reading(true);  // caught up
      }
      self->send(conn, tcp_close{});
    }
    if (resolver) caf::anon_send_exit(resolver, caf::exit_reason::user_shutdown);
    if (jobs) caf::anon_send_exit(jobs, caf::exit_reason::user_shutdown);
  }
  if (node_failure && !report) {
    std::cerr << "dns_connect: " << node_failure->to_string() << "\n";
    return 1;
  }
  if (!report) {
    std::cerr << "dns_connect: no report from the dns_connect actor\n";
    return 1;
  }
  if (json)
    std::cout << to_json(*report, received)
                     .dump(-1, ' ', false,
                           nlohmann::json::error_handler_t::replace)
              << std::endl;
  else
    print_report(std::cerr, *report);
  if (node_failure) {
    std::cerr << "dns_connect: " << node_failure->to_string() << "\n";
    return 1;
  }
  if (!report->connected.empty()) return 0;
  std::cerr << "dns_connect: " << report->error.name << "\n";
  // No address at all: the name did not resolve (or not in time).
  return report->addresses.empty() ? 2 : 1;
}
