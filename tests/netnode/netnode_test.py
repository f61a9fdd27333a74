#!/usr/bin/env python3
"""netnode, driven as any JSON-RPC 2.0 client would: a real process, real TCP
on 127.0.0.1, one JSON text per line.

The whole test runs in a private network namespace of its own (it re-executes
itself under `unshare --net`, as root), so that adding an address to its
loopback is an interface change only netnode sees, and nothing the host has
(interfaces, /etc/hosts, its resolver) matters: every DNS request is numeric.

Usage: netnode_test.py NETNODE. Every wait is for an event, bounded by a hang
guard (not a timing claim); every process started is killed on exit.
"""
import base64
import json
import os
import select
import signal
import socket
import stat as stat_mod
import subprocess
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import child_output  # noqa: E402  (tests/support, in the runfiles)
from harness import adopt, check, fail, finish, sh, spawn  # noqa: E402

HANG_GUARD_S = 20
MAX_IN_FLIGHT = 64          # gateway_config::max_in_flight's default
CLIENTS = 500               # concurrent clients

netnode = os.path.abspath(sys.argv[1])





# -- processes -------------------------------------------------------------

def start(args, verbose=False):
    return spawn([netnode] + args + (["--verbose"] if verbose else []))


def read_line(f):
    return child_output.read_line(f, HANG_GUARD_S)


def ready(proc):
    line = read_line(proc.stdout)
    msg = json.loads(line)
    assert msg["event"] == "ready", line
    return msg


def wait_exit(proc):
    try:
        return proc.wait(timeout=HANG_GUARD_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None


# -- a client ------------------------------------------------------------------

class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port),
                                             timeout=HANG_GUARD_S)
        self.buf = b""
        self.next_id = 1

    def send_line(self, text):
        self.sock.sendall(text.encode() + b"\n")

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def call(self, method, params=None, id=None):
        if id is None:
            id = self.next_id
            self.next_id += 1
        req = {"jsonrpc": "2.0", "method": method, "id": id}
        if params is not None:
            req["params"] = params
        self.send_line(json.dumps(req))
        return id

    def rpc(self, method, params=None):
        id = self.call(method, params)
        msg = self.line()
        assert msg.get("id") == id, msg
        return msg

    def close(self):
        self.sock.close()


def error_name(msg):
    return msg.get("error", {}).get("data", {}).get("name")


def stats(port):
    c = Client(port)
    s = c.rpc("stats")["result"]["data"]["gateway"]
    c.close()
    return s


def wait_stats(port, pred, what):
    """Polls stats (an event each time: its answer) until pred holds."""
    deadline = time.monotonic() + HANG_GUARD_S
    while time.monotonic() < deadline:
        s = stats(port)
        if pred(s):
            return s
        time.sleep(0.02)
    fail("stats never showed " + what + ": " + json.dumps(s))
    return s


def wait_for(pred, what):
    deadline = time.monotonic() + HANG_GUARD_S
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    fail("never: " + what)
    return False


def port68_open():
    out = subprocess.run(["ss", "-uln"], capture_output=True).stdout.decode()
    return any(line.split()[3].endswith(":68") for line in out.splitlines()[1:]
               if len(line.split()) > 3)


# -- the tests -----------------------------------------------------------------

def test_usage():
    for args, code, words in [(["--nope"], 2, "--nope"),
                              (["--gateway", "not-an-endpoint"], 2, "--gateway"),
                              (["--loops", "0"], 2, "--loops"),
                              (["--help"], 0, "")]:
        p = subprocess.run([netnode] + args, capture_output=True, timeout=HANG_GUARD_S)
        check(p.returncode == code, "%s: exit %d, want %d" % (args, p.returncode, code))
        check(words.encode() in p.stderr, "%s: stderr names %s" % (args, words))


def test_address_in_use(port):
    p = subprocess.run([netnode, "--gateway", "127.0.0.1:%d" % port],
                       capture_output=True, timeout=HANG_GUARD_S)
    check(p.returncode == 1, "gateway in use: exit %d, want 1" % p.returncode)
    check(b"EADDRINUSE" in p.stderr, "gateway in use: stderr names EADDRINUSE: %r" % p.stderr)
    check(p.stdout == b"", "no ready line when a gateway cannot listen")


def test_methods(port):
    c = Client(port)
    r = c.rpc("dns_lookup", {"host": "127.0.0.1", "numeric_host": True})
    check(r["result"]["type"] == "dns_addresses", "dns_lookup result type: %s" % r)
    addrs = {a["address"]["address"] for a in r["result"]["data"]["addresses"]}
    check(addrs == {"127.0.0.1"}, "dns_lookup 127.0.0.1: %s" % addrs)
    r = c.rpc("dns_lookup", {"host": "::1", "numeric_host": True, "socktype": "stream"})
    check([a["address"]["address"] for a in r["result"]["data"]["addresses"]] == ["::1"],
          "dns_lookup ::1: %s" % r)
    r = c.rpc("dns_reverse_lookup", {"address": {"address": "127.0.0.1", "port": 7},
                                     "numeric_host": True, "numeric_service": True})
    check(r["result"] == {"type": "dns_name", "data": {
        "address": {"address": "127.0.0.1", "port": 7}, "host": "127.0.0.1", "service": "7"}},
        "dns_reverse_lookup: %s" % r)
    r = c.rpc("interfaces_query")
    names = [i["name"] for i in r["result"]["data"]["interfaces"]]
    check(r["result"]["type"] == "interface_report" and "lo" in names,
          "interfaces_query: %s" % names)
    s = c.rpc("stats")["result"]
    check(s["type"] == "netnode_stats" and s["data"]["gateway"]["requests"] >= 4
          and s["data"]["gateway"]["connections_open"] >= 1, "stats: %s" % s)
    check(s["data"]["resolver"]["answered"] >= 3, "resolver stats: %s" % s)
    check([(ch["name"], ch["restarts"]) for ch in s["data"]["supervisor"]["children"]]
          == [("resolver", 0), ("interfaces", 0)], "supervisor stats: %s" % s)
    check("node" not in s["data"], "no node stats without --publish: %s" % s)
    c.close()


