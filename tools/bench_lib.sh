# shellcheck shell=bash disable=SC2034,SC2154  # globals shared with the caller
# tools/bench_lib.sh: what tools/bench.sh and tools/soak.sh share. Sourced,
# not run. The caller sets `me` (its name, for messages) and uses
# `set -euo pipefail`; nothing here may fail under it without saying why.

# The options every benchmark takes, with their defaults: the servers, where
# the binaries come from, where the JSON goes.
bench_common_defaults() {
  server_cmd=""
  ref_cmd=""
  epoll_cmd=""
  json_out=""
  build=1
  bazel_cmd="bazel"
  bin_dir=""
}

# bench_common_option ARGS...: when $1 is one of the common options
# (--server, --ref, --epoll, --json-out, --no-build, --bazel, --bin), sets
# its variable and bench_shift to the words it took; otherwise bench_shift=0.
# --epoll CMD also turns the epoll column on.
bench_common_option() {
  bench_shift=2
  case "$1" in
    --server) server_cmd="${2-}" ;;
    --ref) ref_cmd="${2-}" ;;
    --epoll) epoll_cmd="${2-}"; with_epoll=1 ;;
    --json-out) json_out="${2-}" ;;
    --bazel) bazel_cmd="${2-}" ;;
    --bin) bin_dir="${2-}" ;;
    --no-build) build=0; bench_shift=1 ;;
    *) bench_shift=0 ;;
  esac
  if [ "$bench_shift" -eq 2 ] && [ $# -lt 2 ]; then
    echo "$me: $1 wants a value" >&2
    exit 2
  fi
}

# bench_binaries BUILD BAZEL_CMD SERVER_CMD: builds //tools:all (and
# //apps:echo_server if SERVER_CMD, the --server option, is empty) with -c opt
# unless BUILD is 0, then sets bin_dir from `bazel info` unless it is already
# set. --symlink_prefix=/ leaves the workspace's bazel-* links alone: others
# may be building in this checkout with another configuration.
bench_binaries() {
  local build="$1" server_cmd="$3"
  local -a bazel_argv targets=(//tools:all)
  read -ra bazel_argv <<< "$2"
  if [ "$build" = 1 ]; then
    [ -n "$server_cmd" ] || targets+=(//apps:echo_server)
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

# bench_servers OURS REF EPOLL WITH_EPOLL: sets loadgen, labels (ours ref,
# and epoll if WITH_EPOLL is 1) and cmd_of[label]. An empty command means
# that server from bin_dir, listening on 127.0.0.1:0.
bench_servers() {
  loadgen="$bin_dir/tools/loadgen"
  [ -x "$loadgen" ] || { echo "$me: no loadgen at $loadgen" >&2; return 1; }
  labels=(ours ref)
  declare -gA cmd_of=(
    [ours]="${1:-$bin_dir/apps/echo_server --listen 127.0.0.1:0}"
    [ref]="${2:-$bin_dir/tools/ref_echo_server --listen 127.0.0.1:0}"
  )
  if [ "$4" = 1 ]; then
    labels+=(epoll)
    cmd_of[epoll]="${3:-$bin_dir/tools/epoll_echo_server --listen 127.0.0.1:0}"
  fi
  local label
  for label in "${labels[@]}"; do
    printf '%s: %-5s = %s\n' "$me" "$label" "${cmd_of[$label]}" >&2
  done
}

# bench_start_run STOP_SECONDS: makes the logs directory /tmp/$me.XXXXXX
# (sets logs, and results = its runs.jsonl) and makes sure that loadgen and
# the server are stopped (the server given STOP_SECONDS) however the script
# ends.
bench_start_run() {
  logs="$(mktemp -d "/tmp/${me%.sh}.XXXXXX")"
  results="$logs/runs.jsonl"
  : > "$results"
  server_pid=""
  server_exit=0
  loadgen_pid=""
  bench_stop_seconds="$1"
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  echo "$me: logs in $logs" >&2
}

# shellcheck disable=SC2317  # called by the EXIT trap
bench_cleanup() {
  [ -z "$loadgen_pid" ] || kill -TERM "$loadgen_pid" 2>/dev/null || true
  bench_stop_server "$bench_stop_seconds"
}

# json_str TEXT: TEXT with " and \ escaped, for a JSON string.
json_str() {
  printf '%s' "$1" | sed 's/["\\]/\\&/g'
}
