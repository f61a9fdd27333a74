// netnode: the services as actors under one supervisor, driven by JSON-RPC
// 2.0 over TCP or Unix-domain sockets (actors/gateway/gateway.hpp has the
// methods and the bounds).
#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "actors/echo/echo.hpp"
#include "actors/interfaces/interfaces.hpp"
#include "actors/log/line_sink.hpp"
#include "actors/log/line_sink_actor.hpp"
#include "actors/messages/messages.hpp"
#include "actors/dns/resolver.hpp"
#include "actors/core/runtime.hpp"
#include "actors/supervisor/supervisor.hpp"
#include "actors/tcp/tcp_listener.hpp"
#include "actors/node/node_config.hpp"
#include "actors/node/node_directory.hpp"
#include "actors/core/stop_signals.hpp"
#include "actors/node/node_jobs.hpp"
#include "actors/node/peer_tracker.hpp"
#include "apps/cli.hpp"
#include "apps/node_cli.hpp"
#include "actors/gateway/gateway.hpp"

using namespace netactors;

namespace {

// SIGINT/SIGTERM end netnode within 2 s whatever the load (the issue's
// promise); past this the process exits anyway (stop_deadline).
constexpr std::chrono::milliseconds stop_limit{1800};

// Every --gateway given (CLI11 keeps only the last value of a repeated
// option for the shared parser, so netnode collects them itself).
std::vector<std::string> gateway_args(int argc, char** argv) {
  std::vector<std::string> out;
  const std::string flag = "--gateway";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") break;
    if (arg == flag && i + 1 < argc)
      out.push_back(argv[++i]);
    else if (arg.rfind(flag + "=", 0) == 0)
      out.push_back(arg.substr(flag.size() + 1));
  }
  return out;
}

// A gateway in the ready line: {"address":..,"port":..} or {"path":..}.
nlohmann::json endpoint_json(const net::endpoint& ep) {
  if (ep.is_unix()) return nlohmann::ordered_json{{"path", ep.path()}};
  return nlohmann::ordered_json{{"address", ep.address()}, {"port", ep.port()}};
}

}  // namespace

