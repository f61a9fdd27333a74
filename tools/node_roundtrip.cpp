// node_roundtrip: the cost of distribution, measured. One small request
// (interfaces_query answered by a test service with an empty report; no
// netlink read) is timed round trip, one at a time, in three ways in the same
// run: to the service in this actor system (local), to the same service on a
// second actor system of this process over CAF's middleman on 127.0.0.1
// (remote, plain BASP), and through netactors' remote_service stand-in
// (stand-in: one more local hop and its bookkeeping). With --tls-cert,
// --tls-key and --tls-ca (both sides use them) the remote ways run over
// mutual TLS instead. Prints one JSON line per way: requests, mean, p50,
// p99 in microseconds. A benchmark, not a test: it fails only on errors.
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/manager.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "actors/messages/messages.hpp"
#include "actors/node/node_config.hpp"
#include "actors/node/node_directory.hpp"
#include "actors/node/remote_service.hpp"

using namespace netactors;
using clock_type = std::chrono::steady_clock;

namespace {

// Answers interfaces_query with `reply`. (Spawned with an argument: CAF
// 0.17's spawn of a function without arguments binds a null shared_ptr.)
caf::behavior small_service(interface_report reply) {
  return {[reply](interfaces_query) { return reply; }};
}

void configure(caf::actor_system_config& cfg, const node_link& link) {
  add_message_types(cfg);
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  if (auto why = prepare_node_config(cfg, link); !why.empty()) {
    std::cerr << "node_roundtrip: " << why << "\n";
    std::exit(2);
  }
}

void measure(caf::scoped_actor& self, const caf::actor& to, size_t n,
             const std::string& way, bool tls) {
  std::vector<double> us;
  us.reserve(n);
  for (size_t i = 0; i < n + n / 10; ++i) {  // the first tenth warms up
    auto t0 = clock_type::now();
    bool ok = false;
    self->request(to, std::chrono::seconds{10}, interfaces_query{})
        .receive([&](interface_report&) { ok = true; },
                 [&](caf::error& err) {
                   std::cerr << "node_roundtrip: " << way << ": "
                             << self->system().render(err) << "\n";
                 });
    if (!ok) std::exit(1);
    if (i >= n / 10)
      us.push_back(std::chrono::duration<double, std::micro>(
                       clock_type::now() - t0)
                       .count());
  }
  std::sort(us.begin(), us.end());
  double sum = 0;
  for (auto x : us) sum += x;
  std::cout << nlohmann::ordered_json{
                   {"bench", "node_roundtrip"},
                   {"way", way},
                   {"transport", way == "local" ? "none" : tls ? "tls" : "basp"},
                   {"requests", us.size()},
                   {"mean_us", sum / us.size()},
                   {"p50_us", us[us.size() / 2]},
                   {"p99_us", us[us.size() * 99 / 100]}}
                   .dump()
            << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 20000;
  node_link link;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "node_roundtrip: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--requests") {
      n = std::strtoul(next().c_str(), nullptr, 10);
    } else if (a == "--tls-cert" || a == "--tls-key" || a == "--tls-ca") {
      if (!link.tls) link.tls = node_tls{};
      (a == "--tls-cert" ? link.tls->certificate
       : a == "--tls-key" ? link.tls->key
                          : link.tls->ca) = next();
    } else {
      std::cerr << "usage: node_roundtrip [--requests N] [--tls-cert FILE "
                   "--tls-key FILE --tls-ca FILE]\n";
      return 2;
    }
  }
  if (n < 10) n = 10;
  bool tls = link.tls.has_value();
  caf::actor_system_config node_cfg;
  configure(node_cfg, link);
  caf::actor_system node{node_cfg};
  auto service = node.spawn(small_service, interface_report{});
  auto directory = spawn_node_directory(node, {{"small", service}});
  auto port = publish_node(node, directory,
                           *net::endpoint::from_ip("127.0.0.1", 0), tls);
  if (!port) {
    std::cerr << "node_roundtrip: " << node.render(port.error()) << "\n";
    return 1;
  }
  caf::actor_system_config asker_cfg;
  configure(asker_cfg, link);
  caf::actor_system asker{asker_cfg};
  caf::scoped_actor self{asker};
  // The same service, local to the asker.
  auto local = asker.spawn(small_service, interface_report{});
  measure(self, local, n, "local", tls);
  // The service's handle over the middleman, asked directly.
  caf::actor remote;
  auto mm = tls ? asker.openssl_manager().actor_handle()
                : asker.middleman().actor_handle();
  self->request(mm, std::chrono::seconds{10}, caf::connect_atom::value,
                std::string{"127.0.0.1"}, *port)
      .receive(
          [&](caf::node_id&, caf::strong_actor_ptr& dir,
              std::set<std::string>&) {
            self->request(caf::actor_cast<caf::actor>(dir),
                          std::chrono::seconds{10}, node_service_request{"small"})
                .receive([&](caf::actor& s) { remote = s; },
                         [&](caf::error&) {});
          },
          [&](caf::error& err) {
            std::cerr << "node_roundtrip: " << asker.render(err) << "\n";
          });
  if (!remote) return 1;
  measure(self, remote, n, "remote", tls);
  remote_service_config rc;
  rc.host = "127.0.0.1";
  rc.port = *port;
  rc.tls = tls;
  rc.service = "small";
  auto stand_in = spawn_remote_service(asker, rc);
  measure(self, stand_in, n, "stand-in", tls);
  for (auto& a : {local, stand_in}) caf::anon_send_exit(a, caf::exit_reason::kill);
  for (auto& a : {service, directory}) caf::anon_send_exit(a, caf::exit_reason::kill);
  return 0;
}