def test_errors(port):
    """Every error code, each followed by a request that still works."""
    c = Client(port)

    def usable(after):
        r = c.rpc("dns_lookup", {"host": "127.0.0.1", "numeric_host": True})
        check("result" in r, "connection unusable after " + after)

    cases = [
        ("{not json", -32700, None),
        ("42", -32600, None),
        ('{"jsonrpc":"2.0","method":"stats","id":true}', -32600, None),
        ('{"jsonrpc":"2.0","method":"no_such","id":"a"}', -32601, "a"),
        ('{"jsonrpc":"2.0","method":"udp_close","id":"b"}', -32601, "b"),
        ('{"jsonrpc":"2.0","method":"dns_lookup","params":{"hots":"x"},"id":3}', -32602, 3),
        ('{"jsonrpc":"2.0","method":"dns_lookup","params":{"host":5},"id":4}', -32602, 4),
        ('{"jsonrpc":"2.0","method":"cancel","params":{},"id":5}', -32602, 5),
        ('{"jsonrpc":"2.0","method":"stats","params":{"x":1},"id":6}', -32602, 6),
    ]
    for line, code, id in cases:
        c.send_line(line)
        r = c.line()
        check(r.get("error", {}).get("code") == code and r.get("id") == id,
              "%s -> %s, want %d" % (line, r, code))
        usable(line)
    # -32000: a request performed and failed, with the project's error object.
    r = c.rpc("dns_lookup", {"host": "not.numeric", "numeric_host": True})
    check(r["error"]["code"] == -32000 and error_name(r) == "EAI_NONAME"
          and "message" in r["error"]["data"] and "code" in r["error"]["data"],
          "failed lookup: %s" % r)
    usable("EAI_NONAME")
    r = c.rpc("cancel", {"request": 12345})
    check(error_name(r) == "ENOENT", "cancel of nothing: %s" % r)
    usable("cancel of nothing")
    # A notification is performed, never answered, even when it fails.
    c.send_line('{"jsonrpc":"2.0","method":"no_such"}')
    c.send_line('{"jsonrpc":"2.0","method":"dns_lookup","params":{"host":"127.0.0.1"}}')
    usable("notifications")
    c.close()


def test_batches(port):
    c = Client(port)
    batch = [
        {"jsonrpc": "2.0", "method": "dns_lookup",
         "params": {"host": "127.0.0.1", "numeric_host": True}, "id": 1},
        {"jsonrpc": "2.0", "method": "no_such", "id": 2},
        {"jsonrpc": "2.0", "method": "stats"},              # notification
        {"jsonrpc": "2.0", "method": "interfaces_query", "id": 3},
        {"jsonrpc": "2.0", "method": "dns_lookup", "params": {"bad": 1}, "id": 4},
        5,
    ]
    c.send_line(json.dumps(batch))
    r = c.line()
    check(isinstance(r, list) and len(r) == 5, "batch answer: %s" % r)
    by_id = {x.get("id"): x for x in r}
    check(by_id.get(1, {}).get("result", {}).get("type") == "dns_addresses", "batch id 1")
    check(by_id.get(2, {}).get("error", {}).get("code") == -32601, "batch id 2")
    check(by_id.get(3, {}).get("result", {}).get("type") == "interface_report", "batch id 3")
    check(by_id.get(4, {}).get("error", {}).get("code") == -32602, "batch id 4")
    check(by_id.get(None, {}).get("error", {}).get("code") == -32600, "batch element 5")
    # Only notifications: nothing comes back; the next answer is the next call's.
    c.send_line(json.dumps([{"jsonrpc": "2.0", "method": "stats"},
                            {"jsonrpc": "2.0", "method": "interfaces_query"}]))
    c.send_line("[]")
    r = c.line()
    check(isinstance(r, dict) and r["error"]["code"] == -32600, "empty batch: %s" % r)
    c.close()


def test_long_line(port):
    c = Client(port)
    c.sock.sendall(b"x" * ((1 << 20) + 4096) + b"\n")
    r = c.line()
    check(r["error"]["code"] == -32600 and error_name(r) == "EMSGSIZE",
          "a line over 1 MiB: %s" % r)
    r = c.rpc("dns_lookup", {"host": "127.0.0.1", "numeric_host": True})
    check("result" in r, "the line after an over-long one: %s" % r)
    c.close()


def test_subscribe_cancel(port):
    c = Client(port)
    r = c.rpc("interfaces_subscribe")
    sub = r["id"]
    check(r["result"]["type"] == "interface_report", "subscribe: %s" % r)
    sh("ip addr add 192.0.2.7/24 dev lo")
    ev = c.line()
    check(ev.get("method") == "event" and ev["params"]["request"] == sub
          and ev["params"]["type"] == "interfaces_changed"
          and "id" not in ev, "change notification: %s" % ev)
    check("192.0.2.7" in json.dumps(ev), "the change names 192.0.2.7: %s" % ev)
    cid = c.call("cancel", {"request": sub})
    ev = c.line()
    check(ev.get("method") == "event" and ev["params"]["request"] == sub
          and ev["params"]["type"] == "error"
          and ev["params"]["data"]["name"] == "ECANCELED", "end of stream: %s" % ev)
    r = c.line()
    check(r == {"jsonrpc": "2.0", "id": cid, "result": None}, "cancel: %s" % r)
    # No more events for it: the next line is the next call's answer.
    sh("ip addr del 192.0.2.7/24 dev lo")
    r = c.rpc("dns_lookup", {"host": "127.0.0.1", "numeric_host": True})
    check("result" in r, "after cancel: %s" % r)
    c.close()


