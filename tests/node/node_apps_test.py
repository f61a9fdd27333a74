#!/usr/bin/env python3
"""netnode --publish and interfaces --node as processes: plain BASP on
loopback, mutual TLS (a good certificate works; one from another CA, and
none at all, are refused and the refused side says why), a node that goes
away (killed or frozen) while an asker waits on it, and two network
namespaces joined by a veth where `interfaces --node` prints exactly the
other namespace's interfaces (compared with `ip -j addr` run there).

The test runs in a private network namespace of its own (it re-executes
itself under `unshare --net`, as root) and makes its certificates with the
openssl CLI (make_certs.sh) in a scratch directory; nothing is committed.

Usage: node_apps_test.py NETNODE INTERFACES MAKE_CERTS. Every wait is for an
event, bounded by a hang guard; the 5 s bound on a vanished node is the
issue's promise. Every process started is killed on exit.
"""
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import child_output  # noqa: E402  (tests/support, in the runfiles)

HANG_GUARD_S = 20
NODE_GONE_BOUND_S = 5   # the asker ends with the named error within this

netnode, interfaces, make_certs = (os.path.abspath(a) for a in sys.argv[1:4])
failures = []
started = []


def fail(what):
    print("FAIL: " + what, file=sys.stderr)
    failures.append(what)


def check(cond, what):
    if not cond:
        fail(what)
    return cond


def sh(cmd):
    subprocess.run(cmd, shell=True, check=True)


def start(cmd):
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    started.append(proc)
    return proc


def read_line(f):
    return child_output.read_line(f, HANG_GUARD_S)


def start_node(args, prefix=()):
    p = start(list(prefix) + [netnode, "--gateway", "127.0.0.1:0"] + args)
    line = read_line(p.stdout)
    if not line:
        raise RuntimeError("netnode ended: " + p.stderr.read().decode())
    msg = json.loads(line)
    assert msg["event"] == "ready", line
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
        started.append(r)
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
    watcher = start([interfaces, "--node", node_arg(pub), "--insecure",
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
        watcher = start([interfaces, "--node", node_arg(pub), "--insecure",
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
    asker = start([interfaces, "--node", node_arg(pub), "--insecure",
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


def test_two_namespaces():
    other = start(["unshare", "--net", "sleep", str(10 * HANG_GUARD_S)])
    me = os.readlink("/proc/self/ns/net")
    deadline = time.monotonic() + HANG_GUARD_S
    while os.readlink("/proc/%d/ns/net" % other.pid) == me:
        if time.monotonic() > deadline:
            raise RuntimeError("the other namespace never appeared")
        select.select([], [], [], 0.01)
    there = ["nsenter", "--net=/proc/%d/ns/net" % other.pid]
    # No automatic link-local addresses: one appearing between the two
    # readings below would make the comparison race.
    sh("ip link add va type veth peer name vb")
    sh("ip link set va addrgenmode none && ip link set vb addrgenmode none")
    sh("ip link set vb netns %d" % other.pid)
    sh("ip addr add 198.51.100.1/24 dev va && ip link set va up")
    sh(" ".join(there) + " sh -c 'ip link set lo up && "
       "ip addr add 198.51.100.2/24 dev vb && "
       "ip addr add 2001:db8::2/64 dev vb nodad && ip link set vb up'")
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


def main():
    if os.environ.get("NODE_TEST_NS") != "1":
        env = dict(os.environ, NODE_TEST_NS="1")
        os.execvpe("unshare", ["unshare", "--net", sys.executable,
                               os.path.abspath(__file__)] + sys.argv[1:], env)
    sh("ip link set lo up")
    subprocess.run([make_certs, certs], check=True)
    try:
        for test in (test_usage, test_plain, test_tls, test_killed_during_watch,
                     test_frozen_during_watch, test_killed_while_connecting,
                     test_two_namespaces):
            print("--", test.__name__, file=sys.stderr, flush=True)
            test()
    finally:
        for p in started:
            if p.poll() is None:
                p.send_signal(signal.SIGCONT)
                p.kill()
                p.wait()
        subprocess.run(["rm", "-rf", certs])
    if failures:
        print("%d failure(s)" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("all passed", file=sys.stderr)


main()
