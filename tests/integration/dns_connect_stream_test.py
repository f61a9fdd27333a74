#!/usr/bin/env python3
"""dns_connect against a peer on 127.0.0.1 that streams 64 MiB and then
stays silent (dns_connect stops after --idle): memory stays small whatever
the peer sends.

- with --json the report holds the first 64 KiB of "received", says
  "received_truncated":true and counts every byte in "received_bytes";
- without --json every byte reaches stdout, in order, as it arrives.

Usage: dns_connect_stream_test.py DNS_CONNECT. Peak RSS comes from wait4(),
compared with a run that receives 64 KiB (so sanitizer builds compare alike).
Every wait is bounded; every process and socket is closed on exit.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading

STREAM = 64 << 20
CHUNK = b"".join(b"%07d\n" % i for i in range(8192))  # 64 KiB, ASCII
LIMIT = 64 << 10
# Holding what the peer sent would add 64 MiB at least; the mailbox backlog
# it may keep is ~1 MiB.
MAX_GROWTH_KIB = 16 << 10

dns_connect = sys.argv[1]
failures = []


def fail(what):
    print("FAIL: " + what, file=sys.stderr)
    failures.append(what)


def streaming_peer(stream):
    """A listener whose every connection gets `stream` bytes, then silence
    until the client closes."""
    lis = socket.socket()
    lis.bind(("127.0.0.1", 0))
    lis.listen(4)

    def serve():
        while True:
            try:
                conn, _ = lis.accept()
            except OSError:
                return
            try:
                sent = 0
                while sent < stream:
                    conn.sendall(CHUNK)
                    sent += len(CHUNK)
                conn.settimeout(60)
                while conn.recv(1 << 16):
                    pass
            except OSError:
                pass
            finally:
                conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return lis


def run(args, stdout):
    env = dict(os.environ)
    # Under ASan freed blocks wait in its quarantine (256 MiB by default):
    # memory that is no longer ours but still resident. Keep it small.
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=1"
    proc = subprocess.Popen([dns_connect] + args, stdin=subprocess.DEVNULL,
                            stdout=stdout, stderr=subprocess.PIPE, env=env)
    timer = threading.Timer(60, proc.kill)  # hang guard
    timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    return proc.returncode, usage.ru_maxrss, err


lis = streaming_peer(STREAM)
port = str(lis.getsockname()[1])
small = streaming_peer(len(CHUNK))
try:
    with tempfile.TemporaryFile() as out:
        rc, base_rss, err = run(
            ["127.0.0.1", str(small.getsockname()[1]), "--idle", "300", "--json"],
            out)
    print("64 KiB: exit code %d, peak RSS %d KiB" % (rc, base_rss))
    if rc != 0:
        fail("64 KiB: exit code %d: %s" % (rc, err))
    MAX_RSS_KIB = base_rss + MAX_GROWTH_KIB
    with tempfile.TemporaryFile() as out:
        rc, rss, err = run(["127.0.0.1", port, "--idle", "300", "--json"], out)
        out.seek(0)
        text = out.read()
    print("--json: exit code %d, peak RSS %d KiB" % (rc, rss))
    if rc != 0:
        fail("--json: exit code %d: %s" % (rc, err))
    else:
        report = json.loads(text)
        if report.get("received_bytes") != STREAM:
            fail("--json: received_bytes %r, want %d"
                 % (report.get("received_bytes"), STREAM))
        if report.get("received_truncated") is not True:
            fail("--json: no \"received_truncated\":true")
        want = (CHUNK * 2)[:LIMIT].decode()
        if report.get("received") != want:
            fail("--json: received is %d bytes, not the first %d"
                 % (len(report.get("received", "")), LIMIT))
    if rss > MAX_RSS_KIB:
        fail("--json: peak RSS %d KiB (limit %d)" % (rss, MAX_RSS_KIB))

    with tempfile.TemporaryFile() as out:
        rc, rss, err = run(["127.0.0.1", port, "--idle", "300"], out)
        size = out.tell()
        out.seek(0)
        same = True
        for _ in range(STREAM // len(CHUNK)):
            if out.read(len(CHUNK)) != CHUNK:
                same = False
                break
        same = same and out.read(1) == b""
    print("stdout: exit code %d, %d bytes, peak RSS %d KiB" % (rc, size, rss))
    if rc != 0:
        fail("stdout: exit code %d: %s" % (rc, err))
    if size != STREAM or not same:
        fail("stdout: got %d bytes, not the %d streamed in order" % (size, STREAM))
    if rss > MAX_RSS_KIB:
        fail("stdout: peak RSS %d KiB (limit %d)" % (rss, MAX_RSS_KIB))
finally:
    lis.close()
    small.close()

if failures:
    print("%d failure(s)" % len(failures), file=sys.stderr)
    sys.exit(1)
print("PASS")