def test_in_flight_bound(port):
    c = Client(port)
    for i in range(MAX_IN_FLIGHT):
        r = c.rpc("interfaces_subscribe")
        if not check("result" in r, "subscription %d: %s" % (i, r)):
            return
    r = c.rpc("dns_lookup", {"host": "127.0.0.1", "numeric_host": True})
    check(r.get("error", {}).get("code") == -32000 and error_name(r) == "EAGAIN",
          "request %d in flight: %s" % (MAX_IN_FLIGHT + 1, r))
    cid = c.call("cancel", {"request": 1})
    check(c.line()["params"]["data"]["name"] == "ECANCELED", "cancelled subscription")
    check(c.line()["id"] == cid, "cancel answered")
    r = c.rpc("dns_lookup", {"host": "127.0.0.1", "numeric_host": True})
    check("result" in r, "a request once one ended: %s" % r)
    c.close()


def test_vanishing_client(port):
    wait_stats(port, lambda s: s["requests_in_flight"] == 0,
               "no request in flight (earlier clients gone)")
    base = stats(port)
    c = Client(port)
    for _ in range(5):
        c.rpc("interfaces_subscribe")
    wait_stats(port, lambda s: s["requests_in_flight"] >= base["requests_in_flight"] + 5,
               "5 subscriptions in flight")
    # A discovery on a link where no server answers: in flight for 60 s,
    # its UDP socket on port 68 open meanwhile.
    sh("ip link add vq0 type veth peer name vq1 && ip link set vq1 up && ip link set vq0 up")
    c.call("dhcp_discover", {"interface": "vq0", "timeout": 60000})
    wait_for(lambda: port68_open(), "the discovery's socket open")
    c.call("dns_lookup", {"host": "127.0.0.1", "numeric_host": True})
    # Vanish: RST, nothing read.
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
    c.close()
    wait_stats(port, lambda s: s["requests_in_flight"] == 0
               and s["connections_open"] <= base["connections_open"],
               "the vanished client's requests ended")
    wait_for(lambda: not port68_open(), "the vanished client's discovery ended")
    sh("ip link del vq0")


def test_many_clients(port):
    clients = [Client(port) for _ in range(CLIENTS)]
    for i, c in enumerate(clients):
        c.call("dns_lookup", {"host": "127.0.0.%d" % (i % 250 + 1), "numeric_host": True})
    ok = 0
    for i, c in enumerate(clients):
        r = c.line()
        a = r["result"]["data"]["addresses"][0]["address"]["address"]
        ok += a == "127.0.0.%d" % (i % 250 + 1)
    check(ok == CLIENTS, "%d of %d concurrent clients answered" % (ok, CLIENTS))
    s = stats(port)
    check(s["connections_open"] >= CLIENTS + 1, "stats with %d clients: %s" % (CLIENTS, s))
    for c in clients:
        c.close()
    print("%d concurrent clients answered" % ok)


def test_never_reading_client(port):
    """It floods requests and never reads: cut off at its reply queue's
    bound (ENOBUFS) while another client is served all along."""
    hog = socket.create_connection(("127.0.0.1", port))
    hog.setblocking(False)
    # Requests the gateway answers at once with an error that echoes a
    # long id: the replies grow as fast as the requests come, for little
    # work per byte (stats, say, would ask five actors per request).
    batch = (json.dumps([{"jsonrpc": "2.0", "method": "no_such_method",
                          "id": "%d-%s" % (i, "x" * 4000)}
                         for i in range(64)]) + "\n").encode()
    other = Client(port)
    sent = 0
    unsent = b""  # the rest of a batch the socket took only part of
    cut = False
    served = 0
    # The cut comes once 16 MiB of replies are queued, which takes the
    # gateway minutes under ASan on a loaded machine, and megabytes of
    # requests wait in the kernel's buffers meanwhile. So the guard catches
    # a gateway that stopped reading (its bytes_in, which the other
    # client's answers report, still for HANG_GUARD_S), not a slow one.
    # 1 GiB bounds the loop.
    bytes_in = 0
    progress_deadline = time.monotonic() + HANG_GUARD_S
    while not cut and time.monotonic() < progress_deadline and sent < (1 << 30):
        try:
            _, w, _ = select.select([], [hog], [], 0.05)
            # As much as the kernel takes, so the hog's pace is the
            # gateway's, not this loop's (one round trip of `other` each).
            while w:
                unsent = unsent or batch
                n = hog.send(unsent)
                sent += n
                unsent = unsent[n:]
        except BlockingIOError:
            pass
        except (BrokenPipeError, ConnectionResetError):
            cut = True
        r = other.rpc("stats")
        if check("result" in r, "the other client is answered: %s" % r):
            served += 1
            now_in = r["result"]["data"]["gateway"]["bytes_in"]
            if now_in - bytes_in >= len(batch):
                bytes_in = now_in
                progress_deadline = time.monotonic() + HANG_GUARD_S
        else:
            break
    check(cut, "the never-reading client was disconnected (sent %d bytes)" % sent)
    s = stats(port)
    check(s["errors"].get("ENOBUFS", 0) >= 1, "cut off at ENOBUFS: %s" % s)
    check(served > 0, "another client was served meanwhile")
    hog.close()
    other.close()
    print("never-reading client cut off after it sent %d bytes; %d requests of "
          "another client served meanwhile" % (sent, served))


