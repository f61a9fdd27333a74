// echo_client: sends stdin lines, or generated messages over several
// connections, to an echo server; verifies every echoed byte and prints a
// JSON summary. Exit code 1 on any mismatch or error.
#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <new>
#include <random>

#include "actors/echo/echo.hpp"
#include "actors/messages/messages.hpp"
#include "actors/node/node_jobs.hpp"
#include "actors/core/runtime.hpp"
#include "actors/node/remote_service.hpp"
#include "actors/tcp/tcp_connection.hpp"
#include "apps/cli.hpp"
#include "apps/node_cli.hpp"

using namespace netactors;

namespace {

uint32_t percentile(std::vector<uint32_t>& v, double p) {
  if (v.empty()) return 0;
  auto idx = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(idx), v.end());
  return v[idx];
}

// A message goes out as one write, and one write may queue at most the
// connection's write queue limit: larger sizes are refused up front.
const uint64_t max_size = tcp_connection_options{}.write_queue_limit;

// With --node each session is one job of the node (node_jobs.hpp), which
// runs at most node_jobs_limits{}.max_jobs at once.
const uint64_t max_node_sessions = node_jobs_limits{}.max_jobs;

// With --node: asks the node's jobs (through the stand-in) to run `job`
// there and passes the result to `reply_to` as a local session would; an
// error (the node went away, cannot be reached, refused the job) becomes
// the result's error, named on stderr.
caf::behavior node_session(caf::event_based_actor* self, caf::actor jobs,
                           caf::actor reply_to, node_echo_client job) {
  self->request(jobs, caf::infinite, std::move(job))
      .then(
          [self, reply_to](echo_client_result& r) {
            self->send(reply_to, std::move(r));
          },
          [self, reply_to](caf::error& err) {
            echo_client_result r;
            r.error = to_net_error(err).to_string();
            std::cerr << "echo_client: " << r.error << std::endl;
            self->send(reply_to, std::move(r));
          });
  return {};
}

int run(int argc, char** argv);

}  // namespace

int main(int argc, char** argv) {
  // Messages are generated and kept in memory: too many too large ones end
  // in bad_alloc, which is an error to report, not an abort.
  try {
    return run(argc, argv);
  } catch (const std::bad_alloc&) {
    std::cerr << "echo_client: out of memory (--count × --size bytes are "
                 "generated and kept in memory; ask for fewer or smaller "
                 "messages)\n";
    return 1;
  }
}

