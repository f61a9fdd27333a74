// interfaces: the host's network interfaces, from the interface actor.
// A table by default; --json for one JSON document; --watch for one JSON line
// per change (netlink on Linux, polling with --poll) until SIGINT/SIGTERM.
#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "actors/interfaces/interfaces.hpp"
#include "actors/log/line_sink.hpp"
#include "actors/messages/messages.hpp"
#include "actors/messages/untrusted_text.hpp"
#include "actors/core/runtime.hpp"
#include "actors/node/remote_service.hpp"
#include "actors/core/stop_signals.hpp"
#include "apps/cli.hpp"
#include "apps/node_cli.hpp"

using namespace netactors;

namespace {

using ojson = nlohmann::ordered_json;

ojson address_json(const interface_address& a) {
  return ojson{{"family", a.family},
               {"address", a.address},
               {"netmask", a.netmask},
               {"prefix", a.prefix}};
}

ojson addresses_json(const std::vector<interface_address>& list) {
  auto out = ojson::array();
  for (auto& a : list) out.push_back(address_json(a));
  return out;
}

// The --json form: exactly name, mac, internal and addresses.
std::string report_json(const std::vector<interface_info>& interfaces) {
  auto list = ojson::array();
  for (auto& i : interfaces)
    list.push_back(ojson{{"name", escape_text(i.name)},
                         {"mac", i.mac},
                         {"internal", i.internal},
                         {"addresses", addresses_json(i.addresses)}});
  return ojson{{"interfaces", list}}.dump();
}

// In --watch lines an interface also shows its index and link state.
ojson interface_json(const interface_info& i) {
  return ojson{{"name", escape_text(i.name)}, {"index", i.index},
               {"mac", i.mac},           {"internal", i.internal},
               {"up", i.up},             {"running", i.running},
               {"addresses", addresses_json(i.addresses)}};
}

std::string event_json(const interface_event& e) {
  ojson line{{"event", to_string(e.kind)}};
  switch (e.kind) {
    case interface_event_kind::address_added:
    case interface_event_kind::address_removed:
      line["interface"] = escape_text(e.interface.name);
      line["address"] = address_json(e.address);
      break;
    case interface_event_kind::interface_changed:
      line["interface"] = interface_json(e.interface);
      line["previous"] = interface_json(e.previous);
      break;
    case interface_event_kind::interface_added:
    case interface_event_kind::interface_removed:
      line["interface"] = interface_json(e.interface);
      break;
  }
  return line.dump();
}

std::string state_of(const interface_info& i) {
  std::string s = i.up ? "up" : "down";
  if (i.up) s += i.running ? ",running" : ",no-carrier";
  if (i.internal) s += ",loopback";
  return s;
}

std::string address_text(const interface_address& a) {
  auto s = a.address + "/" + std::to_string(a.prefix);
  if (a.scope_id != 0) s += " (scope " + std::to_string(a.scope_id) + ")";
  return s;
}

void print_table(std::ostream& out, const std::vector<interface_info>& interfaces) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"NAME", "INDEX", "STATE", "MAC", "ADDRESSES"});
  for (auto& i : interfaces) {
    std::vector<std::string> first{escape_text(i.name), std::to_string(i.index), state_of(i), i.mac,
                                   i.addresses.empty() ? "-" : address_text(i.addresses[0])};
    rows.push_back(first);
    for (size_t k = 1; k < i.addresses.size(); ++k)
      rows.push_back({"", "", "", "", address_text(i.addresses[k])});
  }
  std::vector<size_t> width(5, 0);
  for (auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  for (auto& r : rows) {
    std::string line;
    for (size_t c = 0; c < r.size(); ++c) {
      line += r[c];
      if (c + 1 < r.size()) line += std::string(width[c] - r[c].size() + 2, ' ');
    }
    out << line << "\n";
  }
  out << std::flush;
}

// Stops main's sigwait: a process-directed signal, which the blocked threads
// leave pending for it.
void stop_main() { ::kill(::getpid(), SIGTERM); }

// Subscribes and prints one JSON line per change through a bounded sink (a
// reader that stops reading costs dropped lines, counted, never memory or a
// hang). A failed subscription, or a watch that ended, sets *exit_code and
// stops main.
caf::behavior watch_printer(caf::event_based_actor* self,
                            interfaces_actor target,
                            std::atomic<int>* exit_code,
                            std::shared_ptr<line_sink> out) {
  self->request(target, caf::infinite, interfaces_subscribe{})
      .then(
          [](interface_report&) {
            std::cerr << "interfaces: watching for changes" << std::endl;
          },
          [exit_code](caf::error& err) {
            std::cerr << "interfaces: cannot watch: " << to_net_error(err).to_string()
                      << std::endl;
            exit_code->store(1);
            stop_main();
          });
  return {
    [out, exit_code](interfaces_changed& ev) {
      // Names are escaped, so nothing here should throw; if anything does,
      // say so and stop instead of letting the printer die with the event.
      try {
        for (auto& e : ev.events) out->write_line(event_json(e));
      } catch (const std::exception& ex) {
        std::cerr << "interfaces: cannot print a change: " << ex.what() << std::endl;
        exit_code->store(1);
        stop_main();
      }
    },
    [exit_code](interfaces_watch_failed& f) {
      std::cerr << "interfaces: " << (f.ended ? "watching failed: " : "reading interfaces failed: ")
                << f.reason.to_string() << std::endl;
      if (!f.ended) return;
      // No change would ever be reported again: say so with the exit code.
      exit_code->store(1);
      stop_main();
    },
  };
}

}  // namespace

