#!/usr/bin/env bash
# Checks that netactors works as a dependency of another workspace, exactly as
# README's "Using netactors from your workspace" says: a scratch workspace in
# a temp dir whose WORKSPACE has local_repository(name = "netactors") plus
# netactors_dependencies(), and one cc_binary that depends only on
# @netactors//:netactors and includes only "netactors.hpp". The program starts
# a runtime, an echo server on 127.0.0.1:0 and an echo client, and prints
# "ok" after one verified round trip. The example programs (examples/*.cpp)
# are copied in and built there too, with the same one dependency: proof that
# they use the public target only. Built with no flags at all (not even
# this repository's .bazelrc, which a consumer does not get), in its own
# output base under /tmp; the disk cache in ~/.bazelrc, if any, applies.
#
#   tools/check_external_workspace.sh     exit 0 when the program printed ok
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# One scratch directory per checkout: the workspace is written afresh each
# run; the output base is kept between runs (like the fuzzers', a separate
# output base under /tmp) so a second run only rebuilds what changed.
key="$(printf '%s' "$root" | sha1sum | cut -c1-10)"
work="${TMPDIR:-/tmp}/netactors-consumer-$key"
ws="$work/ws"
base="$work/output_base"
log="$work/build.log"
# The Bazel server must not outlive the check.
trap 'bazel --output_base="$base" shutdown >/dev/null 2>&1 || true' EXIT

rm -rf "$ws"
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

# netactors' examples, built exactly as a consumer would build them.
[cc_binary(
    name = name,
    srcs = [name + ".cpp"],
    copts = NETACTORS_COPTS,
    deps = ["@netactors//:netactors"],
) for name in ["chat_server", "coordinator"]]
BUILD_FILE
cp "$root/examples/chat_server.cpp" "$root/examples/coordinator.cpp" "$ws/"

cat >"$ws/main.cpp" <<'MAIN'
// A program outside netactors: an echo server and one client round trip.
#include "netactors.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <iostream>
#include <optional>
#include <vector>

int main() {
  caf::actor_system_config cfg;
  netactors::add_message_types(cfg);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  int rc = 1;
  {
    // As in README's "Using the actors": one echo handler per loop, each
    // connection owned by its loop's handler.
    netactors::runtime rt{cfg, 2};
    std::vector<caf::actor> handlers;
    for (size_t i = 0; i < rt.loop_count(); ++i)
      handlers.push_back(
          rt.loop_at(i).spawn(netactors::echo_handler, caf::actor{}));
    netactors::tcp_connection_handler handler;
    handler.factory = [&rt, handlers](netactors::loop_context& ctx) {
      for (size_t i = 0; i < rt.loop_count(); ++i)
        if (&rt.loop_at(i) == &ctx) return handlers[i];
      return caf::actor{};
    };
    netactors::tcp_listener_actor listener =
        netactors::spawn_tcp_listener(rt, handler);
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
          rt, caf::actor_cast<caf::actor>(self),
          netactors::echo_client_job{*server, {"hello, netactors"}, 5000});
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
    for (auto& h : handlers) self->send_exit(h, caf::exit_reason::user_shutdown);
  }
  if (rc == 0) std::cout << "ok" << std::endl;
  return rc;
}
MAIN

echo "check_external_workspace: building $ws against $root" >&2
cd "$ws"
# Run at a lower priority (tools/test.sh runs this under nice 19), the
# build must stay there. But Bazel's server starts a session of its own, so
# with the scheduler's autogroups (on by default in Debian's kernel) it and
# its compilers share an autogroup at nice 0, and our own nice value counts
# only inside our autogroup: the build would take half of the CPU from
# whatever else runs. So the server's autogroup gets our nice value.
own_nice="$(ps -o ni= -p $$ | tr -d ' ')"
if [ "${own_nice:-0}" -gt 0 ]; then
  server_pid="$(bazel --output_base="$base" info server_pid 2>/dev/null)"
  if [ -n "$server_pid" ] && [ -w "/proc/$server_pid/autogroup" ]; then
    echo "$own_nice" >"/proc/$server_pid/autogroup" 2>/dev/null || true
  fi
fi
if ! bazel --output_base="$base" build //:consumer //:chat_server //:coordinator \
    >"$log" 2>&1; then
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
