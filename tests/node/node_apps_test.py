#!/usr/bin/env python3
"""netnode --publish and the apps' --node as processes: plain BASP on
loopback, mutual TLS (a good certificate works; one from another CA, and
none at all, are refused and the refused side says why), a node that goes
away (killed or frozen) while an asker waits on it, and two network
namespaces joined by a veth where `interfaces --node` prints exactly the
other namespace's interfaces (compared with `ip -j addr` run there).
dns_connect, echo_client and dhcp_discover --node give the same output and
exit code as the same app run locally (a peer that greets, a closed port, a
name the private hosts file does not know); dns_connect --node connects from
the node's namespace (to a listener reachable only there); dhcp_discover
--node finds dnsmasq behind the node's interface (a third namespace, reached
only over a veth from the node's); a node killed mid-job ends each asker
with the named error within 5 s; an asker killed mid-job leaves nothing
running on the node (the peer sees its connection close). The node's
gateway `stats` lists an asker's node as its peer (127.0.0.1 and the
asker's end of the connection) until the asker is killed.

The test runs in private network and mount namespaces of its own (it
re-executes itself under `unshare --net --mount`, as root): /etc/hosts and
/etc/nsswitch.conf are bind-mounted from scratch files ("hosts: files"), so
names resolve from that file only and no resolver is ever asked. It makes
its certificates with the openssl CLI (make_certs.sh) in a scratch
directory; nothing is committed.

Usage: node_apps_test.py NETNODE INTERFACES MAKE_CERTS DNS_CONNECT
ECHO_CLIENT DHCP_DISCOVER TCP_PEER. Every wait is for an event, bounded by a
hang guard; the 5 s bound on a vanished node is the issue's promise. Every
process started is killed on exit, every namespace ends with its process.
"""
import json
import os
import re
import select
import socket
import signal
import subprocess
import sys
import tempfile
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import child_output  # noqa: E402  (tests/support, in the runfiles)
from harness import adopt, check, fail, finish, sh, spawn  # noqa: E402

HANG_GUARD_S = 20
NODE_GONE_BOUND_S = 5   # the asker ends with the named error within this

(netnode, interfaces, make_certs, dns_connect, echo_client, dhcp_discover,
 tcp_peer) = (os.path.abspath(a) for a in sys.argv[1:8])
SERVER_NAME = "server.node.test"  # 127.0.0.1, in the private hosts file


def read_line(f):
    return child_output.read_line(f, HANG_GUARD_S)


def start_node(args, prefix=()):
    p = spawn(list(prefix) + [netnode, "--gateway", "127.0.0.1:0"] + args)
    line = read_line(p.stdout)
    if not line:
        raise RuntimeError("netnode ended: " + p.stderr.read().decode())
    msg = json.loads(line)
    assert msg["event"] == "ready", line
    p.ready = msg
    return p, msg["publish"]


def run(cmd, prefix=()):
    r = subprocess.run(list(prefix) + cmd, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=HANG_GUARD_S)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def stop(proc):
    if proc.poll() is None:
        proc.kill()
    proc.wait()


certs = tempfile.mkdtemp(prefix="node_certs_")


def tls(name, ca="ca"):
    return ["--tls-cert", os.path.join(certs, name + ".pem"),
            "--tls-key", os.path.join(certs, name + ".key"),
            "--tls-ca", os.path.join(certs, ca + ".pem")]


def node_arg(pub):
    return "%s:%d" % (pub["address"], pub["port"])


# -- flags that cannot work are refused before CAF is asked -----------------

