#!/usr/bin/env bash
# Soak benchmark (issue #7): memory and shutdown under sustained load, a
# server under test against tools/ref_echo_server (and, with --with-epoll,
# tools/epoll_echo_server) in the same run, on 127.0.0.1, server pinned to
# CPU 0 and tools/loadgen to CPU 1, as tools/bench.sh does. Scenarios:
#   bulk        200 clients stream 64 KiB writes and read every echo
#   never_read  100 clients send a 64 KiB chunk every 10 ms and never read
#   churn       batches of 1000 connections opened and closed, 100,000 in all
#   sigterm     SIGTERM during bulk load: time to exit and exit code
# loadgen kills a server whose RSS passes --rss-cap-mib; its rows then say
# "over cap". Prints a table and whether each target is met; --json-out
# writes every run and the summary. See tools/bench_README.md. A benchmark:
# exits 1 only on errors (a server that does not start, a loadgen error or
# mismatch, a server that fails outside the sigterm scenario), never on a
# missed target.
set -euo pipefail
me=soak.sh
# shellcheck source=tools/bench_lib.sh
source "$(dirname "$0")/bench_lib.sh"

usage() {
  cat >&2 <<'EOF'
usage: tools/soak.sh [options]
  --server CMD          server under test (default: <bazel-bin>/apps/echo_server
                        --listen 127.0.0.1:0 --loops 1); must print
                        {"event":"listening",...,"port":N} as its first stdout
                        line
  --ref CMD             reference (default: <bazel-bin>/tools/ref_echo_server
                        --listen 127.0.0.1:0)
  --with-epoll          add tools/epoll_echo_server as a third column
  --epoll CMD           that server's command (implies --with-epoll)
  --scenarios LIST      comma-separated subset of bulk,never_read,churn,sigterm
                        (all)
  --duration S          bulk: measured seconds (15)
  --bulk-clients N      bulk: connections (200)
  --nr-duration S       never_read: measured seconds (10)
  --nr-clients N        never_read: connections (100)
  --interval-ms MS      never_read: one 64 KiB chunk per connection per MS (10)
  --churn-total N       churn: connections in all (100000)
  --churn-batch N       churn: connections open at once (1000)
  --churn-warmup N      churn: connections before the warm-up sample (10000)
  --churn-limit S       churn: time bound in seconds (120)
  --sigterm-after S     sigterm: seconds of load before SIGTERM (3)
  --rss-cap-mib N       kill a server whose RSS passes N MiB (4096)
  --high-water-kib N    the server's write high-water mark, for the
                        never_read target (1024)
  --read-buffer-kib N   the server's read buffer, for that target (64)
  --read-window-kib N   bytes the server may read past the high-water mark
                        (its documented read window), for that target (0)
  --json-out FILE       also write runs and summary as JSON
  --no-build            do not run bazel build first
  --bazel CMD           bazel command (default: bazel)
  --bin DIR             where the binaries are (default: bazel info -c opt
                        bazel-bin)
EOF
  exit 2
}

with_epoll=0
scenarios="bulk,never_read,churn,sigterm"
duration=15
bulk_clients=200
nr_duration=10
nr_clients=100
interval_ms=10
churn_total=100000
churn_batch=1000
churn_warmup=10000
churn_limit=120
sigterm_after=3
rss_cap_mib=4096
high_water_kib=1024
read_buffer_kib=64
read_window_kib=0

bench_common_defaults
while [ $# -gt 0 ]; do
  bench_common_option "$@"
  if [ "$bench_shift" -gt 0 ]; then shift "$bench_shift"; continue; fi
  case "$1" in
    --with-epoll) with_epoll=1; shift ;;
    --scenarios) scenarios="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --bulk-clients) bulk_clients="$2"; shift 2 ;;
    --nr-duration) nr_duration="$2"; shift 2 ;;
    --nr-clients) nr_clients="$2"; shift 2 ;;
    --interval-ms) interval_ms="$2"; shift 2 ;;
    --churn-total) churn_total="$2"; shift 2 ;;
    --churn-batch) churn_batch="$2"; shift 2 ;;
    --churn-warmup) churn_warmup="$2"; shift 2 ;;
    --churn-limit) churn_limit="$2"; shift 2 ;;
    --sigterm-after) sigterm_after="$2"; shift 2 ;;
    --rss-cap-mib) rss_cap_mib="$2"; shift 2 ;;
    --high-water-kib) high_water_kib="$2"; shift 2 ;;
    --read-buffer-kib) read_buffer_kib="$2"; shift 2 ;;
    --read-window-kib) read_window_kib="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "soak.sh: unknown option $1" >&2; usage ;;
  esac
