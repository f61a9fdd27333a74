#!/usr/bin/env bash
# echo_server and echo_client as processes: their command lines, the
# server's first stdout line, round trips on 127.0.0.1 (python3 and
# echo_client in both modes), port in use, a peer that resets mid-echo, and
# SIGTERM/SIGINT stops.
# Usage: echo_apps_test.sh ECHO_SERVER ECHO_CLIENT (Bazel passes rootpaths;
# the test runs in the runfiles tree, where they resolve).
# Every wait is bounded; every process started is killed on exit.
set -u

server="${1:-${TEST_SRCDIR:-}/netactors/apps/echo_server}"
client="${2:-${TEST_SRCDIR:-}/netactors/apps/echo_client}"
[[ -x "$server" ]] || { echo "FAIL: echo_server not found: $server" >&2; exit 1; }
[[ -x "$client" ]] || { echo "FAIL: echo_client not found: $client" >&2; exit 1; }

tmp="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0
pids=()

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
}
trap cleanup EXIT

# run_cli NAME ARGS...: runs echo_server to completion (at most 10 s); sets rc.
run_cli() {
  local name="$1"
  shift
  timeout 10 "$server" "$@" </dev/null >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
}

# run_client NAME ARGS...: the same for echo_client (at most 30 s).
run_client() {
  local name="$1"
  shift
  timeout 30 "$client" "$@" </dev/null >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
}

# check_rejected NAME WANT: the run NAME failed (not by timeout), said WANT on
# stderr and printed nothing on stdout.
check_rejected() {
  local name="$1" want="$2"
  [[ $rc -ne 0 && $rc -ne 124 ]] || fail "$name: exit code $rc"
  grep -q -- "$want" "$tmp/$name.err" ||
    fail "$name: stderr lacks \"$want\": $(cat "$tmp/$name.err")"
  [[ ! -s "$tmp/$name.out" ]] || fail "$name: printed to stdout: $(cat "$tmp/$name.out")"
}

# json_field FILE KEY: KEY of the JSON object on FILE's last line, as JSON.
json_field() {
  tail -n1 "$1" | python3 -c '
import json, sys
print(json.dumps(json.loads(sys.stdin.readline()).get(sys.argv[1])))' "$2" 2>/dev/null
}

# start_server NAME ARGS...: starts echo_server in the background and waits
# (at most 10 s) for its first stdout line, which must be the listening JSON;
# sets pid and port, or fails.
start_server() {
  local name="$1"
  shift
  "$server" "$@" </dev/null >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pid=$!
  pids+=("$pid")
  port=""
  for _ in $(seq 100); do
    if [[ -s "$tmp/$name.out" ]] && head -n1 "$tmp/$name.out" | grep -q '}$'; then
      break
    fi
    sleep 0.1
  done
  port="$(head -n1 "$tmp/$name.out" | python3 -c '
import json, sys
line = json.loads(sys.stdin.readline())
assert line["event"] == "listening", line
assert line["address"] == "127.0.0.1", line
assert 0 < line["port"] < 65536, line
print(line["port"])
' 2>"$tmp/$name.parse")"
  if [[ -z "$port" ]]; then
    fail "$name: first stdout line is not the listening JSON:" \
      "$(head -n1 "$tmp/$name.out")" "$(cat "$tmp/$name.parse" "$tmp/$name.err")"
    return 1
  fi
}

# stop_server NAME SIGNAL: sends SIGNAL, waits (at most 10 s) for exit 0.
stop_server() {
  local name="$1" sig="$2" state=""
  kill "-$sig" "$pid" 2>/dev/null
  for _ in $(seq 100); do
    state="$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)"
    [[ -z "$state" || "$state" == Z ]] && break
    sleep 0.1
  done
  [[ -z "$state" || "$state" == Z ]] || kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  local status=$?
  [[ $status -eq 0 ]] || fail "$name: SIG$sig gave exit code $status (want 0;" \
    "141: SIGPIPE had killed it, 137: it hung)" "$(cat "$tmp/$name.err")"
}