int main(int argc, char** argv) {
  bool json = false;
  bool watch = false;
  uint64_t poll_ms = 0;
  apps::cli cli{"interfaces",
                "Lists the network interfaces: a table, or with --json\n"
                "{\"interfaces\":[{\"name\",\"mac\",\"internal\",\"addresses\":"
                "[{\"family\",\"address\",\"netmask\",\"prefix\"}]}]}.\n"
                "--watch prints one JSON line per change "
                "({\"event\":\"address_added\",...}) until SIGINT/SIGTERM (exit 0),\n"
                "or until the watch breaks (exit 1)."};
  cli.flag("json", "print the interfaces as one JSON document", &json);
  cli.flag("watch", "print changes as JSON lines until interrupted", &watch);
  cli.value("poll", "MS",
            "with --watch: poll every MS ms instead of listening to netlink",
            apps::parse_uint(&poll_ms, 1, 3600000));
  uint64_t netlink_buffer = 0;
  cli.value("netlink-buffer", "BYTES",
            "with --watch: the netlink socket's receive buffer (SO_RCVBUF; "
            "default: the system's). A burst of changes that overflows it "
            "costs a fresh read of every interface, never a change",
            apps::parse_uint(&netlink_buffer, 1, 1 << 30));
  apps::node_flags node;
  apps::add_node_flags(cli, &node, false);
  if (auto rc = cli.parse(argc, argv)) return *rc;
  if (auto why = apps::check_node_flags(node); !why.empty()) {
    std::cerr << "interfaces: " << why << "\n(try --help)\n";
    return 2;
  }
  // The options that say how this host watches: each needs --watch, and
  // with --node the node watches its own interfaces.
  for (auto [flag, given] : {std::pair{"--poll", poll_ms != 0},
                             std::pair{"--netlink-buffer", netlink_buffer != 0}}) {
    if (given && node.given) {
      std::cerr << "interfaces: " << flag << " sets how this host watches; with "
                << "--node the node watches its own interfaces\n(try --help)\n";
      return 2;
    }
    if (given && !watch) {
      std::cerr << "interfaces: " << flag << " needs --watch\n" << cli.usage();
      return 2;
    }
  }
  if (netlink_buffer != 0 && poll_ms != 0) {
    std::cerr << "interfaces: --netlink-buffer and --poll exclude each other\n"
              << cli.usage();
    return 2;
  }
  if (json && watch) {
    std::cerr << "interfaces: --json and --watch exclude each other\n" << cli.usage();
    return 2;
  }
  block_stop_signals();  // before any thread starts
  caf::actor_system_config cfg;
  add_message_types(cfg);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  if (node.given)
    if (auto why = prepare_node_config(cfg, apps::node_link_of(node));
        !why.empty()) {
      std::cerr << "interfaces: " << why << "\n";
      return 2;
    }
  std::atomic<int> exit_code{0};
  std::shared_ptr<line_sink> sink;
  {
    runtime rt{cfg, runtime_options{1, false}};
    auto& sys = rt.system();
    net::interface_watch_options options;
    if (poll_ms != 0) {
      options.use = net::interface_watch_options::method::polling;
      options.poll_interval_ms = poll_ms;
    }
    if (netlink_buffer != 0) {
      // Asked for netlink: a socket that cannot be opened as asked is an
      // error, not a silent fall back to polling.
      options.use = net::interface_watch_options::method::netlink;
      options.netlink_receive_buffer = static_cast<int>(netlink_buffer);
    }
    // With --node the node's interface actor answers, through a local
    // stand-in that fails the request (or ends the watch) if the node goes.
    // The stand-in speaks the interface actor's protocol (it passes every
    // message on unchanged), so it is used through the same typed handle.
    auto actor = node.given
                     ? caf::actor_cast<interfaces_actor>(spawn_remote_service(
                           sys, for_interfaces(apps::remote_config(
                                    node, "interfaces"))))
                     : spawn_interfaces(rt, options);
    caf::scoped_actor self{sys};
    if (watch) {
      sink = std::make_shared<line_sink>(STDOUT_FILENO);
      auto printer = sys.spawn(watch_printer, actor, &exit_code, sink);
      wait_for_stop_signal();
      self->send_exit(printer, caf::exit_reason::user_shutdown);
    } else {
      self->request(actor, caf::infinite, interfaces_query{})
          .receive(
              [&](interface_report& r) {
                if (json)
                  std::cout << report_json(r.interfaces) << std::endl;
                else
                  print_table(std::cout, r.interfaces);
              },
              [&](caf::error& err) {
                std::cerr << "interfaces: " << to_net_error(err).to_string() << "\n";
                exit_code.store(1);
              });
    }
    self->send_exit(actor, caf::exit_reason::user_shutdown);
  }
  if (sink) sink->close();
  return exit_code.load();
}
