#!/usr/bin/env bash
# echo_server as a process: its command line, its first stdout line, a real
# client round trip on 127.0.0.1, port in use, and SIGTERM/SIGINT stops.
# Usage: echo_apps_test.sh PATH_TO_ECHO_SERVER (Bazel passes its rootpath;
# the test runs in the runfiles tree, where that path resolves).
# Every wait is bounded; every server started is killed on exit.
set -u

server="${1:-}"
if [[ -z "$server" || ! -x "$server" ]]; then
  server="${TEST_SRCDIR:-}/netactors/apps/echo_server"
fi
[[ -x "$server" ]] || { echo "FAIL: echo_server not found" >&2; exit 1; }

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

# run_cli NAME ARGS...: runs the server to completion (at most 10 s); sets rc.
run_cli() {
  local name="$1"
  shift
  timeout 10 "$server" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
}

# start_server NAME ARGS...: starts it in the background and waits (at most
# 10 s) for its first stdout line; sets pid and port, or fails.
start_server() {
  local name="$1"
  shift
  "$server" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
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
    fail "$name: first stdout line is not the listening JSON: $(head -n1 "$tmp/$name.out")" \
      "$(cat "$tmp/$name.parse" "$tmp/$name.err")"
    return 1
  fi
}

# stop_server NAME SIGNAL: sends SIGNAL and waits (at most 10 s) for exit 0.
stop_server() {
  local name="$1" sig="$2"
  kill "-$sig" "$pid"
  (sleep 10 && kill -KILL "$pid" 2>/dev/null) &
  local watchdog=$!
  wait "$pid"
  local status=$?
  kill "$watchdog" 2>/dev/null
  wait "$watchdog" 2>/dev/null
  [[ $status -eq 0 ]] || fail "$name: SIG$sig gave exit code $status (want 0)" \
    "$(cat "$tmp/$name.err")"
}

# round_trip PORT: 160 KiB through the server, half-close, compare, EOF.
round_trip() {
  python3 - "$1" <<'EOF'
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
EOF
}

# --help: usage on stdout, exit 0.
run_cli help --help
[[ $rc -eq 0 ]] || fail "--help exit code $rc"
grep -q '^usage: echo_server' "$tmp/help.out" || fail "--help prints no usage"
grep -q -- '--listen' "$tmp/help.out" || fail "--help does not list --listen"

# Bad command lines: non-zero exit and a message on stderr.
check_rejected() {
  local name="$1" want="$2"
  shift 2
  run_cli "$name" "$@"
  [[ $rc -ne 0 && $rc -ne 124 ]] || fail "$name: exit code $rc for: $*"
  grep -q -- "$want" "$tmp/$name.err" ||
    fail "$name: stderr lacks \"$want\": $(cat "$tmp/$name.err")"
  [[ ! -s "$tmp/$name.out" ]] || fail "$name: printed to stdout: $(cat "$tmp/$name.out")"
}
check_rejected unknown_flag "unknown option --bogus" --bogus
check_rejected bad_port "--listen" --listen 127.0.0.1:99999
check_rejected zero_loops "--loops" --loops 0
check_rejected missing_value "--listen" --listen

# A server on an ephemeral port: the listening line first, a round trip,
# port in use for a second server, SIGTERM stops it with 0.
if start_server term --listen 127.0.0.1:0 --loops 2; then
  round_trip "$port" || fail "round trip through --loops 2 server failed"
  round_trip "$port" || fail "second round trip failed"
  run_cli in_use --listen "127.0.0.1:$port"
  [[ $rc -eq 1 ]] || fail "port in use: exit code $rc (want 1)"
  grep -q EADDRINUSE "$tmp/in_use.err" ||
    fail "port in use: stderr lacks EADDRINUSE: $(cat "$tmp/in_use.err")"
  round_trip "$port" || fail "round trip after the port-in-use attempt failed"
  stop_server term TERM
fi

# Verbose, stopped by SIGINT: still the listening line first, then events.
if start_server int --listen 127.0.0.1:0 --verbose; then
  round_trip "$port" || fail "round trip through --verbose server failed"
  for _ in $(seq 50); do
    grep -q '"closed"' "$tmp/int.out" && break
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