# round_trip PORT: 160 KiB through the server while reading, half-close,
# compare, EOF.
round_trip() {
  python3 - "$1" <<'PY'
import selectors, socket, sys
data = bytes(range(256)) * 640
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.setblocking(False)
got = bytearray()
sent = 0
sel = selectors.DefaultSelector()
sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
shut = False
while True:
    events = sel.select(timeout=10)
    if not events:
        sys.exit("timed out after %d bytes" % len(got))
    for _, mask in events:
        if mask & selectors.EVENT_WRITE and sent < len(data):
            sent += s.send(data[sent:sent + 65536])
        if sent == len(data) and not shut:
            s.shutdown(socket.SHUT_WR)
            shut = True
            sel.modify(s, selectors.EVENT_READ)
        if mask & selectors.EVENT_READ:
            chunk = s.recv(65536)
            if not chunk:
                sys.exit(0 if bytes(got) == data else
                         "echo differs: %d of %d bytes" % (len(got), len(data)))
            got += chunk
PY
}

# reset_peer PORT: floods the server without reading until it has echo
# writes queued, then closes with SO_LINGER {1, 0}: an RST.
reset_peer() {
  python3 - "$1" <<'PY'
import socket, struct, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.setblocking(False)
sent, last, start = 0, time.time(), time.time()
while time.time() - last < 0.3 and time.time() - start < 10:
    try:
        sent += s.send(b"r" * 65536)
        last = time.time()
    except BlockingIOError:
        time.sleep(0.01)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
PY
}

# -- echo_server's command line ----------------------------------------------

run_cli help --help
[[ $rc -eq 0 ]] || fail "server --help: exit code $rc"
grep -q '^usage: echo_server' "$tmp/help.out" || fail "server --help prints no usage"
grep -q -- '--listen' "$tmp/help.out" || fail "server --help does not list --listen"

run_cli unknown_flag --bogus
check_rejected unknown_flag "unknown option --bogus"
run_cli bad_port --listen 127.0.0.1:99999
check_rejected bad_port "--listen"
run_cli zero_loops --loops 0
check_rejected zero_loops "--loops"
run_cli missing_value --listen
check_rejected missing_value "--listen"
# A zone naming no interface is bad usage (exit 2), quoted as given.
run_cli no_such_zone --listen '[fe80::1%nosuch]:0'
check_rejected no_such_zone 'no network interface named "nosuch"'
[[ $rc -eq 2 ]] || fail "--listen [fe80::1%nosuch]:0: exit code $rc (want 2)"
grep -qF '[fe80::1%nosuch]:0' "$tmp/no_such_zone.err" ||
  fail "--listen [fe80::1%nosuch]:0: message lost the text given: $(cat "$tmp/no_such_zone.err")"

# -- echo_client's command line ----------------------------------------------

run_client client_help --help
[[ $rc -eq 0 ]] || fail "client --help: exit code $rc"
grep -q '^usage: echo_client' "$tmp/client_help.out" || fail "client --help prints no usage"
run_client client_unknown --bogus
check_rejected client_unknown "unknown option --bogus"
run_client client_bad_connect --connect nowhere
check_rejected client_bad_connect "--connect"
run_client client_zero_count --count 0
check_rejected client_zero_count "--count"
# One message is one write, and one write queues at most 16 MiB: larger
# sizes are bad usage, said up front (not ENOBUFS after connecting).
run_client client_too_big --size 16777217
check_rejected client_too_big "write queue limit"
[[ $rc -eq 2 ]] || fail "echo_client --size 16777217: exit code $rc (want 2)"
run_client client_bad_zone --connect '[fe80::1%nosuch]:7'
check_rejected client_bad_zone 'no network interface named "nosuch"'
[[ $rc -eq 2 ]] || fail "echo_client --connect [fe80::1%nosuch]:7: exit code $rc (want 2)"
# More generated bytes than memory allows is an error (exit 1), not an abort
# on bad_alloc. (ASan's allocator reports out-of-memory itself, and its
# shadow memory does not fit a virtual memory limit: not under ASan.)
if grep -q __asan_init "$client"; then
  echo "note: echo_client built with ASan; the out-of-memory case runs in the plain build only"
else
  (ulimit -v 400000
   exec timeout 30 "$client" --connect 127.0.0.1:1 --count 100 --size 16777216 \
     </dev/null >"$tmp/client_oom.out" 2>"$tmp/client_oom.err")
  rc=$?
  check_rejected client_oom "out of memory"
  [[ $rc -eq 1 ]] || fail "echo_client out of memory: exit code $rc (want 1)"
fi