int main(int argc, char** argv) {
  net::endpoint scratch;
  net::endpoint echo_address;
  bool with_echo = false;
  uint64_t loops = 1;
  bool verbose = false;
  apps::cli cli{"netnode",
                "Runs the resolver and the interface actor under a supervisor "
                "and serves them as JSON-RPC 2.0, one message per line, on "
                "each gateway.\nFirst stdout line: {\"event\":\"ready\","
                "\"gateways\":[{\"address\":...,\"port\":...},"
                "{\"path\":...}],\"echo\":null,"
                "\"publish\":null} (with --publish: {\"address\":...,"
                "\"port\":...}). "
                "SIGINT/SIGTERM end every request in flight with ECANCELED and "
                "exit 0 within 2 s."};
  cli.value("gateway", "HOST:PORT|unix:PATH",
            "a JSON-RPC gateway to listen on; may repeat (default "
            "127.0.0.1:7100; port 0 picks a free port). unix:PATH is a "
            "Unix-domain socket, created with mode 0600 (a stale socket "
            "file there is replaced, a live one is not) and removed on exit",
            apps::parse_endpoint(&scratch));
  cli.value("echo", "HOST:PORT", "also run the echo service there",
            [&](const std::string& text) {
              with_echo = true;
              return apps::parse_endpoint(&echo_address)(text);
            });
  cli.value("loops", "N", "libuv loop threads (default 1)",
            apps::parse_uint(&loops, 1, 64));
  cli.flag("verbose",
           "log supervisor and gateway events as JSON lines (bounded: when "
           "stdout is not read, lines are dropped and counted)",
           &verbose);
  apps::node_flags publish;
  apps::add_node_flags(cli, &publish, true);
  if (auto rc = cli.parse(argc, argv)) return *rc;
  if (auto why = apps::check_node_flags(publish); !why.empty()) {
    std::cerr << "netnode: " << why << "\n(try --help)\n";
    return 2;
  }
  std::vector<net::endpoint> gateways;
  for (auto& text : gateway_args(argc, argv)) {
    net::endpoint ep;
    auto err = apps::parse_endpoint(&ep)(text);
    if (err.empty() && ep.is_unix() && ep.path().empty())
      err = "\"" + text + "\": empty Unix socket path";
    if (!err.empty()) {
      std::cerr << "netnode: bad value for --gateway: " << err
                << "\n(try --help)\n";
      return 2;
    }
    gateways.push_back(ep);
  }
  if (gateways.empty())
    gateways.push_back(*net::endpoint::parse("127.0.0.1:7100"));
  block_stop_signals();  // before any thread starts
  std::shared_ptr<line_sink> sink;
  if (verbose) sink = std::make_shared<line_sink>(STDOUT_FILENO);
  auto emit = [&sink](const std::string& line) {
    if (sink)
      sink->write_line(line);
    else
      std::cout << line << std::endl;
  };
  std::unique_ptr<stop_deadline> deadline;
  caf::actor_system_config cfg;
  add_message_types(cfg);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  if (publish.given)
    if (auto why = prepare_node_config(cfg, apps::node_link_of(publish));
        !why.empty()) {
      std::cerr << "netnode: " << why << "\n";
      return 2;
    }
  int exit_code = 0;
  {
    runtime rt{cfg, runtime_options{loops, false}};
    auto& sys = rt.system();
    caf::scoped_actor self{sys};
    caf::actor printer;
    if (sink) printer = spawn_line_sink_actor(sys, sink);
    // Supervisor events, as JSON lines, when verbose. They are held until
    // `true` arrives (after the ready line, which must come first).
    caf::actor observer;
    if (printer)
      observer = sys.spawn(
          [](caf::event_based_actor*, caf::actor out) -> caf::behavior {
            auto held = std::make_shared<std::vector<std::string>>();
            auto released = std::make_shared<bool>(false);
            return {[=](supervisor_event& ev) {
                      auto j = nlohmann::json(ev);
                      j["event"] = "supervisor_" + ev.event;
                      auto line =
                          j.dump(-1, ' ', false,
                                 nlohmann::json::error_handler_t::replace);
                      if (*released)
                        caf::anon_send(out, std::move(line));
                      else
                        held->push_back(std::move(line));
                    },
                    [=](bool) {
                      *released = true;
                      for (auto& line : *held)
                        caf::anon_send(out, std::move(line));
                      held->clear();
                    }};
          },
          printer);
    std::vector<child_spec> children;
    auto child = [](std::string name, std::function<caf::actor()> start) {
      child_spec spec;
      spec.name = std::move(name);
      spec.start = [start](caf::local_actor*) { return start(); };
      spec.shutdown_timeout = std::chrono::milliseconds{500};
      return spec;
    };
    // A child is a caf::actor to the supervisor (children of any protocol);
    // the gateway gets the stable handles back typed.
    children.push_back(child("resolver", [&rt] {
      return caf::actor_cast<caf::actor>(spawn_resolver(rt));
    }));
    children.push_back(child("interfaces", [&rt] {
      return caf::actor_cast<caf::actor>(spawn_interfaces(rt));
    }));
    if (with_echo)
      for (size_t i = 0; i < rt.loop_count(); ++i)
        children.push_back(
            child("echo_" + std::to_string(i), [&rt, i, printer] {
              return rt.loop_at(i).spawn(echo_handler, printer);
            }));
    supervisor_config scfg;
    scfg.name = "netnode";
    scfg.observer = observer;
    auto sup = spawn_supervisor(sys, scfg, std::move(children));
    if (!sup) {
      std::cerr << "netnode: cannot start the services: "
                << to_string(sup.error()) << "\n";
      if (observer) self->send_exit(observer, caf::exit_reason::user_shutdown);
      if (printer) self->send_exit(printer, caf::exit_reason::user_shutdown);
      return 1;
    }
    // --publish: the directory hands out the services' stable handles to
    // other processes (actors/node/node_directory.hpp); the peer tracker
    // tells the gateways' stats who uses them. Published before the
    // gateways listen, so every gateway knows where.
    caf::actor directory;
    caf::actor jobs;
    peer_tracker_actor peers;
    net::endpoint published_at;
    nlohmann::json published = nullptr;
    if (publish.given) {
      // "jobs" runs dns_connect, echo client and DHCP discovery jobs for
      // remote askers (actors/node/node_jobs.hpp), with the node's resolver.
      jobs = caf::actor_cast<caf::actor>(spawn_node_jobs(
          rt, caf::actor_cast<resolver_actor>(sup->children.at("resolver"))));
      peers = spawn_peer_tracker(sys);
      directory = spawn_node_directory(
          sys,
          {{"resolver", sup->children.at("resolver")},
           {"interfaces", sup->children.at("interfaces")},
           {"jobs", jobs}},
          peers);
      auto port = publish_node(sys, directory, publish.address,
                               !publish.insecure);
      if (port) {
        published_at = publish.address;
        published_at.set_port(*port);
        published = endpoint_json(published_at);
      } else {
        std::cerr << "netnode: cannot publish on "
                  << publish.address.to_string() << ": "
                  << sys.render(port.error()) << "\n";
        exit_code = 1;
      }
    }
    auto stopper = gateway::spawn_gateway_stopper(sys);
    gateway::gateway_config gcfg;
    gcfg.resolver =
        caf::actor_cast<resolver_actor>(sup->children.at("resolver"));
    gcfg.interfaces =
        caf::actor_cast<interfaces_actor>(sup->children.at("interfaces"));
    gcfg.supervisor = sup->supervisor;
    gcfg.log = printer;
    gcfg.counters = std::make_shared<gateway::gateway_counters>();
    gcfg.stop = stopper;
    gcfg.rt = &rt;
    gcfg.peers = peers;
    gcfg.published = published_at;
    tcp_connection_handler handler;
    handler.options = gateway::connection_options();
    handler.factory = [gcfg](loop_context& ctx) {
      auto cfg = gcfg;
      cfg.loop = &ctx;
      return ctx.spawn(gateway::gateway, std::move(cfg));
    };
    handler.events = printer;
    std::vector<tcp_listener_actor> listeners;
    nlohmann::json ready_gateways = nlohmann::json::array();
    auto listen = [&](tcp_listener_actor listener, const net::endpoint& where,
                      nlohmann::json* bound) {
      listeners.push_back(listener);
      self->request(listener, caf::infinite, tcp_listen{where})
          .receive(
              [&](tcp_listening& ok) { *bound = endpoint_json(ok.address); },
              [&](caf::error& err) {
                std::cerr << "netnode: cannot listen on " << where.to_string()
                          << ": " << to_net_error(err).to_string() << "\n";
                exit_code = 1;
              });
    };
    for (auto& where : gateways) {
      if (exit_code != 0) break;
      nlohmann::json bound;
      listen(spawn_tcp_listener(rt, handler), where, &bound);
      if (exit_code == 0) ready_gateways.push_back(bound);
    }
    nlohmann::json echo = nullptr;
    if (with_echo && exit_code == 0) {
      tcp_connection_handler eh;
      eh.options.pause_reading_when_full = true;
      std::vector<caf::actor> handlers;
      for (size_t i = 0; i < rt.loop_count(); ++i)
        handlers.push_back(sup->children.at("echo_" + std::to_string(i)));
      eh.factory = [&rt, handlers](loop_context& ctx) {
        for (size_t i = 0; i < rt.loop_count(); ++i)
          if (&rt.loop_at(i) == &ctx) return handlers[i];
        return caf::actor{};
      };
      eh.events = printer;
      listen(spawn_tcp_listener(rt, eh), echo_address, &echo);
    }
    if (exit_code == 0) {
      emit(nlohmann::ordered_json{
          {"event", "ready"},
          {"gateways", ready_gateways},
          {"echo", echo},
          {"publish", published}}
               .dump());
      if (observer) self->send(observer, true);
      int sig = wait_for_stop_signal();
      deadline = std::make_unique<stop_deadline>("netnode", stop_limit,
                                                       exit_code, [sink] {
                                                         if (sink)
                                                           sink->close();
                                                       });
      if (verbose)
        emit(nlohmann::ordered_json{{"event", "stopping"}, {"signal", sig}}
                 .dump());
    }
    // Stop accepting; the gateways answer what is in flight and close;
    // then the services stop (reverse start order); the printer goes last.
    for (auto& l : listeners) stop_actor_now(l);
    stop_actor_now(directory);
    stop_actor_now(peers);
    stop_actor_now(jobs);
    stop_actor_now(stopper);
    stop_actor_now(sup->supervisor);
    self->wait_for(sup->supervisor);
    if (observer) self->send_exit(observer, caf::exit_reason::user_shutdown);
    if (printer) self->send_exit(printer, caf::exit_reason::user_shutdown);
  }  // the runtime waits for every actor here
  if (sink) sink->close();
  return exit_code;
}
