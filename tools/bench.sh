#!/usr/bin/env bash
# Echo benchmark: a server under test against two references side by side on
# 127.0.0.1: tools/ref_echo_server (the libuv book's echo server) and
# tools/epoll_echo_server (raw epoll, the machine's limit); server pinned to
# CPU 0 and tools/loadgen to CPU 1. Prints a table of medians; --json-out
# writes every run and the summary. See tools/bench_README.md. Exits 1 if any
# run saw an error, a mismatch or a server that did not exit 0 on SIGTERM.
set -euo pipefail
me=bench.sh
# shellcheck source=tools/bench_lib.sh
source "$(dirname "$0")/bench_lib.sh"

usage() {
  cat >&2 <<'EOF'
usage: tools/bench.sh [options]
  --server CMD        server under test (default: <bazel-bin>/apps/echo_server
                      --listen 127.0.0.1:0); must print {"event":"listening",
                      ...,"port":N} as its first stdout line, exit 0 on SIGTERM
  --ref CMD           reference (default: <bazel-bin>/tools/ref_echo_server
                      --listen 127.0.0.1:0)
  --epoll CMD         second reference, the machine's limit (default:
                      <bazel-bin>/tools/epoll_echo_server --listen 127.0.0.1:0)
  --no-epoll          leave the epoll column out (a third shorter run)
  --rounds N          runs per scenario and server; the median is shown (3)
  --duration S        measured seconds per run; idle: seconds held (3)
  --warmup S          unmeasured seconds before each run (1)
  --scenarios LIST    comma-separated subset of:
                      pp1,pp50,pp500,pipe,bulk16k,bulk200,connect_storm,
                      idle (all)
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

with_epoll=1
rounds=3
duration=3
warmup=1
scenarios="pp1,pp50,pp500,pipe,bulk16k,bulk200,connect_storm,idle"
idle_connections=2000

bench_common_defaults
while [ $# -gt 0 ]; do
  bench_common_option "$@"
  if [ "$bench_shift" -gt 0 ]; then shift "$bench_shift"; continue; fi
  case "$1" in
    --no-epoll) with_epoll=0; shift ;;
    --rounds) rounds="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --scenarios) scenarios="$2"; shift 2 ;;
    --idle-connections) idle_connections="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "bench.sh: unknown option $1" >&2; usage ;;
  esac
done

# Prints the loadgen flags of a scenario.
scenario_args() {
  case "$1" in
    pp1) echo "--mode pingpong --connections 1" ;;
    pp50) echo "--mode pingpong --connections 50" ;;
    pp500) echo "--mode pingpong --connections 500" ;;
    pipe) echo "--mode pipeline --connections 50 --depth 16" ;;
    bulk16k) echo "--mode bulk --connections 4 --size 16384" ;;
    bulk200) echo "--mode bulk --connections 200 --size 65536" ;;
    connect_storm) echo "--mode connect_storm --connections 16" ;;
    idle) echo "--mode idle --connections $idle_connections" ;;
    *) echo "bench.sh: unknown scenario $1" >&2; exit 2 ;;
  esac
}

cd "$(dirname "$0")/.."
IFS=, read -ra scenario_list <<< "$scenarios"
for s in "${scenario_list[@]}"; do scenario_args "$s" > /dev/null; done

bench_binaries "$build" "$bazel_cmd" "$server_cmd"
bench_servers "$server_cmd" "$ref_cmd" "$epoll_cmd" "$with_epoll"
# Every idle connection is a descriptor in the server and one in loadgen.
bench_raise_nofile $((idle_connections + 64))
bench_pinning
bench_start_run 5

# run_one ROUND SCENARIO LABEL CMD: one server, one loadgen run, one line of
# $results.
run_one() {
  local round="$1" scen="$2" label="$3" cmd="$4"
  local base="$logs/$scen.$label.$round"
  bench_start_server "$cmd" "$base"
  local port="$server_port" loadgen_exit=0 line
  if [ -z "$port" ]; then
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
      head -5 "$base.loadgen.err" | sed 's/^/  loadgen: /' >&2 || true
    fi
  fi
  bench_stop_server 5
  local tags="\"scenario\":\"$scen\",\"server\":\"$label\",\"round\":$round"
  tags+=",\"loadgen_exit\":$loadgen_exit,\"server_exit\":$server_exit"
  echo "{$tags,${line#\{}" >> "$results"
  printf '  round %s %-13s %-5s %s\n' "$round" "$scen" "$label" \
    "$(echo "$line" | sed -n \
      's/.*"msgs_per_sec":\([^,]*\).*"p99_us":\([^,]*\).*/\1 msgs\/s, p99 \2 us/p')" \
    >&2
}

