#!/usr/bin/env bash
# Echo benchmark: a server under test against tools/ref_echo_server (the libuv
# book's echo server), side by side on 127.0.0.1, server pinned to CPU 0 and
# tools/loadgen to CPU 1. Prints a table of medians; --json-out writes every
# run and the summary. See tools/bench_README.md. Exits 1 if any run saw an
# error, a mismatch or a server that did not exit 0 on SIGTERM.
set -euo pipefail

usage() {
  cat >&2 <<'EOF'
usage: tools/bench.sh [options]
  --server CMD        server under test (default: <bazel-bin>/apps/echo_server
                      --listen 127.0.0.1:0); must print {"event":"listening",
                      ...,"port":N} as its first stdout line, exit 0 on SIGTERM
  --ref CMD           reference (default: <bazel-bin>/tools/ref_echo_server
                      --listen 127.0.0.1:0)
  --rounds N          runs per scenario and server; the median is shown (3)
  --duration S        measured seconds per run; idle: seconds held (3)
  --warmup S          unmeasured seconds before each run (1)
  --scenarios LIST    comma-separated subset of:
                      pp1,pp50,pp500,pipe,bulk16k,connect_storm,idle (all)
  --idle-connections N  connections held by the idle scenario (2000)
  --json-out FILE     also write runs and summary as JSON
  --no-build          do not run bazel build first
  --bazel CMD         bazel command (default: bazel), e.g.
                      "bazel --output_base=/tmp/bazel-bench"
  --bin DIR           where the binaries are (default: bazel info -c opt
                      bazel-bin)
EOF
  exit 2
}

server_cmd=""
ref_cmd=""
rounds=3
duration=3
warmup=1
scenarios="pp1,pp50,pp500,pipe,bulk16k,connect_storm,idle"
idle_connections=2000
json_out=""
build=1
bazel_cmd="bazel"
bin_dir=""

while [ $# -gt 0 ]; do
  case "$1" in
    --server) server_cmd="$2"; shift 2 ;;
    --ref) ref_cmd="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --scenarios) scenarios="$2"; shift 2 ;;
    --idle-connections) idle_connections="$2"; shift 2 ;;
    --json-out) json_out="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --bazel) bazel_cmd="$2"; shift 2 ;;
    --bin) bin_dir="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "bench.sh: unknown option $1" >&2; usage ;;
  esac
done

cd "$(dirname "$0")/.."
read -ra bazel_argv <<< "$bazel_cmd"

if [ "$build" = 1 ]; then
  targets=(//tools:all)
  [ -z "$server_cmd" ] && targets+=(//apps:echo_server)
  # --symlink_prefix=/ leaves the workspace's bazel-* links alone: others may
  # be building in this checkout with another configuration.
  "${bazel_argv[@]}" build -c opt --symlink_prefix=/ "${targets[@]}"
fi
if [ -z "$bin_dir" ]; then
  bin_dir="$("${bazel_argv[@]}" info -c opt bazel-bin 2>/dev/null)"
fi
loadgen="$bin_dir/tools/loadgen"
[ -n "$server_cmd" ] || server_cmd="$bin_dir/apps/echo_server --listen 127.0.0.1:0"
[ -n "$ref_cmd" ] || ref_cmd="$bin_dir/tools/ref_echo_server --listen 127.0.0.1:0"
[ -x "$loadgen" ] || { echo "bench.sh: no loadgen at $loadgen" >&2; exit 1; }

# Every idle connection is a descriptor in the server and one in loadgen.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] &&
   [ "$(ulimit -n)" -lt $((idle_connections + 64)) ]; then
  echo "bench.sh: ulimit -n is $(ulimit -n), idle needs $((idle_connections + 64))" >&2
  exit 1
fi

pin_server=(taskset -c 0)
pin_loadgen=(taskset -c 1)
if ! command -v taskset >/dev/null || [ "$(nproc)" -lt 2 ]; then
  echo "bench.sh: warning: cannot pin to CPUs 0 and 1; running unpinned" >&2
  pin_server=()
  pin_loadgen=()
fi

logs="$(mktemp -d /tmp/bench.XXXXXX)"
results="$logs/runs.jsonl"
: > "$results"
server_pid=""
server_exit=0
loadgen_pid=""

stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$server_pid" 2>/dev/null; then
    echo "bench.sh: server $server_pid ignored SIGTERM for 5 s; killing" >&2
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  server_exit=0
  wait "$server_pid" 2>/dev/null || server_exit=$?
  server_pid=""
}
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  [ -z "$loadgen_pid" ] || kill -TERM "$loadgen_pid" 2>/dev/null || true
  stop_server
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Prints the loadgen flags of a scenario.
scenario_args() {
  case "$1" in
    pp1) echo "--mode pingpong --connections 1" ;;
    pp50) echo "--mode pingpong --connections 50" ;;
    pp500) echo "--mode pingpong --connections 500" ;;
    pipe) echo "--mode pipeline --connections 50 --depth 16" ;;
    bulk16k) echo "--mode bulk --connections 4 --size 16384" ;;
    connect_storm) echo "--mode connect_storm --connections 16" ;;
    idle) echo "--mode idle --connections $idle_connections" ;;
    *) echo "bench.sh: unknown scenario $1" >&2; exit 2 ;;
  esac
}