namespace {

int run(int argc, char** argv) {
  std::string connect = "127.0.0.1:7000";
  uint64_t count = 0;
  uint64_t size = 64;
  uint64_t concurrency = 1;
  uint64_t loops = 1;
  uint64_t timeout_ms = 5000;
  uint64_t deadline_s = 300;
  apps::cli cli{"echo_client",
                "Without --count: sends each stdin line, prints each verified "
                "echo, then a JSON summary.\nWith --count N: sends N generated "
                "messages of --size bytes over --concurrency connections "
                "(ping-pong), then a JSON summary:\n"
                "{\"messages\",\"bytes\",\"mismatches\",\"errors\",\"p50_us\","
                "\"p99_us\"}. Exit code 1 on any mismatch or error.\n"
                "With --node the node connects and runs the sessions, with "
                "the same output; a node that goes away or cannot be reached "
                "is an error (named on stderr and in error_names)."};
  auto server = *net::endpoint::parse(connect);
  cli.value("connect", "HOST:PORT", "echo server (default 127.0.0.1:7000)",
            apps::parse_endpoint(&server));
  cli.value("count", "N", "generated messages in all (default: stdin mode)",
            apps::parse_uint(&count, 1, 100000000));
  cli.value("size", "B",
            "bytes per generated message (default 64, at most " +
                std::to_string(max_size) + ")",
            [&](const std::string& text) -> std::string {
              auto err = apps::parse_uint(&size, 1, UINT64_MAX - 1)(text);
              if (!err.empty()) return err;
              if (size > max_size)
                return text + " bytes is more than one write may queue (" +
                       std::to_string(max_size) +
                       " bytes, the connection's write queue limit)";
              return "";
            });
  cli.value("concurrency", "C", "connections (default 1)",
            apps::parse_uint(&concurrency, 1, 10000));
  cli.value("loops", "N", "libuv loop threads (default 1)",
            apps::parse_uint(&loops, 1, 64));
  cli.value("timeout", "MS", "connect timeout in ms (default 5000)",
            apps::parse_uint(&timeout_ms, 1, 3600000));
  cli.value("deadline", "S",
            "give up on sessions that have not finished after S seconds "
            "(default 300)",
            apps::parse_uint(&deadline_s, 1, 86400));
  apps::node_flags node;
  apps::add_node_flags(cli, &node, false);
  if (auto rc = cli.parse(argc, argv)) return *rc;
  if (auto why = apps::check_node_flags(node); !why.empty()) {
    std::cerr << "echo_client: " << why << "\n(try --help)\n";
    return 2;
  }
  if (node.given && std::min(concurrency, count == 0 ? 1 : count) >
                        max_node_sessions) {
    std::cerr << "echo_client: with --node at most " << max_node_sessions
              << " connections (a node runs at most that many jobs at "
                 "once)\n(try --help)\n";
    return 2;
  }
  if (node.given && deadline_s * 1000 > node_jobs_limits{}.max_job_ms) {
    std::cerr << "echo_client: with --node --deadline is at most "
              << node_jobs_limits{}.max_job_ms / 1000
              << " s (the longest job a node runs)\n(try --help)\n";
    return 2;
  }
  std::vector<echo_client_job> jobs;
  bool stdin_mode = count == 0;
  if (stdin_mode) {
    echo_client_job job;
    for (std::string line; std::getline(std::cin, line);)
      job.messages.push_back(line + "\n");
    jobs.push_back(std::move(job));
  } else {
    concurrency = std::min(concurrency, count);
    std::mt19937_64 rng{std::random_device{}()};
    jobs.resize(concurrency);
    for (uint64_t i = 0; i < count; ++i) {
      std::string msg(size, '\0');
      // Eight random bytes per draw: 16 MiB messages come quickly.
      for (size_t at = 0; at < size; at += 8) {
        auto r = rng();
        std::memcpy(&msg[at], &r, std::min<size_t>(8, size - at));
      }
      jobs[i % concurrency].messages.push_back(std::move(msg));
    }
  }
  caf::actor_system_config cfg;
  add_message_types(cfg);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  if (node.given)
    if (auto why = prepare_node_config(cfg, apps::node_link_of(node));
        !why.empty()) {
      std::cerr << "echo_client: " << why << "\n";
      return 2;
    }
  echo_client_result total;
  uint64_t errors = 0;
  std::vector<std::string> error_names;
  uint64_t expected = 0;
  for (auto& j : jobs) expected += j.messages.size();
  {
    runtime rt{cfg, runtime_options{loops, false}};
    auto& sys = rt.system();
    caf::scoped_actor self{sys};
    std::vector<caf::actor> sessions;
    caf::actor node_jobs;  // with --node: the stand-in for the node's jobs
    if (node.given) {
      auto rcfg = apps::remote_config(node, "jobs");
      // The node ends a session at the deadline itself; this only reclaims
      // a request the node neither answers nor is seen to leave.
      rcfg.request_timeout =
          std::chrono::seconds(deadline_s) + std::chrono::seconds(10);
      node_jobs = spawn_remote_service(sys, std::move(rcfg));
    }
    for (auto& job : jobs) {
      job.server = server;
      job.connect_timeout_ms = static_cast<uint32_t>(timeout_ms);
      // Generated messages move to their session (no second copy); stdin
      // lines are printed back at the end.
      if (node.given) {
        node_echo_client remote{job.server,
                                stdin_mode ? job.messages
                                           : std::move(job.messages),
                                job.connect_timeout_ms,
                                static_cast<uint32_t>(deadline_s * 1000)};
        sessions.push_back(sys.spawn(node_session, node_jobs,
                                     caf::actor_cast<caf::actor>(self),
                                     std::move(remote)));
      } else {
        sessions.push_back(
            spawn_echo_client(rt, self, stdin_mode ? job : std::move(job)));
      }
    }
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::seconds(deadline_s);
    for (size_t i = 0; i < sessions.size(); ++i) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      bool timed_out = false;
      self->receive(
          [&](echo_client_result& r) {
        total.messages += r.messages;
        total.bytes += r.bytes;
        total.mismatches += r.mismatches;
        total.round_trip_us.insert(total.round_trip_us.end(),
                                   r.round_trip_us.begin(),
                                   r.round_trip_us.end());
        if (!r.error.empty()) {
          ++errors;
          error_names.push_back(r.error);
        }
          },
          caf::after(std::max(left, std::chrono::milliseconds{0})) >> [&] {
            timed_out = true;
          });
      if (timed_out) {
        auto unfinished = jobs.size() - i;
        errors += unfinished;
        error_names.push_back(std::to_string(unfinished) +
                              " sessions unfinished at the deadline");
        // End the stragglers; the runtime waits for every actor.
        for (auto& session : sessions)
          self->send_exit(session, caf::exit_reason::user_shutdown);
        break;
      }
    }
    if (node_jobs) self->send_exit(node_jobs, caf::exit_reason::user_shutdown);
  }
  if (stdin_mode && total.mismatches == 0)
    for (size_t i = 0; i < total.messages; ++i) std::cout << jobs[0].messages[i];
  nlohmann::ordered_json summary{
      {"connections", jobs.size()},
      {"messages", total.messages},
      {"bytes", total.bytes},
      {"mismatches", total.mismatches},
      {"errors", errors},
      {"p50_us", percentile(total.round_trip_us, 0.50)},
      {"p99_us", percentile(total.round_trip_us, 0.99)}};
  if (!error_names.empty()) summary["error_names"] = error_names;
  std::cout << summary.dump() << std::endl;
  return total.mismatches == 0 && errors == 0 && total.messages == expected ? 0
                                                                            : 1;
}

}  // namespace
