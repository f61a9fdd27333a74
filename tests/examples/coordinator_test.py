#!/usr/bin/env python3
"""examples/coordinator as a process, against listeners the test opens.

The whole test runs in network and mount namespaces of its own (it
re-executes itself under `unshare --net --mount`, as root): the only
interface is lo, and the one name it resolves, dual.test, is served by a
hosts file bind-mounted over /etc/hosts inside that namespace (with
"hosts: files" in nsswitch.conf), so nothing of the host matters and no
query leaves the namespace.

- 127.0.0.1 and ::1: exit 0, and the JSON summary names 1 interface, the
  address, the connection made (the listener saw it, then its close);
- dual.test (::1 and 127.0.0.1, only 127.0.0.1 listening): Happy Eyeballs
  tries ::1 first, is refused, and connects to 127.0.0.1;
- a port nobody listens on: exit 1, ECONNREFUSED in the JSON and on stderr;
- a name that does not resolve: exit 1 naming EAI_NONAME;
- bad usage: exit 2.

Usage: coordinator_test.py COORDINATOR. Every wait is bounded.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import check, fail, finish, sh  # noqa: E402  (tests/support)

HANG_GUARD_S = 30

coordinator = os.path.abspath(sys.argv[1])





def run(*args):
    p = subprocess.run([coordinator] + list(args), capture_output=True,
                       text=True, timeout=HANG_GUARD_S)
    summary = None
    if p.stdout.strip():
        try:
            summary = json.loads(p.stdout)
        except ValueError:
            fail("%s: stdout is not JSON: %r" % (args, p.stdout))
    return p.returncode, summary, p.stderr


def listener(family, address):
    s = socket.socket(family)
    s.bind((address, 0))
    s.listen(4)
    s.settimeout(HANG_GUARD_S)
    return s


def unused_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_connects(host, family, address, connected_as):
    lis = listener(family, address)
    port = lis.getsockname()[1]
    rc, summary, err = run(host, str(port))
    print("%s: exit %d %s" % (host, rc, summary))
    if check(rc == 0, "%s: exit %d, stderr %r" % (host, rc, err)) and summary:
        check(summary.get("host") == host and summary.get("port") == port,
              "%s: host/port in %s" % (host, summary))
        check(summary.get("interfaces") == 1, "%s: interfaces (only lo): %s"
              % (host, summary.get("interfaces")))
        check(summary.get("connected") == connected_as % port,
              "%s: connected %s" % (host, summary.get("connected")))
        check(isinstance(summary.get("elapsed_ms"), int) and
              summary["elapsed_ms"] >= 0, "%s: elapsed_ms" % host)
        check("error" not in summary, "%s: error in %s" % (host, summary))
    # The listener saw the connection, and the coordinator closed it.
    conn, _ = lis.accept()
    conn.settimeout(HANG_GUARD_S)
    check(conn.recv(1) == b"", "%s: the connection was not closed" % host)
    conn.close()
    lis.close()
    return summary


def test_refused():
    port = unused_port()
    rc, summary, err = run("127.0.0.1", str(port))
    print("refused: exit %d %s" % (rc, summary))
    check(rc == 1 and "ECONNREFUSED" in err,
          "refused: exit %d, stderr %r" % (rc, err))
    check(summary is not None and summary.get("error") == "ECONNREFUSED" and
          summary.get("connected") is None and
          summary.get("addresses") == ["127.0.0.1"],
          "refused: summary %s" % summary)


def test_no_such_name():
    rc, summary, err = run("nosuch.test", "80")
    print("nosuch.test: exit %d %s" % (rc, summary))
    check(rc == 1 and "EAI_NONAME" in err,
          "nosuch.test: exit %d, stderr %r" % (rc, err))
    check(summary is not None and summary.get("error") == "EAI_NONAME" and
          summary.get("addresses") == [], "nosuch.test: summary %s" % summary)


def test_usage():
    for args in ([], ["127.0.0.1"], ["127.0.0.1", "0"], ["127.0.0.1", "x"],
                 ["127.0.0.1", "1", "2"]):
        rc, _, err = run(*args)
        check(rc == 2 and "usage:" in err, "usage %s: exit %d" % (args, rc))


def private_name_files(tmp):
    """dual.test for this mount namespace only: /etc/hosts and
    /etc/nsswitch.conf bind-mounted from files in `tmp`."""
    for name, text in (("hosts", "127.0.0.1 dual.test\n::1 dual.test\n"),
                       ("nsswitch.conf", "hosts: files\n")):
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            f.write(text)
        sh("mount --bind %s /etc/%s" % (path, name))


def main():
    if os.environ.get("COORDINATOR_TEST_NS") != "1":
        env = dict(os.environ, COORDINATOR_TEST_NS="1")
        os.execvpe("unshare", ["unshare", "--net", "--mount", sys.executable,
                               os.path.abspath(__file__), coordinator], env)
    sh("ip link set lo up")
    with tempfile.TemporaryDirectory() as tmp:
        private_name_files(tmp)
        test_usage()
        s = test_connects("127.0.0.1", socket.AF_INET, "127.0.0.1", "127.0.0.1:%d")
        check(s is None or s.get("addresses") == ["127.0.0.1"],
              "127.0.0.1: addresses %s" % (s and s.get("addresses")))
        s = test_connects("::1", socket.AF_INET6, "::1", "[::1]:%d")
        check(s is None or s.get("addresses") == ["::1"],
              "::1: addresses %s" % (s and s.get("addresses")))
        s = test_connects("dual.test", socket.AF_INET, "127.0.0.1", "127.0.0.1:%d")
        check(s is None or sorted(s.get("addresses", [])) == ["127.0.0.1", "::1"],
              "dual.test: addresses %s" % (s and s.get("addresses")))
        test_refused()
        test_no_such_name()
    finish()


main()