done

# Whole numbers only: they go into shell arithmetic and loadgen flags.
for v in duration bulk_clients nr_duration nr_clients interval_ms churn_total \
         churn_batch churn_warmup churn_limit sigterm_after rss_cap_mib \
         high_water_kib read_buffer_kib read_window_kib; do
  [[ ${!v} =~ ^[0-9]+$ ]] || {
    echo "soak.sh: --${v//_/-} wants a whole number, got '${!v}'" >&2
    usage
  }
done
IFS=, read -ra scenario_list <<< "$scenarios"
for s in "${scenario_list[@]}"; do
  case "$s" in
    bulk|never_read|churn|sigterm) ;;
    *) echo "soak.sh: unknown scenario $s" >&2; usage ;;
  esac
done

cd "$(dirname "$0")/.."
bench_binaries "$build" "$bazel_cmd" "$server_cmd"
[ -n "$server_cmd" ] ||
  server_cmd="$bin_dir/apps/echo_server --listen 127.0.0.1:0 --loops 1"
bench_servers "$server_cmd" "$ref_cmd" "$epoll_cmd" "$with_epoll"
cap_kib=$((rss_cap_mib * 1024))
bench_raise_nofile $((churn_batch + bulk_clients + 64))
bench_pinning
# A server that held gigabytes may need a while to let go of them.
bench_start_run 10

# Prints the loadgen flags of a scenario. Every run is bounded: loadgen's own
# phases are (connect ≤ 30 s, then warmup + duration; churn ≤ --churn-limit).
scenario_args() {
  case "$1" in
    bulk|sigterm)
      # No window: the clients write as fast as the sockets take it, so only
      # the server's own flow control bounds what it holds.
      local secs="$duration"
      [ "$1" = sigterm ] && secs=$((sigterm_after + 30))
      echo "--mode bulk --connections $bulk_clients --size 65536 --window 0" \
        "--warmup 1 --duration $secs" ;;
    never_read)
      echo "--mode never_read --connections $nr_clients --size 65536" \
        "--interval-ms $interval_ms --warmup 1 --duration $nr_duration" ;;
    churn)
      echo "--mode churn --connections $churn_batch" \
        "--total-connections $churn_total --duration $churn_limit" ;;
  esac
}

# start_loadgen SCENARIO BASE: loadgen against server_pid in the background
# (so that a signal to this script is handled at once); sets loadgen_pid.
start_loadgen() {
  # shellcheck disable=SC2046
  "${pin_loadgen[@]}" "$loadgen" --connect "127.0.0.1:$server_port" \
    $(scenario_args "$1") --server-pid "$server_pid" \
    --rss-cap-kib "$cap_kib" > "$2.loadgen.json" 2> "$2.loadgen.err" &
  loadgen_pid=$!
}

# finish_loadgen BASE: waits for loadgen; sets loadgen_exit and line (its
# JSON, or an error object if it printed none).
finish_loadgen() {
  loadgen_exit=0
  wait "$loadgen_pid" || loadgen_exit=$?
  loadgen_pid=""
  line="$(head -1 "$1.loadgen.json")"
  [ -n "$line" ] ||
    line='{"errors":1,"mismatches":0,"first_error":"loadgen printed nothing"}'
}

# record SCENARIO LABEL EXTRA: one line of $results: loadgen's object with
# the scenario, the server and EXTRA (",key:value..." JSON) added.
record() {
  local tags="\"scenario\":\"$1\",\"server\":\"$2\""
  tags+=",\"loadgen_exit\":$loadgen_exit,\"server_exit\":$server_exit$3"
  echo "{$tags,${line#\{}" >> "$results"
}

# now_us: wall clock in microseconds, without a fork.
now_us() {
  local t="${EPOCHREALTIME/./}"
  echo "$((10#$t))"
}

# run_load SCENARIO LABEL: a fresh server, one loadgen run, SIGTERM.
run_load() {
  local scen="$1" label="$2" base="$logs/$1.$2"
  bench_start_server "${cmd_of[$label]}" "$base"
  if [ -z "$server_port" ]; then
    loadgen_exit=-1
    line='{"errors":1,"mismatches":0,"first_error":"server did not start"}'
  else
    start_loadgen "$scen" "$base"
    finish_loadgen "$base"
  fi
  bench_stop_server "$bench_stop_seconds"
  record "$scen" "$label" ""
  if [ "$loadgen_exit" != 0 ]; then
    head -5 "$base.loadgen.err" 2>/dev/null | sed 's/^/  loadgen: /' >&2 ||
      true
  fi
  echo "  $scen $label done (loadgen exit $loadgen_exit, server exit" \
    "$server_exit)" >&2
}

