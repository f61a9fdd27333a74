// dhcp_discover: finds the DHCP servers on one interface (DISCOVER, every
// OFFER within the timeout) and, with --request, takes the first offer
// (REQUEST, ACK or NAK). Prints a readable summary or, with --json, one JSON
// object. Exit code 0 when an offer came, 1 when none came before the
// timeout, 2 on an error (its name on stderr).
#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

#include "actors/dhcp/dhcp_discovery.hpp"
#include "actors/dhcp/uv_dhcp_io.hpp"
#include "actors/messages/messages.hpp"
#include "actors/messages/untrusted_text.hpp"
#include "actors/core/runtime.hpp"
#include "actors/node/remote_service.hpp"
#include "apps/cli.hpp"
#include "apps/node_cli.hpp"

using namespace netactors;

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? "none" : out;
}

nlohmann::ordered_json to_output_json(const dhcp_discovery_done& done,
                                      bool requested) {
  nlohmann::ordered_json offers = nlohmann::ordered_json::array();
  for (auto& o : done.offers)
    offers.push_back({{"server_id", o.server_id},
                      {"your_ip", o.your_ip},
                      {"subnet_mask", o.subnet_mask},
                      {"routers", o.routers},
                      {"dns", o.dns},
                      {"lease_seconds", o.lease_seconds}});
  nlohmann::ordered_json ack = nullptr;
  if (requested && !done.ack.type.empty()) {
    ack = {{"type", done.ack.type},
           {"server_id", done.ack.server_id},
           {"your_ip", done.ack.your_ip},
           {"lease_seconds", done.ack.lease_seconds}};
    // The server's own words: any bytes, escaped (untrusted_text.hpp).
    if (!done.ack.message.empty())
      ack["message"] = escape_text(done.ack.message);
  }
  return {{"interface", escape_text(done.interface)},
          {"mac", done.mac},
          {"xid", done.xid},
          {"offers", offers},
          {"offers_dropped", done.offers_dropped},
          {"ack", ack}};
}