# run_one ROUND SCENARIO LABEL CMD: one server, one loadgen run, one line of
# $results.
run_one() {
  local round="$1" scen="$2" label="$3" cmd="$4"
  local base="$logs/$scen.$label.$round"
  local -a argv
  read -ra argv <<< "$cmd"
  "${pin_server[@]}" "${argv[@]}" > "$base.server.out" 2> "$base.server.err" &
  server_pid=$!
  local port=""
  for _ in $(seq 100); do
    port="$(sed -n '1s/.*"port":[[:space:]]*\([0-9][0-9]*\).*/\1/p' \
      "$base.server.out")"
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  local loadgen_exit=0 line
  if [ -z "$port" ]; then
    echo "bench.sh: $label server printed no port: $cmd" >&2
    tail -5 "$base.server.err" >&2 || true
    loadgen_exit=-1
    line='{"errors":1,"mismatches":0,"first_error":"server did not start"}'
  else
    # In the background so that a signal to this script is handled at once
    # (bash runs traps only between foreground commands).
    # shellcheck disable=SC2046
    "${pin_loadgen[@]}" "$loadgen" --connect "127.0.0.1:$port" \
      $(scenario_args "$scen") --duration "$duration" --warmup "$warmup" \
      --server-pid "$server_pid" > "$base.loadgen.json" \
      2> "$base.loadgen.err" &
    loadgen_pid=$!
    wait "$loadgen_pid" || loadgen_exit=$?
    loadgen_pid=""
    line="$(head -1 "$base.loadgen.json")"
    [ -n "$line" ] ||
      line='{"errors":1,"mismatches":0,"first_error":"loadgen printed nothing"}'
    if [ "$loadgen_exit" != 0 ]; then
      sed 's/^/  loadgen: /' "$base.loadgen.err" | head -5 >&2
    fi
  fi
  stop_server
  local tags="\"scenario\":\"$scen\",\"server\":\"$label\",\"round\":$round"
  tags+=",\"loadgen_exit\":$loadgen_exit,\"server_exit\":$server_exit"
  echo "{$tags,${line#\{}" >> "$results"
  printf '  round %s %-13s %-4s %s\n' "$round" "$scen" "$label" \
    "$(echo "$line" | sed -n \
      's/.*"msgs_per_sec":\([^,]*\).*"p99_us":\([^,]*\).*/\1 msgs\/s, p99 \2 us/p')" \
    >&2
}

IFS=, read -ra scenario_list <<< "$scenarios"
for s in "${scenario_list[@]}"; do scenario_args "$s" > /dev/null; done
echo "bench.sh: ours = $server_cmd" >&2
echo "bench.sh: ref  = $ref_cmd" >&2
echo "bench.sh: logs in $logs" >&2
for round in $(seq "$rounds"); do
  for scen in "${scenario_list[@]}"; do
    # Alternate who goes first: drift in machine load hits both alike.
    if [ $((round % 2)) = 1 ]; then
      run_one "$round" "$scen" ours "$server_cmd"
      run_one "$round" "$scen" ref "$ref_cmd"
    else
      run_one "$round" "$scen" ref "$ref_cmd"
      run_one "$round" "$scen" ours "$server_cmd"
    fi
  done
done