# run_sigterm LABEL: bulk load, SIGTERM after --sigterm-after seconds, then
# the time until the server is gone and its exit code. It gets 10 s before
# SIGKILL (then "exit" is 137).
run_sigterm() {
  local label="$1" base="$logs/sigterm.$1"
  local exit_ms=null sent=false
  bench_start_server "${cmd_of[$label]}" "$base"
  if [ -z "$server_port" ]; then
    loadgen_exit=-1
    line='{"errors":1,"mismatches":0,"first_error":"server did not start"}'
    server_exit=-1
    record sigterm "$label" ",\"sigterm_sent\":false,\"exit_ms\":null"
    return
  fi
  start_loadgen sigterm "$base"
  local deadline=$((SECONDS + sigterm_after))
  while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$server_pid" 2>/dev/null &&
        kill -0 "$loadgen_pid" 2>/dev/null; do
    sleep 0.05
  done
  server_exit=0
  if kill -0 "$server_pid" 2>/dev/null; then
    local t0 t1
    t0="$(now_us)"
    kill -TERM "$server_pid"
    sent=true
    while kill -0 "$server_pid" 2>/dev/null &&
          [ $(($(now_us) - t0)) -lt 10000000 ]; do
      sleep 0.01
    done
    t1="$(now_us)"
    exit_ms=$(((t1 - t0) / 1000))
    if kill -0 "$server_pid" 2>/dev/null; then
      echo "soak.sh: $label ignored SIGTERM for 10 s; killing" >&2
      kill -KILL "$server_pid" 2>/dev/null || true
      exit_ms=null
    fi
  fi
  # Gone before SIGTERM: loadgen killed it over the cap, or it died.
  wait "$server_pid" 2>/dev/null || server_exit=$?
  server_pid=""
  # Its connections are gone, so loadgen ends within its drain bound; its
  # errors (EOF, ECONNRESET) are the expected end here.
  local waited=0
  while kill -0 "$loadgen_pid" 2>/dev/null && [ "$waited" -lt 200 ]; do
    sleep 0.05
    waited=$((waited + 1))
  done
  kill -TERM "$loadgen_pid" 2>/dev/null || true
  finish_loadgen "$base"
  record sigterm "$label" ",\"sigterm_sent\":$sent,\"exit_ms\":$exit_ms"
  echo "  sigterm $label done (exit $server_exit after ${exit_ms} ms)" >&2
}

echo "soak.sh: RSS cap $rss_cap_mib MiB" >&2
for scen in "${scenario_list[@]}"; do
  for label in "${labels[@]}"; do
    if [ "$scen" = sigterm ]; then
      run_sigterm "$label"
    else
      run_load "$scen" "$label"
    fi
  done
done

config="$(printf '{"labels":"%s","bulk_clients":%s,"duration":%s,' \
  "${labels[*]}" "$bulk_clients" "$duration")"
config+="$(printf '"nr_clients":%s,"nr_duration":%s,"interval_ms":%s,' \
  "$nr_clients" "$nr_duration" "$interval_ms")"
config+="$(printf '"churn_total":%s,"churn_batch":%s,"churn_warmup":%s,' \
  "$churn_total" "$churn_batch" "$churn_warmup")"
config+="$(printf '"churn_limit":%s,"sigterm_after":%s,"rss_cap_mib":%s,' \
  "$churn_limit" "$sigterm_after" "$rss_cap_mib")"
config+="$(printf '"high_water_kib":%s,"read_buffer_kib":%s,' \
  "$high_water_kib" "$read_buffer_kib")"
config+="$(printf '"read_window_kib":%s}' "$read_window_kib")"
status=0
python3 tools/soak_summary.py "$config" "$results" \
  "$logs/summary.json" || status=$?

if [ -n "$json_out" ]; then
  {
    printf '{"config":%s,\n"commands":{' "$config"
    sep=""
    for label in "${labels[@]}"; do
      printf '%s"%s":"%s"' "$sep" "$label" "$(json_str "${cmd_of[$label]}")"
      sep=","
    done
    printf '},\n"summary":'
    cat "$logs/summary.json"
    printf ',"runs":[\n'
    sed '$!s/$/,/' "$results"
    printf ']}\n'
  } > "$json_out"
  echo "soak.sh: wrote $json_out" >&2
fi
if [ "$status" != 0 ]; then
  echo "soak.sh: some runs had errors; see $logs" >&2
fi
exit "$status"