std::string to_summary(const dhcp_discovery_done& done, bool requested) {
  std::ostringstream out;
  char xid[16];
  std::snprintf(xid, sizeof xid, "0x%08x", done.xid);
  // Only the interface name and a NAK's message are text from outside
  // (addresses are formatted here); both are escaped, so a server cannot
  // write escape codes or a forged line of its own to the terminal.
  out << "interface " << escape_text(done.interface) << " (" << done.mac
      << "), xid " << xid << ": " << done.offers.size()
      << (done.offers.size() == 1 ? " offer" : " offers");
  if (done.offers_dropped > 0)
    out << " (and " << done.offers_dropped << " more not kept)";
  out << "\n";
  for (auto& o : done.offers)
    out << "  offer from " << o.server_id << " (via " << o.source.to_string()
        << "): " << o.your_ip << " mask " << o.subnet_mask << ", routers "
        << join(o.routers) << ", dns " << join(o.dns) << ", lease "
        << o.lease_seconds << " s\n";
  if (requested) {
    if (done.ack.type.empty())
      out << "  no ACK or NAK\n";
    else if (done.ack.type == "ack")
      out << "  ack from " << done.ack.server_id << ": " << done.ack.your_ip
          << ", lease " << done.ack.lease_seconds << " s\n";
    else
      out << "  nak from " << done.ack.server_id
          << (done.ack.message.empty() ? "" : ": " + escape_text(done.ack.message))
          << "\n";
  }
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::string interface;
  uint64_t timeout_s = 10;
  bool request = false;
  bool json = false;
  apps::cli cli{
      "dhcp_discover",
      "Broadcasts a DHCPDISCOVER on --interface (from 0.0.0.0:68, so it needs "
      "root) and reports every\nOFFER for it within --timeout; with --request "
      "it then requests the first offer and reports\nthe ACK or NAK. With "
      "--json, stdout is one object:\n"
      "{\"interface\",\"mac\",\"xid\",\"offers\":[{\"server_id\",\"your_ip\","
      "\"subnet_mask\",\"routers\",\"dns\",\"lease_seconds\"}],\n"
      "\"offers_dropped\",\"ack\":null|{\"type\":\"ack\"|\"nak\",\"server_id\","
      "\"your_ip\",\"lease_seconds\"[,\"message\"]}}.\n"
      "A server's message and the interface name show bytes that are not "
      "printable UTF-8 (and \\) as \\xNN.\n"
      "Exit code 0 when an offer came, 1 when none came, 2 on an error "
      "(named on stderr).\nWith --node the node discovers on its own "
      "interface IF, with the same output; exit 1 when the node goes away "
      "or cannot be reached (the error names it)."};
  cli.value("interface", "IF", "the interface to discover on (required)",
            apps::parse_string(&interface));
  cli.value("timeout", "S", "seconds to wait in all (default 10)",
            apps::parse_uint(&timeout_s, 1, 3600));
  cli.flag("request", "request the first offer (DHCPREQUEST)", &request);
  cli.flag("json", "print one JSON object", &json);
  apps::node_flags node;
  apps::add_node_flags(cli, &node, false);
  if (auto rc = cli.parse(argc, argv)) return *rc;
  if (auto why = apps::check_node_flags(node); !why.empty()) {
    std::cerr << "dhcp_discover: " << why << "\n(try --help)\n";
    return 2;
  }
  if (interface.empty()) {
    std::cerr << "dhcp_discover: --interface is required\n" << cli.usage();
    return 2;
  }

  dhcp_discovery_config config;
  config.interface = interface;
  config.request = request;
  config.timeout = std::chrono::seconds(timeout_s);
  config.offer_window = std::min<std::chrono::milliseconds>(
      std::chrono::seconds(1), config.timeout);

  caf::actor_system_config cfg;
  add_message_types(cfg);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  if (node.given)
    if (auto why = prepare_node_config(cfg, apps::node_link_of(node));
        !why.empty()) {
      std::cerr << "dhcp_discover: " << why << "\n";
      return 2;
    }
  dhcp_discovery_done done;
  bool finished = false;
  if (node.given) {
    // The node runs the discovery on its interface and answers with its
    // dhcp_discovery_done; a node that goes away or cannot be reached, or
    // refuses the job, is exit 1 with the error naming it.
    runtime rt{cfg, runtime_options{1, false}};
    auto& sys = rt.system();
    caf::scoped_actor self{sys};
    auto rcfg = apps::remote_config(node, "jobs");
    auto bound = config.timeout + std::chrono::seconds(15);
    rcfg.request_timeout = bound;
    auto jobs = spawn_remote_service(sys, std::move(rcfg));
    int rc = -1;
    self->request(jobs, bound + std::chrono::seconds(5),
                  node_dhcp_discover{
                      interface, request,
                      static_cast<uint32_t>(config.timeout.count()),
                      static_cast<uint32_t>(config.offer_window.count())})
        .receive(
            [&](dhcp_discovery_done& d) {
              done = std::move(d);
              finished = true;
            },
            [&](caf::error& err) {
              std::cerr << "dhcp_discover: " << to_net_error(err).to_string()
                        << "\n";
              rc = 1;
            });
    self->send_exit(jobs, caf::exit_reason::user_shutdown);
    if (rc >= 0) return rc;
  } else {
    runtime rt{cfg, 1};
    caf::scoped_actor self{rt.system()};
    auto discovery = spawn_dhcp_discovery(rt.loop_at(0), self, config);
    // The actor ends by its own timeout; the margin only guards against a
    // bug hanging the app.
    bool waiting = true;
    self->receive_while(waiting)(
        [](dhcp_offer&) {},  // reported again in dhcp_discovery_done
        [&](dhcp_discovery_done& d) {
          done = std::move(d);
          finished = true;
          waiting = false;
        },
        caf::after(config.timeout + std::chrono::seconds(10)) >>
            [&] { waiting = false; });
    if (!finished)
      self->send_exit(discovery.address(), caf::exit_reason::user_shutdown);
  }
  if (!finished) {
    std::cerr << "dhcp_discover: ETIMEDOUT: the discovery did not finish\n";
    return 2;
  }
  if (done.error) {
    std::cerr << "dhcp_discover: " << done.error.to_string() << "\n";
    return 2;
  }
  if (json)
    std::cout << to_output_json(done, request).dump() << std::endl;
  else
    std::cout << to_summary(done, request);
  return done.offers.empty() ? 1 : 0;
}
