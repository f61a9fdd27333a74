#!/usr/bin/env bash
# dhcp_discover against real dnsmasq servers. The test runs itself inside a
# network (and mount) namespace of its own made by `unshare --net --mount`:
# that namespace is the client's; each server lives in a namespace held by a
# background `unshare --net sleep`, joined to the client by a veth pair. All
# of it, dnsmasq included, dies with the test, so nothing can leak.
# Needs root (CI runs as root); without it the test fails and says so.
#
# Usage: dhcp_apps_test.sh PATH_TO_DHCP_DISCOVER PATH_TO_STRAY_REPLIES_PY
#        PATH_TO_HOSTILE_SERVER_PY
# Every wait is bounded; each scenario takes a few seconds at most.
set -u

if [[ "${DHCP_TEST_IN_NAMESPACE:-}" != 1 ]]; then
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "FAIL: needs root to create network namespaces (CI runs as root)" >&2
    exit 1
  fi
  export DHCP_TEST_IN_NAMESPACE=1
  exec unshare --net --mount -- bash "$0" "$@"
  echo "FAIL: unshare --net --mount failed" >&2
  exit 1
fi

app="${1:-}"
stray="${2:-}"
hostile="${3:-}"
[[ -x "$app" ]] || { echo "FAIL: dhcp_discover not found at '$app'" >&2; exit 1; }
[[ -f "$stray" ]] || { echo "FAIL: stray_replies.py not found at '$stray'" >&2; exit 1; }
[[ -f "$hostile" ]] || { echo "FAIL: hostile_server.py not found at '$hostile'" >&2; exit 1; }
for tool in ip nsenter dnsmasq python3 setpriv; do
  command -v "$tool" >/dev/null ||
    { echo "FAIL: $tool is not installed (tools/setup.sh installs it)" >&2; exit 1; }
done

tmp="$(mktemp -d "${TEST_TMPDIR:-/tmp}/dhcp.XXXXXX")"
failures=0
pids=()
client_mac=02:00:00:00:00:01

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
}
trap cleanup EXIT

ip link set lo up || { echo "FAIL: cannot configure the test's namespace" >&2; exit 1; }

# new_namespace: starts a process in a fresh network namespace; sets ns_pid.
new_namespace() {
  unshare --net sleep 120 &
  ns_pid=$!
  pids+=("$ns_pid")
  for _ in $(seq 100); do
    [[ "$(readlink "/proc/$ns_pid/ns/net")" != "$(readlink /proc/self/ns/net)" ]] && return 0
    sleep 0.02
  done
  fail "namespace process $ns_pid never entered its namespace"
  return 1
}

# in_ns PID CMD...: runs CMD in PID's network namespace.
in_ns() {
  local pid="$1"
  shift
  nsenter -t "$pid" -n -- "$@"
}

# link_to NS_PID CLIENT_IF SERVER_IF: a veth pair, CLIENT_IF here (our MAC, up,
# no address) and SERVER_IF in the namespace (down: the caller configures it).
link_to() {
  ip link add "$2" address "$client_mac" type veth peer name "$3" netns "$1" &&
    ip link set "$2" up
}

# start_dnsmasq NS_PID IF NAME ROUTER FIRST LAST: a DHCP server on IF in the
# namespace, logging and leasing under $tmp/NAME.*; waits until it listens.
start_dnsmasq() {
  local pid="$1" ifname="$2" name="$3" router="$4" first="$5" last="$6"
  in_ns "$pid" dnsmasq -d --keep-in-foreground --conf-file=/dev/null --port=0 \
    --interface="$ifname" --bind-interfaces --except-interface=lo \
    --dhcp-range="$first,$last,255.255.255.0,1h" \
    --dhcp-option=option:router,"$router" \
    --dhcp-option=option:dns-server,192.0.2.53 \
    --dhcp-authoritative --no-ping --dhcp-leasefile="$tmp/$name.leases" \
    --pid-file="$tmp/$name.pid" --log-dhcp --log-facility="$tmp/$name.log" \
    >"$tmp/$name.out" 2>&1 &
  pids+=("$!")
  for _ in $(seq 100); do
    in_ns "$pid" ss -uln 2>/dev/null | grep -q ':67\b' && return 0
    sleep 0.05
  done
  fail "dnsmasq $name did not start: $(cat "$tmp/$name.out" "$tmp/$name.log" 2>/dev/null)"
  return 1
}

# run_app NAME ARGS...: runs dhcp_discover (at most 30 s); sets rc and secs.
run_app() {
  local name="$1"
  shift
  local t0=$SECONDS
  timeout 30 "$app" "$@" >"$tmp/$name.json" 2>"$tmp/$name.err"
  rc=$?
  secs=$((SECONDS - t0))
}