def test_usage():
    cases = [
        ([interfaces, "--node", "127.0.0.1:1"], "needs --tls-cert"),
        ([interfaces, "--node", "198.51.100.2:1", "--insecure"],
         "--insecure only on a loopback address"),
        ([netnode, "--publish", "198.51.100.2:0", "--insecure"],
         "--insecure only on a loopback address"),
        ([netnode, "--publish", "0.0.0.0:0", "--insecure"],
         "--insecure only on a loopback address"),
        ([interfaces, "--node", "127.0.0.1:1", "--tls-cert",
          os.path.join(certs, "client.pem")], "--tls-key is missing"),
        ([interfaces, "--node", "127.0.0.1:1", "--insecure"] + tls("client"),
         "exclude each other"),
        ([interfaces, "--node", "127.0.0.1:1", "--tls-cert", "/nonexistent.pem",
          "--tls-key", "/nonexistent.key", "--tls-ca", "/nonexistent.ca"],
         "--tls-cert /nonexistent.pem: No such file or directory"),
        ([interfaces, "--insecure"], "need --node"),
        ([netnode] + tls("node"), "need --publish"),
        ([interfaces, "--node", "127.0.0.1:1", "--insecure", "--watch",
          "--poll", "100"], "--poll"),
        ([interfaces, "--node", "127.0.0.1:1", "--insecure", "--watch",
          "--netlink-buffer", "4096"], "--netlink-buffer sets how this host watches"),
    ]
    for cmd, expected in cases:
        rc, out, err = run(cmd)
        check(rc == 2 and expected in err and out == "",
              "%s: exit 2 saying %r (got %s, %r)" % (cmd, expected, rc, err))


# -- the same answer through a node as locally ------------------------------

def test_same_output(pub, client_flags, what):
    for form in (["--json"], []):
        rc_l, local, _ = run([interfaces] + form)
        rc_r, remote, err = run([interfaces, "--node", node_arg(pub)] +
                                client_flags + form)
        check(rc_l == 0 and rc_r == 0 and remote == local and local != "",
              "%s %s: same output as locally (rc %s, %r)" % (what, form, rc_r,
                                                              err))


def test_refused(pub, client_flags, what, expected):
    t0 = time.monotonic()
    rc, out, err = run([interfaces, "--node", node_arg(pub), "--json"] +
                       client_flags)
    took = time.monotonic() - t0
    check(rc == 1 and out == "" and expected in err and node_arg(pub) in err,
          "%s: refused, exit 1 naming the node and %r (rc %s, %r)" %
          (what, expected, rc, err))
    check(took < NODE_GONE_BOUND_S, "%s: refused in %.1f s" % (what, took))


def test_plain():
    node, pub = start_node(["--publish", "127.0.0.1:0", "--insecure"])
    try:
        check(pub["address"] == "127.0.0.1" and pub["port"] > 0,
              "ready line names the publication: %s" % pub)
        test_same_output(pub, ["--insecure"], "plain")
        test_refused(pub, tls("client"), "a TLS client at a plain node",
                     "EHOSTUNREACH")
    finally:
        stop(node)