for round in $(seq "$rounds"); do
  for scen in "${scenario_list[@]}"; do
    # Rotate who goes first: drift in machine load hits all alike.
    n=${#labels[@]}
    for i in $(seq 0 $((n - 1))); do
      label="${labels[$(((round - 1 + i) % n))]}"
      run_one "$round" "$scen" "$label" "${cmd_of[$label]}"
    done
  done
done

# Medians per scenario and server, printed as a table and as JSON.
summary="$logs/summary.txt"
awk -v order="$scenarios" -v labels="${labels[*]}" \
  -v json="$logs/summary.json" '
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
# One cell with every server: ours|ref|epoll.
function all(key, digits,   w, out) {
  out = fmt(m[who_at[1], key], digits)
  for (w = 2; w <= nw; w++) out = out "|" fmt(m[who_at[w], key], digits)
  return out
}
# Median over the rounds of ours/OTHER for key: each round ran them back to
# back under the same background load.
function round_ratio(s, key, other,   p, parts, x, list) {
  list = ""
  for (p in rounds) {
    split(p, parts, SUBSEP)
    if (parts[1] != s) continue
    x = ratio(by_round[p, "ours", key], by_round[p, other, key])
    if (x != "") list = list " " x
  }
  return median(list)
}
BEGIN {
  nk = split("msgs_per_sec mb_per_sec p50_us p99_us server_cpu_us_per_msg " \
    "rss_kib_per_conn server_cpu_pct loadgen_cpu_pct", keys, " ")
  nw = split(labels, who_at, " ")
  for (w = 1; w <= nw; w++)
    heads = heads (w > 1 ? "|" : "") substr(who_at[w], 1, 1)
}
{
  id = field($0, "scenario") SUBSEP field($0, "server")
  sr = field($0, "scenario") SUBSEP field($0, "round")
  who = field($0, "server")
  by_round[sr, who, "msgs_per_sec"] = field($0, "msgs_per_sec")
  by_round[sr, who, "cpu"] = field($0, "server_cpu_us_per_msg")
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
  line = "%-13s %10s %10s %11s %5s %5s %20s %17s %17s %20s %5s %18s %7s\n"
  printf line, "scenario", "ours msg/s", "ref msg/s", "epoll msg/s", "o/r",
    "o/e", "MB/s " heads, "p50us " heads, "p99us " heads,
    "cpu us/msg " heads, "o/r", "KiB/idle " heads, "errs"
  n = split(order, scen, ",")
  printf "[" > json
  for (i = 1; i <= n; i++) {
    s = scen[i]
    for (w = 1; w <= nw; w++)
      for (k = 1; k <= nk; k++)
        m[who_at[w], keys[k]] = median(vals[s SUBSEP who_at[w], keys[k]])
    r = round_ratio(s, "msgs_per_sec", "ref")
    re = round_ratio(s, "msgs_per_sec", "epoll")
    rc = round_ratio(s, "cpu", "ref")
    e = ""
    for (w = 1; w <= nw; w++)
      e = e (w > 1 ? "|" : "") (errs[s SUBSEP who_at[w]] + 0)
    printf line, s,
      fmt(m["ours", "msgs_per_sec"], 0), fmt(m["ref", "msgs_per_sec"], 0),
      fmt(m["epoll", "msgs_per_sec"], 0), fmt(r, 2), fmt(re, 2),
      all("mb_per_sec", 1), all("p50_us", 0), all("p99_us", 0),
      all("server_cpu_us_per_msg", 2), fmt(rc, 2),
      all("rss_kib_per_conn", 2), e
    printf "%s{\"scenario\":\"%s\",\"ratio_msgs_per_sec\":%s," \
      "\"ratio_msgs_per_sec_epoll\":%s,\"ratio_server_cpu_us_per_msg\":%s",
      (i > 1 ? "," : ""), s, jnum(r), jnum(re), jnum(rc) > json
    for (w = 1; w <= nw; w++) {
      who = who_at[w]
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
    config='{"config":{"server":"%s","ref":"%s","epoll":"%s","rounds":%s,'
    config+='"duration":%s,"warmup":%s,"idle_connections":%s},\n'
    # shellcheck disable=SC2059
    printf "$config" \
      "$(json_str "${cmd_of[ours]}")" "$(json_str "${cmd_of[ref]}")" \
      "$(json_str "${cmd_of[epoll]:-}")" \
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
