#!/usr/bin/env bash
# Checks that netactors works as a dependency of another workspace, exactly as
# README's "Using netactors from your workspace" says: a scratch workspace in
# a temp dir whose WORKSPACE has local_repository(name = "netactors") plus
# netactors_dependencies(), and one cc_binary that depends only on
# @netactors//:netactors and includes only "netactors.hpp". The program starts
# a runtime, an echo server on 127.0.0.1:0 and an echo client, and prints
# "ok" after one verified round trip. Built with no flags at all (not even
# this repository's .bazelrc, which a consumer does not get), in its own
# output base; the shared disk cache in ~/.bazelrc, if any, still applies.
#
#   tools/check_external_workspace.sh     exit 0 when the program printed ok
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/netactors-consumer.XXXXXX")"
ws="$work/ws"
base="$work/output_base"
log="$work/build.log"
cleanup() {
  bazel --output_base="$base" shutdown >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$ws"
cat >"$ws/WORKSPACE" <<WS
workspace(name = "consumer")

local_repository(
    name = "netactors",
    path = "$root",
)

load("@netactors//:repositories.bzl", "netactors_dependencies")

netactors_dependencies()
WS

cat >"$ws/BUILD" <<'BUILD_FILE'
load("@netactors//:defs.bzl", "NETACTORS_COPTS")

cc_binary(
    name = "consumer",
    srcs = ["main.cpp"],
    copts = NETACTORS_COPTS,
    deps = ["@netactors//:netactors"],
)
BUILD_FILE

cat >"$ws/main.cpp" <<'MAIN'
// A program outside netactors: an echo server and one client round trip.
#include "netactors.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <iostream>
#include <optional>

int main() {
  caf::actor_system_config cfg;
  netactors::add_message_types(cfg);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  int rc = 1;
  {
    netactors::runtime rt{cfg, 1};
    auto echo = rt.loop_at(0).spawn(netactors::echo_handler, caf::actor{});
    netactors::tcp_connection_handler handler;
    handler.actor = echo;
    auto listener = netactors::spawn_tcp_listener(rt, handler);
    caf::scoped_actor self{rt.system()};
    std::optional<net::endpoint> server;
    self->request(listener, caf::infinite,
                  netactors::tcp_listen{*net::endpoint::parse("127.0.0.1:0")})
        .receive([&](netactors::tcp_listening& ok) { server = ok.address; },
                 [&](caf::error& e) {
                   std::cerr << "listen: " << rt.system().render(e) << "\n";
                 });
    if (server) {
      netactors::spawn_echo_client(
          rt, netactors::echo_client_job{*server, {"hello, netactors"}, 5000},
          caf::actor_cast<caf::actor>(self));
      // Only a guard against hanging the suite; a round trip takes ms.
      self->receive(
          [&](netactors::echo_client_result& r) {
            if (r.error.empty() && r.mismatches == 0 && r.messages == 1)
              rc = 0;
            else
              std::cerr << "echo: error '" << r.error << "', " << r.messages
                        << " messages, " << r.mismatches << " mismatches\n";
          },
          caf::after(std::chrono::seconds(120)) >>
              [] { std::cerr << "echo: no result after 120 s\n"; });
    }
    self->send_exit(listener, caf::exit_reason::user_shutdown);
    self->send_exit(echo, caf::exit_reason::user_shutdown);
  }
  if (rc == 0) std::cout << "ok" << std::endl;
  return rc;
}
MAIN

echo "check_external_workspace: building $ws against $root" >&2
cd "$ws"
if ! bazel --output_base="$base" build //:consumer >"$log" 2>&1; then
  grep -v 'linux-sandbox' "$log" | tail -40 >&2
  echo "check_external_workspace: FAILED to build the consumer workspace" >&2
  exit 1
fi
out="$(./bazel-bin/consumer)"
rc=$?
if [ "$rc" -ne 0 ] || [ "$out" != "ok" ]; then
  echo "check_external_workspace: FAILED: consumer exited $rc, printed '$out'" >&2
  exit 1
fi
echo "check_external_workspace: ok" >&2