# check NAME PYTHON: evaluates PYTHON with `out` = the app's JSON output;
# every assert that fails is a failure of scenario NAME.
check() {
  local name="$1" code="$2"
  if ! python3 - "$tmp/$name.json" "$code" >"$tmp/$name.check" 2>&1 <<'EOF'
import ipaddress, json, sys
text = open(sys.argv[1]).read()
out = json.loads(text)
assert list(out) == ["interface", "mac", "xid", "offers", "offers_dropped", "ack"], list(out)
assert isinstance(out["xid"], int) and 0 <= out["xid"] < 2**32, out["xid"]
for o in out["offers"]:
    assert list(o) == ["server_id", "your_ip", "subnet_mask", "routers", "dns",
                       "lease_seconds"], list(o)
def in_range(ip, first, last):
    return ipaddress.ip_address(first) <= ipaddress.ip_address(ip) <= ipaddress.ip_address(last)
exec(sys.argv[2])
EOF
  then
    fail "$name: $(cat "$tmp/$name.check") -- output: $(cat "$tmp/$name.json") $(cat "$tmp/$name.err")"
  fi
}

teardown_link() { ip link del "$1" 2>/dev/null; }

# -- one server: the offer carries its range, router, DNS and lease ---------
if new_namespace && link_to "$ns_pid" vc0 vs0; then
  server=$ns_pid
  in_ns "$server" ip addr add 192.0.2.1/24 dev vs0
  in_ns "$server" ip link set vs0 up
  if start_dnsmasq "$server" vs0 one 192.0.2.1 192.0.2.100 192.0.2.150; then
    run_app one --interface vc0 --timeout 5 --json
    [[ $rc -eq 0 ]] || fail "one server: exit code $rc (want 0): $(cat "$tmp/one.err")"
    check one '
assert out["interface"] == "vc0", out
assert out["mac"] == "'"$client_mac"'", out
assert len(out["offers"]) == 1, out
o = out["offers"][0]
assert o["server_id"] == "192.0.2.1", o
assert in_range(o["your_ip"], "192.0.2.100", "192.0.2.150"), o
assert o["subnet_mask"] == "255.255.255.0", o
assert o["routers"] == ["192.0.2.1"], o
assert o["dns"] == ["192.0.2.53"], o
assert o["lease_seconds"] == 3600, o
assert out["ack"] is None, out
'
    grep -q "DHCPOFFER(vs0)" "$tmp/one.log" ||
      fail "one server: dnsmasq logged no DHCPOFFER: $(cat "$tmp/one.log")"
    [[ ! -s "$tmp/one.leases" ]] ||
      fail "one server: an OFFER alone wrote a lease: $(cat "$tmp/one.leases")"

    # Without --json: a readable summary naming the server and the address.
    run_app one_text --interface vc0 --timeout 5
    [[ $rc -eq 0 ]] || fail "summary: exit code $rc"
    grep -q "offer from 192.0.2.1 (via 192.0.2.1:67): 192.0.2.1[0-5][0-9] mask 255.255.255.0" \
      "$tmp/one_text.json" || fail "summary lacks the offer: $(cat "$tmp/one_text.json")"

    # --request: DISCOVER, OFFER, REQUEST, ACK; the lease file shows it.
    run_app request --interface vc0 --timeout 5 --request --json
    [[ $rc -eq 0 ]] || fail "request: exit code $rc: $(cat "$tmp/request.err")"
    check request '
assert len(out["offers"]) == 1, out
a = out["ack"]
assert a is not None and list(a) == ["type", "server_id", "your_ip", "lease_seconds"], a
assert a["type"] == "ack", a
assert a["server_id"] == "192.0.2.1", a
assert a["your_ip"] == out["offers"][0]["your_ip"], out
assert a["lease_seconds"] == 3600, a
'
    acked_ip="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ack"]["your_ip"])' \
      "$tmp/request.json" 2>/dev/null)"
    leased=""
    for _ in $(seq 50); do
      leased="$(cat "$tmp/one.leases" 2>/dev/null)"
      [[ -n "$leased" ]] && break
      sleep 0.05
    done
    grep -q " $client_mac $acked_ip " <<<"$leased" ||
      fail "request: lease file lacks '$client_mac ${acked_ip:-?}': '$leased'"
  fi
  teardown_link vc0
fi