def test_tls():
    node, pub = start_node(["--publish", "127.0.0.1:0"] + tls("node"))
    try:
        test_same_output(pub, tls("client"), "TLS")
        test_refused(pub, tls("rogue", "other_ca"),
                     "a client whose certificate another CA signed",
                     "the TLS handshake failed")
        test_refused(pub, tls("rogue", "ca"),
                     "a client whose certificate another CA signed, "
                     "trusting the node's CA", "the TLS handshake failed")
        test_refused(pub, tls("client", "other_ca"),
                     "a client that does not trust the node's CA",
                     "the TLS handshake failed")
        test_refused(pub, ["--insecure"], "a plain client at a TLS node",
                     "the BASP handshake failed")
        # A peer without any certificate (CAF itself cannot be one: the apps
        # refuse that before asking it) is refused by the node.
        # TLS 1.3 refuses after the handshake: s_client keeps its stdin open
        # and ends when the node's alert closes the connection.
        r = subprocess.Popen(
            ["openssl", "s_client", "-connect", node_arg(pub), "-CAfile",
             os.path.join(certs, "ca.pem")], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        adopt(r)
        try:
            r.wait(timeout=HANG_GUARD_S)
        except subprocess.TimeoutExpired:
            r.kill()
            r.wait()
        r.stdin.close()
        text = r.stdout.read().decode()
        check("alert certificate required" in text or
              "alert handshake failure" in text,
              "a peer without a certificate is refused: %r" % text[-400:])
        check(node.poll() is None, "the node lives on after refusals")
        test_same_output(pub, tls("client"), "TLS after refusals")
    finally:
        stop(node)


# -- the node's peers in its gateway's stats ---------------------------------

def node_stats(node):
    """The "node" part of the node's stats, asked on its gateway."""
    gw = node.ready["gateways"][0]
    with socket.create_connection((gw["address"], gw["port"]),
                                  timeout=HANG_GUARD_S) as c:
        c.sendall(b'{"jsonrpc":"2.0","id":1,"method":"stats"}\n')
        line = c.makefile("rb").readline()
    return json.loads(line)["result"]["data"]["node"]


def wait_node_stats(node, pred, what):
    """Polls the stats (each answer is an event) until pred holds."""
    deadline = time.monotonic() + HANG_GUARD_S
    while True:
        s = node_stats(node)
        if pred(s):
            return s
        if time.monotonic() > deadline:
            fail("stats never showed %s: %s" % (what, json.dumps(s)))
            return s
        select.select([], [], [], 0.02)  # the polling interval


def test_peers_in_stats(node_flags, client_flags, what):
    node, pub = start_node(["--publish", "127.0.0.1:0"] + node_flags)
    watcher = None
    try:
        s = node_stats(node)
        check(s["published"] == pub and s["peers"] == [] and
              s["max_peers"] == 256 and s["untracked"] == 0,
              "%s: the node's stats before any peer: %s" % (what, s))
        t0_ms = int(time.time() * 1000)
        watcher = spawn([interfaces, "--node", node_arg(pub), "--watch"] +
                        client_flags)
        check("watching for changes" in read_line(watcher.stderr),
              "%s: the watch starts through the node" % what)
        s = wait_node_stats(node, lambda s: s["peers"], "the watcher's node")
        peers = s["peers"]
        check(len(peers) == 1 and peers[0]["address"] == "127.0.0.1" and
              peers[0]["port"] not in (0, pub["port"]) and
              re.fullmatch(r"[0-9A-F]{40}#%d" % watcher.pid, peers[0]["node"])
              and t0_ms <= peers[0]["since_ms"] <=
              int(time.time() * 1000),
              "%s: the watcher's node is the node's peer: %s" % (what, s))
        # Its port is the watcher's end of the one connection to the node.
        conns = subprocess.run(
            ["ss", "-Htnp", "state", "established", "dst",
             "127.0.0.1:%d" % pub["port"]], capture_output=True,
            text=True).stdout
        check(":%d " % peers[0]["port"] in conns and
              "pid=%d," % watcher.pid in conns,
              "%s: the peer's port is the watcher's connection: %r" %
              (what, conns))
        watcher.kill()
        watcher.wait()
        wait_node_stats(node, lambda s: s["peers"] == [],
                        "the killed watcher's node gone")
        check(node.poll() is None, "%s: the node lives on" % what)
    finally:
        if watcher:
            stop(watcher)
        stop(node)


def test_peers_plain():
    test_peers_in_stats(["--insecure"], ["--insecure"], "plain")


def test_peers_tls():
    test_peers_in_stats(tls("node"), tls("client"), "TLS")


# -- a node that goes away --------------------------------------------------

def wait_exit_within(proc, bound):
    t0 = time.monotonic()
    try:
        rc = proc.wait(timeout=HANG_GUARD_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None, HANG_GUARD_S
    return rc, time.monotonic() - t0


def test_killed_during_watch():
    node, pub = start_node(["--publish", "127.0.0.1:0", "--insecure"])
    watcher = spawn([interfaces, "--node", node_arg(pub), "--insecure",
                     "--watch"])
    check("watching for changes" in read_line(watcher.stderr),
          "the watch starts through the node")
    node.kill()
    rc, took = wait_exit_within(watcher, NODE_GONE_BOUND_S)
    err = watcher.stderr.read().decode()
    check(rc == 1 and took < NODE_GONE_BOUND_S and "EHOSTDOWN" in err and
          node_arg(pub) in err and "remote_link_unreachable" in err,
          "a killed node ends the watch within %d s naming it (rc %s, %.1f s, "
          "%r)" % (NODE_GONE_BOUND_S, rc, took, err))
    stop(node)
    # The node comes back on the same port: askers use it again.
    node2, pub2 = start_node(["--publish", node_arg(pub), "--insecure"])
    try:
        check(pub2 == pub, "the node is back on %s" % pub)
        test_same_output(pub2, ["--insecure"], "the node back")
    finally:
        stop(node2)


def test_frozen_during_watch():
    # No connection closes: only BASP's heartbeat can tell.
    node, pub = start_node(["--publish", "127.0.0.1:0", "--insecure"])
    try:
        watcher = spawn([interfaces, "--node", node_arg(pub), "--insecure",
                         "--watch"])
        check("watching for changes" in read_line(watcher.stderr),
              "the watch starts through the node")
        node.send_signal(signal.SIGSTOP)
        rc, took = wait_exit_within(watcher, NODE_GONE_BOUND_S)
        err = watcher.stderr.read().decode()
        check(rc == 1 and took < NODE_GONE_BOUND_S and "EHOSTDOWN" in err and
              node_arg(pub) in err,
              "a frozen node ends the watch within %d s naming it (rc %s, "
              "%.1f s, %r)" % (NODE_GONE_BOUND_S, rc, took, err))
    finally:
        node.send_signal(signal.SIGCONT)
        stop(node)


def test_killed_while_connecting():
    node, pub = start_node(["--publish", "127.0.0.1:0", "--insecure"])
    node.send_signal(signal.SIGSTOP)  # the kernel accepts; BASP waits
    asker = spawn([interfaces, "--node", node_arg(pub), "--insecure",
                   "--json"])
    # The asker has connected once the node's socket shows an established
    # connection (the kernel completed it; nobody answers).
    deadline = time.monotonic() + HANG_GUARD_S
    while ":%d " % pub["port"] not in subprocess.run(
            ["ss", "-Htn", "state", "established"], capture_output=True,
            text=True).stdout + " ":
        if time.monotonic() > deadline:
            fail("the asker never connected")
            break
        select.select([], [], [], 0.02)
    node.kill()
    rc, took = wait_exit_within(asker, NODE_GONE_BOUND_S)
    err = asker.stderr.read().decode()
    check(rc == 1 and took < NODE_GONE_BOUND_S and node_arg(pub) in err,
          "a node killed while the asker connects: exit 1 within %d s naming "
          "it (rc %s, %.1f s, %r)" % (NODE_GONE_BOUND_S, rc, took, err))
    stop(node)


# -- two namespaces joined by a veth -----------------------------------------

def addresses_from_ip(ip_json):
    out = {}
    for link in ip_json:
        addrs = sorted((("ipv4" if a["family"] == "inet" else "ipv6"),
                        a["local"], a["prefixlen"])
                       for a in link.get("addr_info", []))
        out[link["ifname"]] = (link.get("address", "").lower(), addrs)
    return out


def addresses_from_app(report):
    out = {}
    for i in report["interfaces"]:
        addrs = sorted((a["family"], a["address"], a["prefix"])
                       for a in i["addresses"])
        out[i["name"]] = (i["mac"], addrs)
    return out


def new_namespace():
    """A network namespace of its own (it ends with the returned process)
    and the command prefix that runs a program in it."""
    other = spawn(["unshare", "--net", "sleep", str(10 * HANG_GUARD_S)])
    me = os.readlink("/proc/self/ns/net")
    deadline = time.monotonic() + HANG_GUARD_S
    while os.readlink("/proc/%d/ns/net" % other.pid) == me:
        if time.monotonic() > deadline:
            raise RuntimeError("the other namespace never appeared")
        select.select([], [], [], 0.01)
    return other, ["nsenter", "--net=/proc/%d/ns/net" % other.pid]


def node_namespace():
    """The node's namespace, joined to this one by a veth: va here
    (198.51.100.1), vb there (198.51.100.2, 2001:db8::2)."""
    other, there = new_namespace()
    # A previous test's veth may outlive its namespace for a moment (the
    # kernel dismantles namespaces lazily): it goes now.
    subprocess.run(["ip", "link", "del", "va"], stderr=subprocess.DEVNULL)
    # No automatic link-local addresses: one appearing between the two
    # readings of test_two_namespaces would make the comparison race.
    sh("ip link add va type veth peer name vb")
    sh("ip link set va addrgenmode none && ip link set vb addrgenmode none")
    sh("ip link set vb netns %d" % other.pid)
    sh("ip addr add 198.51.100.1/24 dev va && ip link set va up")
    sh(" ".join(there) + " sh -c 'ip link set lo up && "
       "ip addr add 198.51.100.2/24 dev vb && "
       "ip addr add 2001:db8::2/64 dev vb nodad && ip link set vb up'")
    return other, there


def test_two_namespaces():
    other, there = node_namespace()
    node, pub = start_node(["--publish", "198.51.100.2:0"] + tls("node"),
                           prefix=there)
    try:
        rc, out, err = run([interfaces, "--node", node_arg(pub), "--json"] +
                           tls("client"))
        _, ip_there, _ = run(["ip", "-j", "addr"], prefix=there)
        _, ip_here, _ = run(["ip", "-j", "addr"])
        if check(rc == 0, "interfaces --node across the veth: %r" % err):
            remote = addresses_from_app(json.loads(out))
            check(remote == addresses_from_ip(json.loads(ip_there)),
                  "exactly the other namespace's interfaces: %s vs %s" %
                  (remote, ip_there))
            check(remote != addresses_from_ip(json.loads(ip_here)),
                  "not this namespace's")
    finally:
        stop(node)
        stop(other)


# -- dns_connect, echo_client, dhcp_discover --node -------------------------

def start_peer(mode, label, host="127.0.0.1", prefix=()):
    """tcp_peer.py in MODE (greet, echo, silent): (process, port)."""
    p = subprocess.Popen(list(prefix) + [sys.executable, tcp_peer, host, mode,
                                         label],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    adopt(p)
    return p, json.loads(read_line(p.stdout))["port"]


def run_input(cmd, text):
    r = subprocess.run(cmd, input=text.encode(), capture_output=True,
                       timeout=HANG_GUARD_S)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def without_times(text):
    """Attempt and total times differ from run to run; nothing else may."""
    return re.sub(r"\b\d+ ms\b", "N ms", text)


def dns_report(out):
    try:
        j = json.loads(out)
    except ValueError:
        return out
    for a in j.get("attempts", []):
        a["ms"] = 0
    return j


def echo_summary(out):
    """The last line's summary without the latencies."""
    try:
        j = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return out
    j.pop("p50_us", None)
    j.pop("p99_us", None)
    return j


def same_as_local(app, args, flags, pub, rc, what, shape=lambda o: o,
                  stdin=None, local_prefix=(), compare_err=True):
    """APP ARGS locally and through the node: the same exit code `rc`, the
    same stdout (after `shape`) and the same stderr (times aside)."""
    node_cmd = [app, "--node", node_arg(pub)] + flags + args
    local_cmd = list(local_prefix) + [app] + args
    if stdin is None:
        rc_l, out_l, err_l = run(local_cmd)
        rc_r, out_r, err_r = run(node_cmd)
    else:
        rc_l, out_l, err_l = run_input(local_cmd, stdin)
        rc_r, out_r, err_r = run_input(node_cmd, stdin)
    ok = check(rc_l == rc and rc_r == rc,
               "%s: exit %d locally and through the node (got %s and %s: "
               "%r / %r)" % (what, rc, rc_l, rc_r, err_l, err_r))
    ok = check(shape(out_l) == shape(out_r) and out_l + err_l != "",
               "%s: the same output (%r vs %r)" % (what, out_l, out_r)) and ok
    if compare_err:
        ok = check(without_times(err_l) == without_times(err_r),
                   "%s: the same stderr (%r vs %r)" % (what, err_l,
                                                       err_r)) and ok
    return ok, out_r


def jobs_cases(pub, flags, what, full):
    greet, greet_port = start_peer("greet", "here")
    echo, echo_port = start_peer("echo", "here")
    same_as_local(dns_connect, ["--json", "--send", "ping", SERVER_NAME,
                                str(greet_port)], flags, pub, 0,
                  what + " dns_connect --json to a greeting peer",
                  shape=dns_report)
    same_as_local(echo_client, ["--connect", "127.0.0.1:%d" % echo_port,
                                "--count", "40", "--size", "300",
                                "--concurrency", "3"], flags, pub, 0,
                  what + " echo_client --count", shape=echo_summary)
    same_as_local(dhcp_discover, ["--interface", "nosuch0", "--timeout", "1",
                                  "--json"], flags, pub, 2,
                  what + " dhcp_discover on an interface the node lacks")
    if not full:
        return
    same_as_local(dns_connect, ["--send", "ping", SERVER_NAME,
                                str(greet_port)], flags, pub, 0,
                  what + " dns_connect (text) to a greeting peer")
    for form in (["--json"], []):
        same_as_local(dns_connect, form + ["127.0.0.1", "1"], flags, pub, 1,
                      what + " dns_connect %s to a closed port" % form,
                      shape=dns_report)
        ok, out = same_as_local(dns_connect, form + ["nowhere.node.test", "1"],
                                flags, pub, 2,
                                what + " dns_connect %s to an unknown name" %
                                form, shape=dns_report)
        if form:
            check("EAI_NONAME" in out, "an unknown name is EAI_NONAME: %r" % out)
    same_as_local(echo_client, ["--connect", "127.0.0.1:%d" % echo_port],
                  flags, pub, 0, what + " echo_client with stdin lines",
                  shape=echo_summary, stdin="one\ntwo\nthree\n")
    same_as_local(echo_client, ["--connect", "127.0.0.1:1", "--count", "1"],
                  flags, pub, 1, what + " echo_client to a closed port",
                  shape=echo_summary)
    same_as_local(dhcp_discover, ["--interface", "lo", "--timeout", "1"],
                  flags, pub, 2,
                  what + " dhcp_discover on an interface without Ethernet")


def test_jobs_usage():
    cases = [
        ([dns_connect, "--node", "127.0.0.1:1", "127.0.0.1", "1"],
         "needs --tls-cert"),
        ([echo_client, "--node", "198.51.100.2:1", "--insecure"],
         "--insecure only on a loopback address"),
        ([dhcp_discover, "--interface", "x", "--node", "127.0.0.1:1",
          "--insecure"] + tls("client"), "exclude each other"),
        ([echo_client, "--node", "127.0.0.1:1", "--insecure", "--count", "100",
          "--concurrency", "65"], "at most 64 connections"),
        ([echo_client, "--node", "127.0.0.1:1", "--insecure", "--deadline",
          "3601"], "--deadline is at most 3600 s"),
    ]
    for cmd, expected in cases:
        rc, out, err = run(cmd)
        check(rc == 2 and expected in err and out == "",
              "%s: exit 2 saying %r (got %s, %r)" % (cmd, expected, rc, err))


def test_jobs_plain():
    node, pub = start_node(["--publish", "127.0.0.1:0", "--insecure"])
    try:
        jobs_cases(pub, ["--insecure"], "plain", True)
        check(node.poll() is None, "the node lives on after the jobs")
    finally:
        stop(node)


def test_jobs_tls():
    node, pub = start_node(["--publish", "127.0.0.1:0"] + tls("node"))
    try:
        jobs_cases(pub, tls("client"), "TLS", False)
    finally:
        stop(node)


def ends_naming(asker, pub, what):
    rc, took = wait_exit_within(asker, NODE_GONE_BOUND_S)
    err = asker.stderr.read().decode()
    check(rc == 1 and took < NODE_GONE_BOUND_S and "EHOSTDOWN" in err and
          node_arg(pub) in err,
          "%s: exit 1 within %d s naming the node (rc %s, %.1f s, %r)" %
          (what, NODE_GONE_BOUND_S, rc, took, err))


def wait_for_socket(prefix, ss_args, port_text):
    """Until `ss ss_args` (run with prefix) lists port_text."""
    deadline = time.monotonic() + HANG_GUARD_S
    while port_text not in subprocess.run(
            list(prefix) + ["ss", "-H"] + ss_args, capture_output=True,
            text=True).stdout + " ":
        if time.monotonic() > deadline:
            return False
        select.select([], [], [], 0.02)
    return True


def test_jobs_node_killed():
    silent, port = start_peer("silent", "here")
    askers = [
        ("echo_client", [echo_client, "--connect", "127.0.0.1:%d" % port,
                         "--count", "1"]),
        ("dns_connect mid-stream", [dns_connect, "--idle", "60000",
                                    SERVER_NAME, str(port)]),
    ]
    for what, cmd in askers:
        node, pub = start_node(["--publish", "127.0.0.1:0", "--insecure"])
        asker = spawn(cmd + ["--node", node_arg(pub), "--insecure"])
        check(read_line(silent.stdout) == "accepted\n",
              "%s: the node connected" % what)
        node.kill()
        ends_naming(asker, pub, "a node killed during " + what)
        check(read_line(silent.stdout) == "closed\n",
              "%s: the dead node's connection closed" % what)
        stop(node)
    # DHCP: a veth with nobody behind it; the node's discovery listens on
    # port 68 until its timeout.
    sh("ip link add dk0 type veth peer name dk1 && ip link set dk0 up && "
       "ip link set dk1 up")
    node, pub = start_node(["--publish", "127.0.0.1:0", "--insecure"])
    try:
        asker = spawn([dhcp_discover, "--interface", "dk0", "--timeout", "60",
                       "--node", node_arg(pub), "--insecure"])
        check(wait_for_socket((), ["-uln"], ":68 "),
              "dhcp_discover: the node's discovery listens")
        node.kill()
        ends_naming(asker, pub, "a node killed during dhcp_discover")
    finally:
        stop(node)
        sh("ip link del dk0")


def test_jobs_asker_killed():
    node, pub = start_node(["--publish", "127.0.0.1:0", "--insecure"])
    silent, port = start_peer("silent", "here")
    try:
        for what, cmd in (
                ("dns_connect", [dns_connect, "--idle", "60000", SERVER_NAME,
                                 str(port)]),
                ("echo_client", [echo_client, "--connect",
                                 "127.0.0.1:%d" % port, "--count", "1"])):
            asker = spawn(cmd + ["--node", node_arg(pub), "--insecure"])
            check(read_line(silent.stdout) == "accepted\n",
                  "%s: the node connected" % what)
            t0 = time.monotonic()
            asker.kill()
            asker.wait()
            check(read_line(silent.stdout) == "closed\n" and
                  time.monotonic() - t0 < NODE_GONE_BOUND_S,
                  "%s: the asker gone, the node closes its connection" % what)
        check(node.poll() is None, "the node lives on")
        greet, greet_port = start_peer("greet", "here")
        rc, out, err = run([dns_connect, "--node", node_arg(pub), "--insecure",
                            SERVER_NAME, str(greet_port)])
        check(rc == 0 and out == "hello from here\n",
              "the node works after its askers went (rc %s, %r)" % (rc, err))
    finally:
        stop(node)


def test_jobs_two_namespaces():
    other, there = node_namespace()
    greet, port = start_peer("greet", "there", prefix=there)
    node, pub = start_node(["--publish", "198.51.100.2:0"] + tls("node"),
                           prefix=there)
    try:
        rc, out, err = run([dns_connect, "--node", node_arg(pub), "--json",
                            SERVER_NAME, str(port)] + tls("client"))
        rep = dns_report(out)
        check(rc == 0 and isinstance(rep, dict) and
              rep.get("received") == "hello from there\n" and
              rep.get("connected") == "127.0.0.1:%d" % port,
              "dns_connect --node connects from the node's namespace "
              "(rc %s, %r, %r)" % (rc, out, err))
        rc, out, _ = run([dns_connect, "--json", SERVER_NAME, str(port)])
        check(rc == 1 and dns_report(out).get("error") == "ECONNREFUSED",
              "the listener is not reachable from here (rc %s, %r)" % (rc, out))
    finally:
        stop(node)
        stop(greet)
        stop(other)


def test_dhcp_behind_the_node():
    """dnsmasq in a third namespace whose only link is a veth to the node's
    namespace (dc0 there, ds0 at the server)."""
    other, there = node_namespace()
    server, at_server = new_namespace()
    sh("ip link add dc0 type veth peer name ds0")
    sh("ip link set dc0 netns %d && ip link set ds0 netns %d" %
       (other.pid, server.pid))
    sh(" ".join(there) + " ip link set dc0 up")
    sh(" ".join(at_server) + " sh -c 'ip link set lo up && "
       "ip addr add 192.0.2.1/24 dev ds0 && ip link set ds0 up'")
    dnsmasq = spawn(at_server + [
        "dnsmasq", "-d", "--keep-in-foreground", "--conf-file=/dev/null",
        "--port=0", "--interface=ds0", "--bind-interfaces",
        "--except-interface=lo",
        "--dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,1h",
        "--dhcp-option=option:router,192.0.2.1",
        "--dhcp-option=option:dns-server,192.0.2.53", "--dhcp-authoritative",
        "--no-ping", "--dhcp-leasefile=" + os.path.join(certs, "leases"),
        "--pid-file=" + os.path.join(certs, "dnsmasq.pid"),
        "--log-facility=" + os.path.join(certs, "dnsmasq.log")])
    node = None
    try:
        if not check(wait_for_socket(at_server, ["-uln"], ":67 "),
                     "dnsmasq listens"):
            return
        node, pub = start_node(["--publish", "198.51.100.2:0"] + tls("node"),
                               prefix=there)
        args = ["--interface", "dc0", "--timeout", "5", "--json"]

        def offers(out):
            try:
                j = json.loads(out)
            except ValueError:
                return out
            return (list(j), j["interface"], j["mac"],
                    [(o["server_id"], o["subnet_mask"], o["routers"], o["dns"])
                     for o in j["offers"]])

        ok, out = same_as_local(dhcp_discover, args, tls("client"), pub, 0,
                                "dhcp_discover --node behind the node's "
                                "interface", shape=offers, local_prefix=there)
        if ok:
            o = json.loads(out)["offers"]
            check(o and o[0]["server_id"] == "192.0.2.1" and
                  o[0]["your_ip"].startswith("192.0.2."),
                  "dnsmasq's offer through the node: %s" % o)
        rc, _, err = run([dhcp_discover] + args)
        check(rc == 2 and "ENODEV" in err,
              "dc0 is not here (rc %s, %r)" % (rc, err))
    finally:
        if node:
            stop(node)
        stop(dnsmasq)
        stop(server)
        stop(other)



def private_name_files():
    """SERVER_NAME for this mount namespace only: /etc/hosts and
    /etc/nsswitch.conf bind-mounted from scratch files."""
    for name, text in (("hosts", "127.0.0.1 localhost\n127.0.0.1 %s\n" %
                        SERVER_NAME), ("nsswitch.conf", "hosts: files\n")):
        path = os.path.join(certs, "etc_" + name)
        with open(path, "w") as f:
            f.write(text)
        sh("mount --bind %s /etc/%s" % (path, name))


def main():
    if os.environ.get("NODE_TEST_NS") != "1":
        env = dict(os.environ, NODE_TEST_NS="1")
        os.execvpe("unshare", ["unshare", "--net", "--mount",
                               "--propagation", "private", sys.executable,
                               os.path.abspath(__file__)] + sys.argv[1:], env)
    sh("ip link set lo up")
    subprocess.run([make_certs, certs], check=True)
    private_name_files()
    try:
        for test in (test_usage, test_plain, test_tls,
                     test_peers_plain, test_peers_tls,
                     test_killed_during_watch,
                     test_frozen_during_watch, test_killed_while_connecting,
                     test_two_namespaces, test_jobs_usage, test_jobs_plain,
                     test_jobs_tls, test_jobs_node_killed,
                     test_jobs_asker_killed, test_jobs_two_namespaces,
                     test_dhcp_behind_the_node):
            print("--", test.__name__, file=sys.stderr, flush=True)
            test()
    finally:
        def unmount_and_remove():
            for name in ("hosts", "nsswitch.conf"):
                subprocess.run(["umount", "/etc/" + name])
            subprocess.run(["rm", "-rf", certs])
        finish(unmount_and_remove)


main()
