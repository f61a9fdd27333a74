// coordinator: one actor that coordinates three services, each step a
// request(...).then(...) started by the one before:
//   1. asks the interfaces actor for the host's interfaces,
//   2. resolves HOST through the resolver (AAAA and A),
//   3. connects to HOST:PORT with dns_connect (Happy Eyeballs v2),
// then prints one JSON summary:
//   {"host":..,"port":..,"interfaces":2,"addresses":["::1","127.0.0.1"],
//    "connected":"127.0.0.1:7070","elapsed_ms":3}
// with "connected":null and "error":"ECONNREFUSED" (say) when a step failed.
//
//   coordinator HOST PORT
//
// Exit codes: 0 connected; 1 a step failed (its error on stderr); 2 usage.
#include "netactors.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <iostream>
#include <string>

using namespace netactors;

namespace {

// Each step's bound; the services have their own timeouts below it.
constexpr auto step_timeout = std::chrono::seconds(10);
constexpr uint32_t service_timeout_ms = 8000;

struct coordinator_state {
  runtime* rt = nullptr;
  std::string host;
  uint16_t port = 0;
  caf::actor report_to;  // gets (exit code, summary JSON, error text)
  resolver_actor resolver;
  std::chrono::steady_clock::time_point started;
  nlohmann::ordered_json summary;
  static inline const char* name = "coordinator";
};

using coordinator_actor = caf::stateful_actor<coordinator_state>;

caf::actor handle_of(coordinator_actor* self) {
  return caf::actor_cast<caf::actor>(self);
}

void finish(coordinator_actor* self, const caf::error& err) {
  auto& st = self->state;
  st.summary["elapsed_ms"] =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - st.started)
          .count();
  if (err) st.summary["error"] = error_name(err);
  self->send(st.report_to, err ? 1 : 0, st.summary.dump(),
             err ? to_net_error(err).to_string() : std::string{});
  self->quit();  // the resolver and dns_connect end with us
}

// 3. Happy Eyeballs: the winning connection is ours (we are its owner).
void connect(coordinator_actor* self) {
  auto& st = self->state;
  dns_connect_to req;
  req.host = st.host;
  req.port = st.port;
  req.timeout_ms = service_timeout_ms;
  auto connector = spawn_dns_connect(*st.rt, handle_of(self), st.resolver);
  self->request(connector, step_timeout, req)
      .then(
          [self](tcp_connection_actor& conn, dns_connect_report& report) {
            self->state.summary["connected"] = report.connected;
            self->send(conn, tcp_close{});
            finish(self, {});
          },
          [self](caf::error& err) { finish(self, err); });
}

// 2. The name, both families, as dns_connect will look it up.
void resolve(coordinator_actor* self) {
  auto& st = self->state;
  st.resolver = spawn_resolver(*st.rt, handle_of(self));
  dns_lookup query;
  query.host = st.host;
  query.socktype = "stream";
  query.timeout_ms = service_timeout_ms;
  self->request(st.resolver, step_timeout, query)
      .then(
          [self](dns_addresses& found) {
            for (auto& a : found.addresses)
              self->state.summary["addresses"].push_back(a.address.address());
            connect(self);
          },
          [self](caf::error& err) { finish(self, err); });
}

// 1. The interfaces.
void ask_interfaces(coordinator_actor* self) {
  auto interfaces = spawn_interfaces(*self->state.rt);
  self->request(interfaces, step_timeout, interfaces_query{})
      .then(
          [self](interface_report& report) {
            self->state.summary["interfaces"] = report.interfaces.size();
            resolve(self);
          },
          [self](caf::error& err) { finish(self, err); });
}

caf::behavior coordinator(coordinator_actor* self, runtime* rt,
                          std::string host, uint16_t port, caf::actor report_to) {
  auto& st = self->state;
  st.rt = rt;
  st.host = host;
  st.port = port;
  st.report_to = std::move(report_to);
  st.started = std::chrono::steady_clock::now();
  st.summary = {{"host", host},
                {"port", port},
                {"interfaces", nullptr},
                {"addresses", nlohmann::ordered_json::array()},
                {"connected", nullptr}};
  ask_interfaces(self);
  // As the connection's owner we get its events; we only close it.
  return {
    [](tcp_connection_opened&) {},
    [](tcp_received&) {},
    [](tcp_backpressure&) {},
    [](tcp_read_closed&) {},
    [](tcp_connection_closed&) {},
  };
}

int usage(const std::string& why) {
  std::cerr << "coordinator: " << why << "\nusage: coordinator HOST PORT\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string{argv[1]} == "--help") {
    std::cout << "usage: coordinator HOST PORT\n";
    return 0;
  }
  if (argc != 3) return usage("expected HOST and PORT");
  auto port = net::parse_port(argv[2]);
  if (!port || *port == 0)
    return usage(std::string{"PORT must be 1..65535, not "} + argv[2]);
  caf::actor_system_config cfg;
  cfg.set("logger.verbosity", caf::atom("quiet"));
  runtime rt{cfg};  // registers the message types
  caf::scoped_actor self{rt.system()};
  rt.system().spawn(coordinator, &rt, std::string{argv[1]}, *port,
                    caf::actor_cast<caf::actor>(self));
  int exit_code = 1;
  // Every step is bounded, so the answer comes; this only guards a hang.
  self->receive(
      [&](int code, std::string& summary, std::string& error) {
        std::cout << summary << std::endl;
        if (code != 0) std::cerr << "coordinator: " << error << "\n";
        exit_code = code;
      },
      caf::after(4 * step_timeout) >> [] {
        std::cerr << "coordinator: no answer from the coordinator actor\n";
      });
  return exit_code;
}