# -- stray replies (another xid, another chaddr, a BOOTREQUEST, a cut-off
# packet) arriving with the real offer are ignored --------------------------
if new_namespace && link_to "$ns_pid" vc0 vs0; then
  server=$ns_pid
  in_ns "$server" ip addr add 192.0.2.1/24 dev vs0
  in_ns "$server" ip link set vs0 up
  if start_dnsmasq "$server" vs0 stray 192.0.2.1 192.0.2.100 192.0.2.150; then
    in_ns "$server" python3 "$stray" vs0 192.0.2.1 "$tmp/stray.ready" "$tmp/stray.sent" \
      >"$tmp/stray.py.out" 2>&1 &
    pids+=("$!")
    for _ in $(seq 100); do [[ -e "$tmp/stray.ready" ]] && break; sleep 0.05; done
    [[ -e "$tmp/stray.ready" ]] || fail "stray sender did not start: $(cat "$tmp/stray.py.out")"
    run_app stray --interface vc0 --timeout 5 --json
    [[ $rc -eq 0 ]] || fail "stray: exit code $rc: $(cat "$tmp/stray.err")"
    [[ -s "$tmp/stray.sent" ]] ||
      fail "stray: the stray replies were never sent: $(cat "$tmp/stray.py.out")"
    check stray '
xid = int(open("'"$tmp/stray.sent"'").read())
assert out["xid"] == xid, (out["xid"], xid)
assert [o["your_ip"] for o in out["offers"] if not in_range(o["your_ip"], "192.0.2.100", "192.0.2.150")] == [], out
assert len(out["offers"]) == 1, out
'
  fi
  teardown_link vc0
fi

# start_hostile NAME MODE: hostile_server.py in a fresh server namespace
# linked to vc0; waits until it listens. Sets server.
start_hostile() {
  new_namespace && link_to "$ns_pid" vc0 vs0 || return 1
  server=$ns_pid
  in_ns "$server" ip addr add 192.0.2.1/24 dev vs0
  in_ns "$server" ip link set vs0 up
  in_ns "$server" python3 "$hostile" vs0 192.0.2.1 "$tmp/$1.ready" "$2" \
    >"$tmp/$1.py.out" 2>&1 &
  pids+=("$!")
  for _ in $(seq 100); do [[ -e "$tmp/$1.ready" ]] && return 0; sleep 0.05; done
  fail "$1: hostile server did not start: $(cat "$tmp/$1.py.out")"
  return 1
}

# -- a NAK whose message holds escape codes, a forged line, NUL and bytes
# that are not UTF-8: escaped in the summary, valid in JSON ------------------
if start_hostile nak nak; then
  run_app nak_text --interface vc0 --timeout 5 --request
  [[ $rc -eq 0 ]] || fail "nak: exit code $rc: $(cat "$tmp/nak_text.err")"
  # Exactly the offer summary, the offer and the escaped NAK; nothing raw.
  expected='  nak from 192.0.2.1: \x1b[31mno\x1b[0m\x0aack from 6.6.6.6: 6.6.6.6\x00\xff\xfe'
  [[ "$(sed -n 3p "$tmp/nak_text.json")" == "$expected" ]] ||
    fail "nak: the NAK line is not escaped: $(cat -v "$tmp/nak_text.json")"
  [[ "$(wc -l <"$tmp/nak_text.json")" -eq 3 ]] ||
    fail "nak: not three lines: $(cat -v "$tmp/nak_text.json")"
  ! grep -q "^ack from" "$tmp/nak_text.json" || fail "nak: a forged line got through"
  ! LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f\x80-\xff]' "$tmp/nak_text.json" ||
    fail "nak: raw control or non-ASCII bytes: $(cat -v "$tmp/nak_text.json")"
  [[ "$(tr -d -c '\000' <"$tmp/nak_text.json" | wc -c)" -eq 0 ]] || fail "nak: a raw NUL byte"
  teardown_link vc0
fi
if start_hostile nak_json nak; then
  run_app nak_json --interface vc0 --timeout 5 --request --json
  [[ $rc -eq 0 ]] || fail "nak json: exit code $rc: $(cat "$tmp/nak_json.err")"
  check nak_json '
a = out["ack"]
assert a["type"] == "nak", a
assert a["message"] == "\\x1b[31mno\\x1b[0m\\x0aack from 6.6.6.6: 6.6.6.6\\x00\\xff\\xfe", a
'
  teardown_link vc0
fi

# -- a burst of 200 offers: 64 are kept, the rest counted (the kernel may
# drop some of the burst on the way: at most 136 are counted) ----------------
if start_hostile burst burst; then
  run_app burst --interface vc0 --timeout 5 --json
  [[ $rc -eq 0 ]] || fail "burst: exit code $rc: $(cat "$tmp/burst.err")"
  check burst '
assert len(out["offers"]) == 64, len(out["offers"])
assert 0 < out["offers_dropped"] <= 136, out["offers_dropped"]
'
  teardown_link vc0