def dhcp_server():
    """A DHCP server (dnsmasq) in a namespace of its own, reached over the
    veth pair vc0 (here) -- vs0 (there). Returns its processes."""
    ns = subprocess.Popen(["unshare", "--net", "sleep", "120"])
    adopt(ns)
    me = os.readlink("/proc/self/ns/net")
    deadline = time.monotonic() + HANG_GUARD_S
    while os.readlink("/proc/%d/ns/net" % ns.pid) == me:
        if time.monotonic() > deadline:
            raise RuntimeError("the server namespace never appeared")
        time.sleep(0.01)
    sh("ip link add vc0 address 02:00:00:00:00:01 type veth peer name vs0 netns %d" % ns.pid)
    sh("ip link set vc0 up")
    inns = "nsenter -t %d -n -- " % ns.pid
    sh(inns + "ip addr add 192.0.2.1/24 dev vs0")
    sh(inns + "ip link set vs0 up")
    tmp = os.environ.get("TEST_TMPDIR", "/tmp")
    d = subprocess.Popen(
        (inns + "dnsmasq -d --keep-in-foreground --conf-file=/dev/null --port=0 "
         "--interface=vs0 --bind-interfaces --except-interface=lo "
         "--dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,1h "
         "--dhcp-option=option:router,192.0.2.1 --dhcp-authoritative --no-ping "
         "--dhcp-leasefile=%s/netnode_test.leases --pid-file=%s/netnode_test.dnsmasq.pid"
         % (tmp, tmp)).split(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    adopt(d)
    deadline = time.monotonic() + HANG_GUARD_S
    while b":67 " not in subprocess.run((inns + "ss -uln").split(),
                                        capture_output=True).stdout:
        if time.monotonic() > deadline:
            raise RuntimeError("dnsmasq did not start")
        time.sleep(0.05)
    return [ns, d]


def test_dhcp(port):
    servers = dhcp_server()
    c = Client(port)
    # Offers as events, then the result; with request, the ack.
    for request in (False, True):
        id = c.call("dhcp_discover", {"interface": "vc0", "timeout": 8000,
                                      "request": request})
        offers = 0
        while True:
            m = c.line()
            if m.get("method") == "event":
                check(m["params"]["request"] == id and m["params"]["type"] == "dhcp_offer",
                      "dhcp event: %s" % m)
                ip = m["params"]["data"]["your_ip"]
                check(ip.startswith("192.0.2.") and 100 <= int(ip.split(".")[3]) <= 150,
                      "offered %s" % ip)
                offers += 1
                continue
            break
        check(m.get("id") == id and m["result"]["type"] == "dhcp_discovery_done",
              "dhcp result: %s" % m)
        done = m["result"]["data"]
        check(offers >= 1 and len(done["offers"]) == offers, "offers: %d, %s" % (offers, done))
        if request:
            check(done["ack"]["type"] == "ack", "the ack: %s" % done["ack"])
    # Cancelled before any offer can come (same line batch of the socket read).
    c.sock.sendall((json.dumps({"jsonrpc": "2.0", "method": "dhcp_discover",
                                "params": {"interface": "vc0"}, "id": "d"}) + "\n" +
                    json.dumps({"jsonrpc": "2.0", "method": "cancel",
                                "params": {"request": "d"}, "id": "c"}) + "\n").encode())
    r = c.line()
    check(r.get("id") == "d" and error_name(r) == "ECANCELED", "cancelled discovery: %s" % r)
    r = c.line()
    check(r == {"jsonrpc": "2.0", "id": "c", "result": None}, "cancel: %s" % r)
    r = c.rpc("dhcp_discover", {"interface": "nx0", "timeout": 1000})
    check(error_name(r) == "ENODEV", "discovery on no interface: %s" % r)
    r = c.rpc("dhcp_discover", {"interface": "vc0", "timeot": 1})
    check(r.get("error", {}).get("code") == -32602
          and r["error"].get("data", {}).get("field") == "timeot", "bad params: %s" % r)
    r = c.rpc("dhcp_discover", {})
    check(r.get("error", {}).get("data", {}).get("field") == "interface",
          "no interface: %s" % r)
    c.close()
    for p in reversed(servers):
        p.kill()
        p.wait()


def test_echo_and_verbose():
    p = start(["--gateway", "127.0.0.1:0", "--echo", "127.0.0.1:0"], verbose=True)
    r = ready(p)
    check(r["echo"] is not None and r["echo"]["port"] > 0, "echo in ready: %s" % r)
    e = socket.create_connection(("127.0.0.1", r["echo"]["port"]), timeout=HANG_GUARD_S)
    e.sendall(b"hello\n")
    got = b""
    while len(got) < 6:
        got += e.recv(100)
    check(got == b"hello\n", "echo: %r" % got)
    e.close()
    # The supervisor's starts follow the ready line.
    started_children = []
    for _ in range(10):
        ev = json.loads(read_line(p.stdout))
        if ev["event"] == "supervisor_started":
            started_children.append(ev["child"])
        if len(started_children) == 3:
            break
    check(started_children == ["resolver", "interfaces", "echo_0"],
          "verbose: the supervisor's starts: %s" % started_children)
    # A gateway client's arrival and departure are gateway events.
    c = Client(r["gateways"][0]["port"])
    c.rpc("interfaces_query")
    c.close()
    seen = []
    for _ in range(10):
        ev = json.loads(read_line(p.stdout))
        seen.append(ev["event"])
        if ev["event"] == "client_disconnected":
            break
    check("client_connected" in seen and "client_disconnected" in seen,
          "verbose: gateway events: %s" % seen)
    p.send_signal(signal.SIGINT)
    check(wait_exit(p) == 0, "SIGINT: exit 0")


def test_sigterm_in_flight():
    p = start(["--gateway", "127.0.0.1:0"])
    port = ready(p)["gateways"][0]["port"]
    clients = [Client(port) for _ in range(3)]
    for c in clients:
        for _ in range(3):
            c.rpc("interfaces_subscribe")
    # A request still unanswered: a discovery on a link with no server.
    sh("ip link add vn0 type veth peer name vn1 && ip link set vn1 up && ip link set vn0 up")
    pending = Client(port)
    pid = pending.call("dhcp_discover", {"interface": "vn0", "timeout": 60000})
    wait_stats(port, lambda s: s["requests_in_flight"] == 10,
               "the discovery in flight")
    t0 = time.monotonic()
    p.send_signal(signal.SIGTERM)
    for c in clients:
        ended = 0
        try:
            while True:
                ev = c.line()
                if ev.get("params", {}).get("data", {}).get("name") == "ECANCELED":
                    ended += 1
        except (EOFError, ConnectionResetError):
            pass
        check(ended == 3, "SIGTERM ended %d of 3 requests in flight with ECANCELED" % ended)
        c.close()
    try:
        r = pending.line()
    except (EOFError, ConnectionResetError) as e:
        r = str(e)
    check(isinstance(r, dict) and r.get("id") == pid and error_name(r) == "ECANCELED",
          "SIGTERM: the unanswered discovery's answer: %s" % r)
    rc = wait_exit(p)
    took = time.monotonic() - t0
    check(rc == 0, "SIGTERM with requests in flight: exit %s" % rc)
    print("SIGTERM with 9 subscriptions in flight: exited in %.3f s" % took)


# -- the Unix-socket gateway ---------------------------------------------------

class UnixClient(Client):
    """A Client over a Unix-domain socket at `path`."""
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(HANG_GUARD_S)
        self.sock.connect(path)
        self.buf = b""
        self.next_id = 1


def unix_dir():
    """Bazel's TEST_TMPDIR is longer than a socket path may be (107 bytes):
    the Unix tests work inside it (netnode inherits the directory) with
    relative paths."""
    os.chdir(os.environ.get("TEST_TMPDIR", "/tmp"))


def test_unix_gateway():
    print("-- test_unix_gateway")
    unix_dir()
    path = "netnode.sock"
    if os.path.lexists(path):
        os.unlink(path)
    p = start(["--gateway", "unix:" + path, "--gateway", "127.0.0.1:0"])
    r = ready(p)
    gws = r["gateways"]
    check(len(gws) == 2 and gws[0] == {"path": path} and gws[1]["port"] > 0,
          "ready line with a Unix gateway: %s" % r)
    st = os.lstat(path)
    check(stat_mod.S_ISSOCK(st.st_mode), "the gateway path is a socket")
    check(st.st_mode & 0o7777 == 0o600, "socket mode %o, want 600" % (st.st_mode & 0o7777))
    # A few methods, a batch and an error, over the Unix socket.
    c = UnixClient(path)
    r1 = c.rpc("dns_lookup", {"host": "127.0.0.1", "numeric_host": True})
    addrs = {a["address"]["address"] for a in r1["result"]["data"]["addresses"]}
    check(addrs == {"127.0.0.1"}, "unix: dns_lookup: %s" % r1)
    r2 = c.rpc("interfaces_query")
    check(r2["result"]["type"] == "interface_report", "unix: interfaces_query: %s" % r2)
    r3 = c.rpc("no_such")
    check(r3.get("error", {}).get("code") == -32601, "unix: unknown method: %s" % r3)
    c.send_line(json.dumps([
        {"jsonrpc": "2.0", "method": "dns_lookup",
         "params": {"host": "::1", "numeric_host": True}, "id": "a"},
        {"jsonrpc": "2.0", "method": "dns_lookup", "params": {"bad": 1}, "id": "b"},
        {"jsonrpc": "2.0", "method": "stats", "id": "c"}]))
    b = c.line()
    by_id = {m.get("id"): m for m in b} if isinstance(b, list) else {}
    check(set(by_id) == {"a", "b", "c"} and "result" in by_id["a"]
          and by_id["b"].get("error", {}).get("code") == -32602
          and by_id["c"]["result"]["data"]["gateway"]["connections_open"] >= 1,
          "unix: batch: %s" % b)
    # A second netnode on the same path: the live socket is not replaced.
    q = subprocess.run([netnode, "--gateway", "unix:" + path],
                       capture_output=True, timeout=HANG_GUARD_S)
    check(q.returncode == 1 and b"EADDRINUSE" in q.stderr and q.stdout == b"",
          "unix gateway in use: exit %d, %r" % (q.returncode, q.stderr))
    check(os.lstat(path).st_ino == st.st_ino, "the live socket file is kept")
    check("result" in c.rpc("stats"), "the first netnode still serves")
    # The TCP gateway serves beside it.
    check(stats(gws[1]["port"])["connections_accepted"] >= 1, "the TCP gateway serves")
    c.close()
    p.send_signal(signal.SIGTERM)
    check(wait_exit(p) == 0, "unix gateway: SIGTERM exits 0")
    check(not os.path.lexists(path), "SIGTERM removes the socket file")


def test_unix_stale_and_foreign_files():
    print("-- test_unix_stale_and_foreign_files")
    unix_dir()
    # A stale socket (bound, nobody listening) is replaced...
    path = "stale.sock"
    if os.path.lexists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.close()
    p = start(["--gateway", "unix:" + path])
    r = ready(p)
    check(r["gateways"] == [{"path": path}], "ready over a stale socket: %s" % r)
    c = UnixClient(path)
    check("result" in c.rpc("stats"), "serves after replacing a stale socket")
    c.close()
    # ...and SIGINT removes it too.
    p.send_signal(signal.SIGINT)
    check(wait_exit(p) == 0, "unix gateway: SIGINT exits 0")
    check(not os.path.lexists(path), "SIGINT removes the socket file")
    # A file that is not a socket is left alone, and netnode says what it is.
    with open("not_a_socket", "w") as f:
        f.write("keep")
    q = subprocess.run([netnode, "--gateway", "unix:not_a_socket"],
                       capture_output=True, timeout=HANG_GUARD_S)
    check(q.returncode == 1 and b"ENOTSOCK" in q.stderr and b"regular file" in q.stderr,
          "unix gateway on a regular file: exit %d, %r" % (q.returncode, q.stderr))
    with open("not_a_socket") as f:
        check(f.read() == "keep", "the regular file is untouched")
    # Bad paths: none, too long, a missing directory.
    for arg, code, words in [("unix:", 2, b"empty Unix socket path"),
                             ("unix:" + "x" * 200, 2, b"ENAMETOOLONG"),
                             ("unix:no_such_dir/x.sock", 1, b"ENOENT")]:
        q = subprocess.run([netnode, "--gateway", arg],
                           capture_output=True, timeout=HANG_GUARD_S)
        check(q.returncode == code and words in q.stderr,
              "--gateway %s: exit %d, %r" % (arg[:20], q.returncode, q.stderr))
# -- dns_connect_to: relayed connections ----------------------------------------

SERVER_NAME = "server.netnode.test"


def start_with_hosts_file():
    """netnode in a mount namespace of its own whose /etc/hosts names only
    SERVER_NAME (127.0.0.1) and whose nsswitch.conf says "hosts: files": a
    name is looked up there and nowhere else, so no resolver is ever asked
    and an unknown name fails at once. Returns (process, gateway port)."""
    for target in ("/etc/hosts", "/etc/nsswitch.conf"):
        if not os.path.isfile(target):
            raise RuntimeError("dns_connect_to tests bind-mount over %s, which is missing" % target)
    tmp = os.environ.get("TEST_TMPDIR", "/tmp")
    hosts = os.path.join(tmp, "netnode_test.hosts")
    nsswitch = os.path.join(tmp, "netnode_test.nsswitch.conf")
    with open(hosts, "w") as f:
        f.write("127.0.0.1 localhost\n127.0.0.1 %s\n" % SERVER_NAME)
    with open(nsswitch, "w") as f:
        f.write("hosts: files\n")
    script = ('mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/nsswitch.conf'
              ' && shift 2 && exec "$@"')
    proc = subprocess.Popen(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
         hosts, nsswitch, netnode, "--gateway", "127.0.0.1:0"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    adopt(proc)
    return proc, ready(proc)["gateways"][0]["port"]


def b64(data):
    return base64.b64encode(data).decode()


def unb64(text):
    return base64.b64decode(text)


def relay_connect(c, server):
    """dns_connect_to SERVER_NAME: the result, and the server's side."""
    id = c.call("dns_connect_to", {"host": SERVER_NAME, "port": server.getsockname()[1]})
    r = c.line()
    check(r.get("id") == id and r.get("result", {}).get("type") == "dns_connect_report",
          "dns_connect_to result: %s" % r)
    peer, _ = server.accept()
    peer.settimeout(HANG_GUARD_S)
    return id, r.get("result", {}).get("data", {}), peer


def events_until(c, id, last_type):
    """The events of request id up to one of type last_type (included)."""
    out = []
    while True:
        m = c.line()
        if not check(m.get("method") == "event" and m["params"]["request"] == id,
                     "an event of request %s: %s" % (id, m)):
            return out
        out.append(m["params"])
        if m["params"]["type"] == last_type:
            return out


def received(events):
    return b"".join(unb64(e["data"]["data"]) for e in events if e["type"] == "tcp_received")


def recv_until_eof(peer):
    got = b""
    while True:
        chunk = peer.recv(65536)
        if not chunk:
            return got
        got += chunk


def test_dns_connect_relay(port, server):
    """Connect by name, write, read events, close: the stream's last event
    is tcp_connection_closed, and the peer sees EOF."""
    c = Client(port)
    id, report, peer = relay_connect(c, server)
    check(report.get("connected") == "127.0.0.1:%d" % server.getsockname()[1]
          and report.get("host") == SERVER_NAME, "the report names the address: %s" % report)
    r = c.rpc("tcp_write", {"request": id, "data": b64(b"hello, peer\n")})
    check(r.get("result", {}).get("type") == "tcp_write_done"
          and r["result"]["data"]["bytes"] == 12, "relayed write: %s" % r)
    got = b""
    while len(got) < 12:
        got += peer.recv(100)
    check(got == b"hello, peer\n", "the peer got the write: %r" % got)
    peer.sendall(b"hello, client\n")
    data = b""
    while len(data) < 14:
        (ev,) = events_until(c, id, "tcp_received")
        check(ev["data"]["id"] == report.get("connection_id"), "event of the connection: %s" % ev)
        data += unb64(ev["data"]["data"])
    check(data == b"hello, client\n", "the peer's bytes as events: %r" % data)
    r = c.rpc("tcp_close", {"request": id})
    check(r.get("result", "missing") is None, "tcp_close: %s" % r)
    (ev,) = events_until(c, id, "tcp_connection_closed")
    check(ev["data"]["reason"]["code"] == 0, "closed by us, no error: %s" % ev)
    check(recv_until_eof(peer) == b"", "the peer saw the close")
    peer.close()
    r = c.rpc("tcp_write", {"request": id, "data": b64(b"late")})
    check(error_name(r) == "ENOENT", "a write after the end: %s" % r)
    c.close()


def test_dns_connect_errors(port, server):
    c = Client(port)
    r = c.rpc("dns_connect_to", {"host": "nowhere.netnode.test", "port": 9})
    check(r.get("error", {}).get("code") == -32000
          and (error_name(r) or "").startswith("EAI_"), "an unknown name: %s" % r)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))       # bound, not listening: refused
    r = c.rpc("dns_connect_to", {"host": SERVER_NAME, "port": closed.getsockname()[1]})
    check(error_name(r) == "ECONNREFUSED", "a port nobody listens on: %s" % r)
    closed.close()
    r = c.rpc("tcp_write", {"request": 77, "data": b64(b"x")})
    check(error_name(r) == "ENOENT", "a write to no connection: %s" % r)
    r = c.rpc("tcp_write", {"data": b64(b"x")})
    check(r.get("error", {}).get("code") == -32602
          and r["error"].get("data", {}).get("field") == "request", "a write without request: %s" % r)
    r = c.rpc("tcp_write", {"request": 1, "data": "not base64!"})
    check(r.get("error", {}).get("code") == -32602
          and r["error"].get("data", {}).get("field") == "data", "bytes that are not base64: %s" % r)
    r = c.rpc("tcp_close", {"request": 1, "now": True})
    check(r.get("error", {}).get("data", {}).get("field") == "now", "tcp_close's params: %s" % r)
    # As a notification it is not performed (nobody could address it); a
    # batch holding one is still answered.
    c.send_line(json.dumps([
        {"jsonrpc": "2.0", "method": "dns_connect_to",
         "params": {"host": SERVER_NAME, "port": server.getsockname()[1]}},
        {"jsonrpc": "2.0", "method": "tcp_close", "params": {"request": "n"}, "id": "b"}]))
    r = c.line()
    check(isinstance(r, list) and len(r) == 1 and r[0].get("id") == "b"
          and error_name(r[0]) == "ENOENT", "a batch with a dns_connect_to notification: %s" % r)
    c.close()


def test_dns_connect_cancel(port, server):
    c = Client(port)
    id, _, peer = relay_connect(c, server)
    cid = c.call("cancel", {"request": id})
    (ev,) = events_until(c, id, "error")
    check(ev["data"]["name"] == "ECANCELED", "cancelled relay's last event: %s" % ev)
    r = c.line()
    check(r == {"jsonrpc": "2.0", "id": cid, "result": None}, "cancel: %s" % r)
    check(recv_until_eof(peer) == b"", "the peer saw the cancelled connection close")
    peer.close()
    r = c.rpc("tcp_write", {"request": id, "data": b64(b"late")})
    check(error_name(r) == "ENOENT", "a write after cancel: %s" % r)
    c.close()


def test_dns_connect_peer_closes(port, server):
    c = Client(port)
    id, report, peer = relay_connect(c, server)
    peer.sendall(b"last words")
    peer.close()
    evs = events_until(c, id, "tcp_connection_closed")
    types = [e["type"] for e in evs if e["type"] != "tcp_received"]
    check(received(evs) == b"last words", "the bytes before the peer's FIN: %s" % evs)
    check(types == ["tcp_read_closed", "tcp_connection_closed"],
          "the peer's FIN, then the end: %s" % types)
    r = c.rpc("tcp_write", {"request": id, "data": b64(b"late")})
    check(error_name(r) == "ENOENT", "a write after the peer closed: %s" % r)
    c.close()


def test_dns_connect_half_close(port, server):
    """tcp_shutdown sends the FIN; the peer's answer still arrives, and its
    own FIN ends the connection."""
    c = Client(port)
    id, _, peer = relay_connect(c, server)
    r = c.rpc("tcp_shutdown", {"request": id})
    check(r.get("result", "missing") is None, "tcp_shutdown: %s" % r)
    check(recv_until_eof(peer) == b"", "the peer saw the FIN")
    peer.sendall(b"an answer after your FIN")
    peer.close()
    evs = events_until(c, id, "tcp_connection_closed")
    check(received(evs) == b"an answer after your FIN", "the answer after the FIN: %s" % evs)
    c.close()


def test_dns_connect_client_vanishes(port, server):
    c = Client(port)
    _, _, peer = relay_connect(c, server)
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
    c.close()
    check(recv_until_eof(peer) == b"", "the client's disconnect closed its relay")
    peer.close()
    wait_stats(port, lambda s: s["relays_open"] == 0, "no relay open")


def test_dns_connect_slow_client(port, server):
    """A peer that sends more than the gateway may buffer to a client that
    does not read: the relay pauses (TCP holds the peer back) instead of the
    client being cut off, and every byte arrives, in order, once it reads."""
    c = Client(port)
    id, _, peer = relay_connect(c, server)
    base = stats(port)
    peer.setblocking(False)
    pattern = bytes(range(256)) * 256       # 64 KiB
    limit = 64 << 20
    sent = 0
    while sent < limit:
        _, w, _ = select.select([], [peer], [], 1.0)
        if not w:
            break                           # held back: the relay paused
        try:
            sent += peer.send(pattern[sent % len(pattern):])
        except BlockingIOError:
            pass
    check(sent < limit, "the peer was held back (sent %d bytes)" % sent)
    s = stats(port)
    check(s["errors"].get("ENOBUFS", 0) == base["errors"].get("ENOBUFS", 0)
          and s["relays_open"] >= 1, "nobody was cut off: %s" % s)
    data = b""
    while len(data) < sent:
        (ev,) = events_until(c, id, "tcp_received")
        data += unb64(ev["data"]["data"])
    expected = (pattern * (sent // len(pattern) + 1))[:sent]
    check(data == expected, "all %d bytes, in order (got %d)" % (sent, len(data)))
    r = c.rpc("tcp_close", {"request": id})
    check(r.get("result", "missing") is None, "tcp_close after the flood: %s" % r)
    events_until(c, id, "tcp_connection_closed")
    peer.close()
    c.close()
    print("a relay to a client that did not read held its peer back after %d bytes" % sent)


def test_dns_connect_write_budget(port, server):
    """Writes to a peer that does not read fill the relay's bounded queue:
    the one over its budget is refused (ENOBUFS) and the connection lives;
    once the peer reads, every accepted write completes."""
    c = Client(port)
    id, _, peer = relay_connect(c, server)
    # A fixed receive buffer (no autotuning) on the peer, so that what the
    # kernels can take is bounded whatever this host's tcp_rmem says: the
    # peer's buffer (Linux doubles the value set), the relay's send buffer
    # (autotuned up to tcp_wmem's maximum) and the relay's 2 MiB queue
    # (gateway.cpp, relay_options). Two writes past that bound must meet a
    # refusal; each write costs the gateway a 512 KiB decode, so no more.
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 10)
    with open("/proc/sys/net/ipv4/tcp_wmem") as f:
        wmem_max = int(f.read().split()[2])
    chunk = b"w" * (512 << 10)
    bound = peer.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) + wmem_max + (2 << 20)
    count = bound // len(chunk) + 2
    writes = [c.call("tcp_write", {"request": id, "data": b64(chunk)}) for _ in range(count)]
    answers = {}
    pressure = []        # the relay's tcp_backpressure events

    def take(m):
        if m.get("method") == "event":
            check(m["params"]["request"] == id and m["params"]["type"] == "tcp_backpressure",
                  "only backpressure events meanwhile: %s" % m)
            pressure.append(m["params"]["data"]["above_high_water"])
        else:
            answers[m.get("id")] = m

    while not any(error_name(a) == "ENOBUFS" for a in answers.values()):
        if not check(len(answers) < len(writes), "a write over the relay's budget refused"):
            break
        take(c.line())
    got = 0
    want = None
    while want is None or got < want:
        if want is None and len(answers) == len(writes):
            check(all(error_name(a) in (None, "ENOBUFS") for a in answers.values()),
                  "writes: only results and ENOBUFS: %s" % [error_name(a) for a in answers.values()])
            want = sum(a["result"]["data"]["bytes"] for a in answers.values() if "result" in a)
            continue
        if want is None:
            r, _, _ = select.select([c.sock, peer], [], [], HANG_GUARD_S)
            if not check(r, "writes complete as the peer reads"):
                break
            if peer in r:
                got += len(peer.recv(1 << 20))
            if c.sock in r:
                take(c.line())
                while b"\n" in c.buf:
                    take(c.line())
        else:
            got += len(peer.recv(1 << 20))
    check(pressure[:1] == [True], "the client was told of the relay's full queue: %s" % pressure)
    check(got == want, "the peer got every accepted byte: %s of %s" % (got, want))
    r = c.rpc("tcp_write", {"request": id, "data": b64(b"still here")})
    check(r.get("result", {}).get("type") == "tcp_write_done", "the relay lives on: %s" % r)
    check(peer.recv(100) == b"still here", "the write after the refusals arrived")
    c.rpc("tcp_close", {"request": id})
    events_until(c, id, "tcp_connection_closed")
    peer.close()
    c.close()
    print("relay writes to a peer that read late: %d of %d accepted (%d bytes), the rest ENOBUFS"
          % (len([a for a in answers.values() if "result" in a]), len(writes), want or 0))


def test_dns_connect_stats(port):
    c = Client(port)
    s = c.rpc("stats")["result"]["data"]
    g = s["gateway"]
    check(g["relays_opened"] >= 5 and g["relayed_bytes_out"] >= 12
          and g["relayed_bytes_in"] >= 24, "relay counters: %s" % g)
    loops = s.get("loops", [])
    check(len(loops) == 1 and loops[0]["actors_alive"] >= 3 and loops[0]["messages"] > 0
          and loops[0]["tasks_run"] > 0 and loops[0]["handles_open"] >= 2,
          "per-loop counters: %s" % loops)
    c.close()


def test_dns_connect_sigterm(proc, port, server):
    """SIGTERM ends a relayed connection like any request in flight."""
    c = Client(port)
    id, _, peer = relay_connect(c, server)
    proc.send_signal(signal.SIGTERM)
    (ev,) = events_until(c, id, "error")
    check(ev["data"]["name"] == "ECANCELED", "SIGTERM: the relay's last event: %s" % ev)
    check(recv_until_eof(peer) == b"", "SIGTERM: the peer saw the close")
    peer.close()
    c.close()
    check(wait_exit(proc) == 0, "SIGTERM with a relay open: exit 0")


def test_dns_connect_to():
    proc, port = start_with_hosts_file()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(HANG_GUARD_S)
    try:
        for t in [test_dns_connect_relay, test_dns_connect_errors, test_dns_connect_cancel,
                  test_dns_connect_peer_closes, test_dns_connect_half_close,
                  test_dns_connect_client_vanishes,
                  test_dns_connect_slow_client, test_dns_connect_write_budget]:
            print("--", t.__name__)
            t(port, server)
        test_dns_connect_stats(port)
        test_dns_connect_sigterm(proc, port, server)
    finally:
        server.close()


def main():
    if os.environ.get("NETNODE_TEST_NS") != "1":
        env = dict(os.environ, NETNODE_TEST_NS="1")
        os.execvpe("unshare", ["unshare", "--net", sys.executable,
                               os.path.abspath(__file__), netnode], env)
    sh("ip link set lo up")
    test_usage()
    p = start(["--gateway", "127.0.0.1:0", "--gateway", "127.0.0.1:0"])
    try:
        r = ready(p)
        check(len(r["gateways"]) == 2 and r["echo"] is None, "ready: %s" % r)
        port = r["gateways"][0]["port"]
        test_address_in_use(port)
        check(stats(r["gateways"][1]["port"])["connections_accepted"] >= 1,
              "the second gateway serves")
        for t in [test_methods, test_errors, test_batches, test_long_line,
                  test_subscribe_cancel, test_in_flight_bound,
                  test_vanishing_client, test_many_clients, test_dhcp,
                  test_never_reading_client]:
            print("--", t.__name__)
            t(port)
        p.send_signal(signal.SIGTERM)
        check(wait_exit(p) == 0, "SIGTERM: exit 0")
        test_echo_and_verbose()
        test_sigterm_in_flight()
        test_dns_connect_to()
        test_unix_gateway()
        test_unix_stale_and_foreign_files()
    finally:
        finish()


main()
