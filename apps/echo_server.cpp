// echo_server: a TCP echo server made of netactors actors: one listener, one
// connection actor per client, one echo handler per loop.
#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <csignal>
#include <iostream>

#include "actors/echo.hpp"
#include "actors/messages.hpp"
#include "actors/runtime.hpp"
#include "actors/tcp_listener.hpp"
#include "apps/cli.hpp"
#include "apps/signals.hpp"

using namespace netactors;

namespace {

// Prints JSON lines from the echo handlers; one actor, so lines never mix.
// (It takes its stream as an argument: CAF 0.17's spawn of a function with
// no arguments binds a reference to a null tuple, which UBSan rejects.)
caf::behavior line_printer(caf::event_based_actor*, std::ostream* out) {
  return {[out](const std::string& line) { *out << line << std::endl; }};
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:7000";
  uint64_t loops = 1;
  bool verbose = false;
  uint64_t read_window = tcp_connection_options{}.read_window;
  uint64_t idle_timeout_ms = 0;
  apps::cli cli{"echo_server",
                "Echoes every byte back on every TCP connection until the "
                "peer closes.\nFirst stdout line: {\"event\":\"listening\","
                "\"address\":...,\"port\":...}. SIGINT/SIGTERM stop it (exit 0)."};
  cli.value("listen", "HOST:PORT",
            "address to listen on (default 127.0.0.1:7000; [::1]:0 style for "
            "IPv6; port 0 picks a free port)",
            apps::parse_string(&listen));
  cli.value("loops", "N", "libuv loop threads (default 1)",
            apps::parse_uint(&loops, 1, 64));
  cli.value("read-window", "BYTES",
            "bytes a connection reads ahead of its echo handler (default "
            "1048576); memory per connection is at most about this + 64 KiB "
            "+ the 1 MiB write high-water mark",
            apps::parse_uint(&read_window, 1, uint64_t{1} << 32));
  cli.value("idle-timeout", "MS",
            "close a connection after this long without traffic (default 0: "
            "never; TCP keepalive finds vanished peers after ~2 minutes)",
            apps::parse_uint(&idle_timeout_ms, 0, 86400000));
  cli.flag("verbose", "log connection events as JSON lines", &verbose);
  if (auto rc = cli.parse(argc, argv)) return *rc;
  auto address = net::endpoint::parse(listen);
  if (!address) {
    std::cerr << "echo_server: bad --listen: " << address.error().to_string()
              << "\n";
    return 2;
  }
  apps::block_stop_signals();  // before any thread starts
  caf::actor_system_config cfg;
  add_message_types(cfg);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  int exit_code = 0;
  {
    runtime rt{cfg, loops};
    auto& sys = rt.system();
    caf::actor printer;
    if (verbose) printer = sys.spawn(line_printer, &std::cout);
    std::vector<caf::actor> handlers;
    for (size_t i = 0; i < rt.loop_count(); ++i)
      handlers.push_back(rt.loop_at(i).spawn(echo_handler, printer));
    tcp_connection_handler handler;
    // Echo writes what it reads: pause a connection's reading the moment its
    // write queue passes the high-water mark (the handler's own reaction to
    // tcp_backpressure comes a mailbox round trip later).
    handler.options.pause_reading_when_full = true;
    handler.options.read_window = read_window;
    handler.options.idle_timeout_ms = static_cast<uint32_t>(idle_timeout_ms);
    handler.factory = [&rt, handlers](loop_context& ctx) {
      for (size_t i = 0; i < rt.loop_count(); ++i)
        if (&rt.loop_at(i) == &ctx) return handlers[i];
      return caf::actor{};
    };
    auto listener = spawn_tcp_listener(rt, handler);
    caf::scoped_actor self{sys};
    self->request(listener, caf::infinite, tcp_listen{*address})
        .receive(
            [&](tcp_listening& ok) {
              std::cout << nlohmann::ordered_json{{"event", "listening"},
                                          {"address", ok.address.address()},
                                          {"port", ok.address.port()}}
                               .dump()
                        << std::endl;
            },
            [&](caf::error& err) {
              auto e = to_net_error(err);
              std::cerr << "echo_server: cannot listen on " << listen << ": "
                        << e.to_string() << "\n";
              exit_code = 1;
            });
    if (exit_code == 0) {
      int sig = apps::wait_for_stop_signal();
      if (verbose)
        std::cout << nlohmann::ordered_json{{"event", "stopping"}, {"signal", sig}}.dump()
                  << std::endl;
    }
    self->send_exit(listener, caf::exit_reason::user_shutdown);
    for (auto& h : handlers) self->send_exit(h, caf::exit_reason::user_shutdown);
    if (printer) self->send_exit(printer, caf::exit_reason::user_shutdown);
  }
  return exit_code;
}