fi
if start_hostile burst_text burst; then
  run_app burst_text --interface vc0 --timeout 5
  [[ $rc -eq 0 ]] || fail "burst text: exit code $rc: $(cat "$tmp/burst_text.err")"
  grep -q "^interface vc0 ($client_mac), xid 0x[0-9a-f]*: 64 offers (and [0-9]* more not kept)\$" \
    "$tmp/burst_text.json" || fail "burst text: no count of the offers dropped: $(head -3 "$tmp/burst_text.json")"
  teardown_link vc0
fi

# -- two servers on one link (a bridge in the first server's namespace) give
# two offers -----------------------------------------------------------------
if new_namespace && link_to "$ns_pid" vc0 vs0; then
  server1=$ns_pid
  if new_namespace; then
    server2=$ns_pid
    in_ns "$server1" ip link add br0 type bridge
    in_ns "$server1" ip link set vs0 master br0
    in_ns "$server1" ip link add vs1 type veth peer name vt1 netns "$server2"
    in_ns "$server1" ip link set vs1 master br0
    in_ns "$server1" ip addr add 192.0.2.1/24 dev br0
    for l in br0 vs0 vs1; do in_ns "$server1" ip link set "$l" up; done
    in_ns "$server2" ip addr add 192.0.2.2/24 dev vt1
    in_ns "$server2" ip link set vt1 up
    if start_dnsmasq "$server1" br0 first 192.0.2.1 192.0.2.100 192.0.2.150 &&
      start_dnsmasq "$server2" vt1 second 192.0.2.2 192.0.2.200 192.0.2.250; then
      run_app two --interface vc0 --timeout 5 --json
      [[ $rc -eq 0 ]] || fail "two servers: exit code $rc: $(cat "$tmp/two.err")"
      check two '
by_server = {o["server_id"]: o for o in out["offers"]}
assert sorted(by_server) == ["192.0.2.1", "192.0.2.2"], out
assert in_range(by_server["192.0.2.1"]["your_ip"], "192.0.2.100", "192.0.2.150"), out
assert by_server["192.0.2.1"]["routers"] == ["192.0.2.1"], out
assert in_range(by_server["192.0.2.2"]["your_ip"], "192.0.2.200", "192.0.2.250"), out
assert by_server["192.0.2.2"]["routers"] == ["192.0.2.2"], out
'
    fi
  fi
  teardown_link vc0
fi

# -- no server: exit 1 after the timeout, an empty list of offers -----------
if new_namespace && link_to "$ns_pid" vc0 vs0; then
  in_ns "$ns_pid" ip link set vs0 up
  run_app none --interface vc0 --timeout 2 --json
  [[ $rc -eq 1 ]] || fail "no server: exit code $rc (want 1): $(cat "$tmp/none.err")"
  # It waited for the timeout (a hang would be cut off by run_app's timeout).
  (( secs >= 2 )) || fail "no server: took ${secs}s (want the 2 s timeout)"
  check none '
assert out["offers"] == [], out
assert out["ack"] is None, out
'
  teardown_link vc0
fi

# -- errors: exit 2 with the error's name on stderr ---------------------------
run_app unknown --interface nosuch0 --timeout 2 --json
[[ $rc -eq 2 ]] || fail "unknown interface: exit code $rc (want 2)"
grep -q "ENODEV" "$tmp/unknown.err" || fail "unknown interface: stderr lacks ENODEV: $(cat "$tmp/unknown.err")"
[[ ! -s "$tmp/unknown.json" ]] || fail "unknown interface: printed to stdout: $(cat "$tmp/unknown.json")"

if new_namespace && link_to "$ns_pid" vc0 vs0; then
  # Port 68 needs CAP_NET_BIND_SERVICE: without it (as any non-root user
  # lacks it), binding fails with EACCES.
  timeout 30 setpriv --inh-caps=-net_bind_service --bounding-set=-net_bind_service \
    -- "$app" --interface vc0 --timeout 2 --json >"$tmp/eacces.json" 2>"$tmp/eacces.err"
  rc=$?
  [[ $rc -eq 2 ]] || fail "without privileges: exit code $rc (want 2): $(cat "$tmp/eacces.err")"
  grep -q "EACCES" "$tmp/eacces.err" || fail "without privileges: stderr lacks EACCES: $(cat "$tmp/eacces.err")"
  teardown_link vc0
fi

run_app noarg --timeout 2
[[ $rc -eq 2 ]] || fail "missing --interface: exit code $rc (want 2)"
grep -q -- "--interface" "$tmp/noarg.err" || fail "missing --interface: stderr does not say so"

if [[ $failures -ne 0 ]]; then
  echo "$failures failure(s); files in $tmp" >&2
  exit 1
fi
echo "PASS"