# Medians per scenario and server, printed as a table and as JSON.
summary="$logs/summary.txt"
awk -v order="$scenarios" -v json="$logs/summary.json" '
function field(line, key,   i, s) {
  i = index(line, "\"" key "\":")
  if (i == 0) return ""
  s = substr(line, i + length(key) + 3)
  match(s, /^[^,}]*/)
  s = substr(s, 1, RLENGTH)
  gsub(/"/, "", s)
  return s
}
function median(list,   n, v, i, j, t) {
  n = split(list, v, " ")
  if (n == 0) return ""
  for (i = 2; i <= n; i++)
    for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
      t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
    }
  return n % 2 ? v[(n + 1) / 2] + 0 : (v[n / 2] + v[n / 2 + 1]) / 2
}
function fmt(x, digits) {
  if (x == "") return "-"
  return sprintf("%." digits "f", x)
}
function ratio(a, b) {
  if (a == "" || b == "" || b + 0 == 0) return ""
  return a / b
}
function jnum(x) { return x == "" ? "null" : x }
function pair(key, digits) {
  return fmt(m["ours", key], digits) "|" fmt(m["ref", key], digits)
}
BEGIN {
  nk = split("msgs_per_sec mb_per_sec p50_us p99_us server_cpu_us_per_msg " \
    "rss_kib_per_conn server_cpu_pct loadgen_cpu_pct", keys, " ")
}
{
  id = field($0, "scenario") SUBSEP field($0, "server")
  sr = field($0, "scenario") SUBSEP field($0, "round")
  who = field($0, "server")
  rate[sr, who] = field($0, "msgs_per_sec")
  cpu[sr, who] = field($0, "server_cpu_us_per_msg")
  rounds[sr] = 1
  for (k = 1; k <= nk; k++) {
    v = field($0, keys[k])
    if (v != "") vals[id, keys[k]] = vals[id, keys[k]] " " v
  }
  bad = field($0, "errors") + field($0, "mismatches")
  if (field($0, "server_exit") + 0 != 0) bad++
  if (field($0, "loadgen_exit") + 0 != 0 && bad == 0) bad++
  errs[id] += bad
  total_errs += bad
}
END {
  printf "%-13s %10s %10s %5s %13s %11s %13s %14s %5s %12s %5s\n",
    "scenario", "ours msg/s", "ref msg/s", "o/r", "MB/s o|r", "p50us o|r",
    "p99us o|r", "cpu us/msg o|r", "o/r", "KiB/idle o|r", "errs"
  n = split(order, scen, ",")
  printf "[" > json
  for (i = 1; i <= n; i++) {
    s = scen[i]
    for (w = 1; w <= 2; w++) {
      who = w == 1 ? "ours" : "ref"
      for (k = 1; k <= nk; k++)
        m[who, keys[k]] = median(vals[s SUBSEP who, keys[k]])
    }
    # Ratios are taken per round, where ours and ref ran back to back under
    # the same background load, and then the median of those is shown.
    rl = ""; cl = ""
    for (p in rounds) {
      split(p, parts, SUBSEP)
      if (parts[1] != s) continue
      x = ratio(rate[p, "ours"], rate[p, "ref"]); if (x != "") rl = rl " " x
      x = ratio(cpu[p, "ours"], cpu[p, "ref"]); if (x != "") cl = cl " " x
    }
    r = median(rl)
    rc = median(cl)
    printf "%-13s %10s %10s %5s %13s %11s %13s %14s %5s %12s %5s\n", s,
      fmt(m["ours", "msgs_per_sec"], 0), fmt(m["ref", "msgs_per_sec"], 0),
      fmt(r, 2),
      pair("mb_per_sec", 1), pair("p50_us", 0), pair("p99_us", 0),
      pair("server_cpu_us_per_msg", 2), fmt(rc, 2),
      pair("rss_kib_per_conn", 2),
      (errs[s SUBSEP "ours"] + 0) "|" (errs[s SUBSEP "ref"] + 0)
    printf "%s{\"scenario\":\"%s\",\"ratio_msgs_per_sec\":%s," \
      "\"ratio_server_cpu_us_per_msg\":%s", (i > 1 ? "," : ""), s, jnum(r),
      jnum(rc) > json
    for (w = 1; w <= 2; w++) {
      who = w == 1 ? "ours" : "ref"
      printf ",\"%s\":{\"errors\":%d", who, errs[s SUBSEP who] + 0 > json
      for (k = 1; k <= nk; k++)
        printf ",\"%s\":%s", keys[k], jnum(m[who, keys[k]]) > json
      printf "}" > json
    }
    printf "}" > json
  }
  printf "]\n" > json
  exit (total_errs > 0 ? 1 : 0)
}' "$results" > "$summary" && status=0 || status=$?
cat "$summary"

if [ -n "$json_out" ]; then
  {
    config='{"config":{"server":"%s","ref":"%s","rounds":%s,"duration":%s,'
    config+='"warmup":%s,"idle_connections":%s},\n'
    # shellcheck disable=SC2059
    printf "$config" \
      "$(printf '%s' "$server_cmd" | sed 's/["\\]/\\&/g')" \
      "$(printf '%s' "$ref_cmd" | sed 's/["\\]/\\&/g')" \
      "$rounds" "$duration" "$warmup" "$idle_connections"
    printf '"summary":'
    cat "$logs/summary.json"
    printf ',"runs":[\n'
    sed '$!s/$/,/' "$results"
    printf ']}\n'
  } > "$json_out"
  echo "bench.sh: wrote $json_out" >&2
fi
if [ "$status" != 0 ]; then
  echo "bench.sh: some runs had errors; see $logs" >&2
fi
exit "$status"