# -- a server on an ephemeral port -------------------------------------------
# Round trips (python3, echo_client generated and stdin modes), port in use
# for a second server, then SIGTERM stops it with exit code 0.
if start_server term --listen 127.0.0.1:0 --loops 2; then
  round_trip "$port" || fail "python round trip through a --loops 2 server failed"

  run_client generated --connect "127.0.0.1:$port" --count 60 --size 1000 \
    --concurrency 6 --loops 2
  [[ $rc -eq 0 ]] ||
    fail "echo_client --count: exit code $rc: $(cat "$tmp/generated.out" "$tmp/generated.err")"
  [[ "$(json_field "$tmp/generated.out" messages)" == 60 &&
     "$(json_field "$tmp/generated.out" bytes)" == 60000 &&
     "$(json_field "$tmp/generated.out" mismatches)" == 0 &&
     "$(json_field "$tmp/generated.out" errors)" == 0 ]] ||
    fail "echo_client --count: summary $(tail -n1 "$tmp/generated.out")"

  printf 'first line\nsecond line\n' |
    timeout 30 "$client" --connect "127.0.0.1:$port" >"$tmp/stdin.out" 2>"$tmp/stdin.err"
  rc=$?
  [[ $rc -eq 0 ]] || fail "echo_client stdin mode: exit code $rc: $(cat "$tmp/stdin.err")"
  [[ "$(head -n2 "$tmp/stdin.out")" == $'first line\nsecond line' ]] ||
    fail "echo_client stdin mode printed: $(cat "$tmp/stdin.out")"
  [[ "$(json_field "$tmp/stdin.out" messages)" == 2 ]] ||
    fail "echo_client stdin mode: summary $(tail -n1 "$tmp/stdin.out")"

  # The largest size one write can queue goes through.
  run_client largest --connect "127.0.0.1:$port" --count 2 --size 16777216
  [[ $rc -eq 0 && "$(json_field "$tmp/largest.out" bytes)" == 33554432 ]] ||
    fail "echo_client --size 16777216: exit code $rc: $(cat "$tmp/largest.out" "$tmp/largest.err")"

  run_cli in_use --listen "127.0.0.1:$port"
  [[ $rc -eq 1 ]] || fail "port in use: exit code $rc (want 1)"
  grep -q EADDRINUSE "$tmp/in_use.err" ||
    fail "port in use: stderr lacks EADDRINUSE: $(cat "$tmp/in_use.err")"
  round_trip "$port" || fail "round trip after the port-in-use attempt failed"
  stop_server term TERM
fi

# -- echo_client against a port nobody listens on ----------------------------
# python3 holds the port bound (not listening) so nobody else takes it.
coproc holder {
  exec python3 -c '
import socket, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(30)'
}
holder_pid=$holder_PID  # bash unsets holder_PID once the coproc ends
pids+=("$holder_pid")
closed_port=""
read -r -t 10 closed_port <&"${holder[0]}"
if [[ -n "$closed_port" ]]; then
  run_client refused --connect "127.0.0.1:$closed_port" --count 1
  [[ $rc -eq 1 ]] || fail "echo_client to a closed port: exit code $rc (want 1)"
  grep -q ECONNREFUSED "$tmp/refused.out" ||
    fail "echo_client to a closed port: no ECONNREFUSED in $(cat "$tmp/refused.out")"
else
  fail "could not hold a closed port"
fi
kill "$holder_pid" 2>/dev/null
wait "$holder_pid" 2>/dev/null

# -- a peer that resets mid-echo ---------------------------------------------
# BUG (net/ and apps/echo_server.cpp): nothing ignores SIGPIPE, so an echo
# write to a peer that has reset kills echo_server with SIGPIPE (exit status
# 141). This section fails until SIGPIPE is ignored.
if start_server reset --listen 127.0.0.1:0; then
  reset_peer "$port" || fail "the resetting client failed"
  sleep 0.5
  round_trip "$port" || fail "echo_server stopped serving after a peer reset mid-echo"
  stop_server reset TERM
fi

# -- verbose, stopped by SIGINT ----------------------------------------------
if start_server int --listen 127.0.0.1:0 --verbose; then
  round_trip "$port" || fail "round trip through a --verbose server failed"
  for _ in $(seq 50); do
    grep -q '"event":"closed"' "$tmp/int.out" && break
    sleep 0.1
  done
  grep -q '"event":"connected"' "$tmp/int.out" ||
    fail "--verbose logged no connected event: $(cat "$tmp/int.out")"
  stop_server int INT
fi

if [[ $failures -ne 0 ]]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "PASS"
