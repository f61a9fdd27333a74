# shellcheck shell=bash disable=SC2034,SC2154  # globals shared with the caller
# tools/bench_lib.sh: what tools/bench.sh and tools/soak.sh share. Sourced,
# not run. The caller sets `me` (its name, for messages) and uses
# `set -euo pipefail`; nothing here may fail under it without saying why.

# bench_binaries BUILD BAZEL_CMD NEED_ECHO_SERVER: builds //tools:all (and
# //apps:echo_server if NEED_ECHO_SERVER is 1) with -c opt unless BUILD is 0,
# then sets bin_dir from `bazel info` unless it is already set.
# --symlink_prefix=/ leaves the workspace's bazel-* links alone: others may be
# building in this checkout with another configuration.
bench_binaries() {
  local build="$1" need_echo_server="$3"
  local -a bazel_argv targets=(//tools:all)
  read -ra bazel_argv <<< "$2"
  if [ "$build" = 1 ]; then
    [ "$need_echo_server" = 1 ] && targets+=(//apps:echo_server)
    "${bazel_argv[@]}" build -c opt --symlink_prefix=/ "${targets[@]}"
  fi
  if [ -z "${bin_dir:-}" ]; then
    bin_dir="$("${bazel_argv[@]}" info -c opt bazel-bin 2>/dev/null)"
  fi
}

# bench_pinning: sets pin_server (CPU 0) and pin_loadgen (CPU 1), or leaves
# both empty with a warning where that is impossible.
bench_pinning() {
  pin_server=(taskset -c 0)
  pin_loadgen=(taskset -c 1)
  if ! command -v taskset >/dev/null || [ "$(nproc)" -lt 2 ]; then
    echo "$me: warning: cannot pin to CPUs 0 and 1; running unpinned" >&2
    pin_server=()
    pin_loadgen=()
  fi
}

# bench_wait_port FILE PID SECONDS: prints the port of the first line of FILE,
# {"event":"listening",...,"port":N}, once that line is complete. Fails if PID
# exits first or SECONDS pass. FILE may not exist yet: the server's shell
# creates it, and it may not have run yet on a loaded machine.
bench_wait_port() {
  local file="$1" pid="$2" deadline=$((SECONDS + $3)) line
  while [ "$SECONDS" -le "$deadline" ]; do
    # read succeeds only on a whole line, so a half-written port never counts.
    if [ -e "$file" ] && IFS= read -r line < "$file" &&
       [[ $line =~ \"port\":[[:space:]]*([0-9]+)[^0-9] ]]; then
      echo "${BASH_REMATCH[1]}"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# bench_start_server CMD BASE: starts CMD (split on whitespace) pinned to CPU
# 0, stdout to BASE.server.out and stderr to BASE.server.err; sets server_pid,
# and server_port (empty, with the reason on stderr, if it printed none within
# 30 s).
bench_start_server() {
  local cmd="$1" base="$2"
  local -a argv
  read -ra argv <<< "$cmd"
  "${pin_server[@]}" "${argv[@]}" > "$base.server.out" 2> "$base.server.err" &
  server_pid=$!
  server_port="$(bench_wait_port "$base.server.out" "$server_pid" 30)" ||
    server_port=""
  if [ -z "$server_port" ]; then
    echo "$me: server printed no port: $cmd" >&2
    tail -5 "$base.server.err" >&2 || true
  fi
}

# bench_stop_server [SECONDS]: SIGTERM to server_pid, SIGKILL if it is still
# there after SECONDS (5); sets server_exit (137 after SIGKILL) and clears
# server_pid. Does nothing without a server.
bench_stop_server() {
  local limit="${1:-5}"
  server_exit=0
  [ -n "${server_pid:-}" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  local deadline=$((SECONDS + limit))
  while kill -0 "$server_pid" 2>/dev/null && [ "$SECONDS" -le "$deadline" ]; do
    sleep 0.05
  done
  if kill -0 "$server_pid" 2>/dev/null; then
    echo "$me: server $server_pid ignored SIGTERM for $limit s; killing" >&2
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  wait "$server_pid" 2>/dev/null || server_exit=$?
  server_pid=""
}

# bench_raise_nofile NEEDED: raises ulimit -n to the hard limit; fails if that
# is still below NEEDED.
bench_raise_nofile() {
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$1" ]; then
    echo "$me: ulimit -n is $(ulimit -n), this run needs $1" >&2
    return 1
  fi
}
