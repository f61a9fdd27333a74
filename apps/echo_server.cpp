// echo_server: a TCP echo server made of netactors actors: one listener, one
// connection actor per client, one echo handler per loop.
#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>

#include "actors/echo/echo.hpp"
#include "actors/log/line_sink.hpp"
#include "actors/log/line_sink_actor.hpp"
#include "actors/messages/messages.hpp"
#include "actors/core/runtime.hpp"
#include "actors/tcp/tcp_listener.hpp"
#include "actors/core/stop_signals.hpp"
#include "apps/cli.hpp"

using namespace netactors;

namespace {

// SIGINT/SIGTERM stop the server within this long whatever the load; past
// it the process exits anyway (stop_deadline), with its line said.
constexpr std::chrono::milliseconds stop_limit{1500};

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:7000";
  auto address = *net::endpoint::parse(listen);
  uint64_t loops = 1;
  bool verbose = false;
  uint64_t read_window = tcp_connection_options{}.read_window;
  uint64_t idle_timeout_ms = 0;
  apps::cli cli{"echo_server",
                "Echoes every byte back on every TCP connection until the "
                "peer closes.\nFirst stdout line: {\"event\":\"listening\","
                "\"address\":...,\"port\":...}. SIGINT/SIGTERM stop it (exit 0) "
                "within 1.5 s, whatever the load."};
  cli.value("listen", "HOST:PORT",
            "address to listen on (default 127.0.0.1:7000; [::1]:0 style for "
            "IPv6; port 0 picks a free port)",
            [&](const std::string& text) {
              listen = text;
              return apps::parse_endpoint(&address)(text);
            });
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
  cli.flag("verbose",
           "log connection events as JSON lines; when stdout is not read, "
           "at most 4096 lines (1 MiB) wait and the rest are dropped and "
           "counted ({\"event\":\"log_dropped\",\"lines\":N})",
           &verbose);
  if (auto rc = cli.parse(argc, argv)) return *rc;
  block_stop_signals();  // before any thread starts
  // With --verbose every stdout line goes through one bounded sink, so a
  // reader that stops reading costs dropped lines, never memory or a hang.
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
  int exit_code = 0;
  {
    runtime rt{cfg, loops};
    auto& sys = rt.system();
    caf::actor printer;
    if (sink) printer = spawn_line_sink_actor(sys, sink);
    std::vector<caf::actor> handlers;
    for (size_t i = 0; i < rt.loop_count(); ++i)
      handlers.push_back(rt.loop_at(i).spawn(echo_handler, printer));
    tcp_connection_handler handler;
    // Echo writes what it reads: pause a connection's reading the moment its
    // write queue passes the high-water mark (the handler's own reaction to
    // tcp_backpressure comes a mailbox round trip later).
    handler.options.pause_reading_when_full = true;
    // The handler sends tcp_shutdown at the peer's FIN: a plain message
    // instead of the request and reply a full-close connection needs.
    handler.options.allow_half_open = true;
    handler.options.read_window = read_window;
    handler.options.idle_timeout_ms = static_cast<uint32_t>(idle_timeout_ms);
    // Only the verbose log shows the addresses, or the connections' opening
    // and end at all (the handler keeps nothing per connection).
    handler.options.opened_endpoints = verbose;
    handler.options.open_close_events = verbose;
    handler.factory = [&rt, handlers](loop_context& ctx) {
      for (size_t i = 0; i < rt.loop_count(); ++i)
        if (&rt.loop_at(i) == &ctx) return handlers[i];
      return caf::actor{};
    };
    auto listener = spawn_tcp_listener(rt, handler);
    caf::scoped_actor self{sys};
    self->request(listener, caf::infinite, tcp_listen{address})
        .receive(
            [&](tcp_listening& ok) {
              emit(nlohmann::ordered_json{{"event", "listening"},
                                          {"address", ok.address.address()},
                                          {"port", ok.address.port()}}
                       .dump());
            },
            [&](caf::error& err) {
              auto e = to_net_error(err);
              std::cerr << "echo_server: cannot listen on " << listen << ": "
                        << e.to_string() << "\n";
              exit_code = 1;
            });
    if (exit_code == 0) {
      int sig = wait_for_stop_signal();
      deadline = std::make_unique<stop_deadline>(
          "echo_server", stop_limit, exit_code, [sink] {
            if (sink) sink->close();
          });
      if (verbose)
        emit(nlohmann::ordered_json{{"event", "stopping"}, {"signal", sig}}.dump());
    }
    // Stop accepting, then end the handlers: their connections end with
    // them (closing their sockets). The printer goes last, after the
    // handlers' last lines.
    stop_actor_now(listener);
    for (auto& h : handlers) stop_actor_now(h);
    if (printer) self->send_exit(printer, caf::exit_reason::user_shutdown);
  }  // the runtime waits for every actor here
  if (sink) sink->close();
  return exit_code;
}
