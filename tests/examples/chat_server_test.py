#!/usr/bin/env python3
"""examples/chat_server as a process, with real clients on 127.0.0.1.

- the first stdout line says where it listens;
- with three members, each line reaches the two others, in order, prefixed
  with its sender's address, and never comes back to its sender; joins and
  leaves are announced to the others;
- a line over --max-line is not relayed: its sender is told (EMSGSIZE) and
  the next line goes through;
- a member that never reads (a small SO_RCVBUF; the others' lines pile up
  for it) is cut off once its write queue passes --max-queue: the others
  are told, it gets EOF, and the two others keep exchanging lines;
- a port in use exits 1 naming EADDRINUSE, bad usage exits 2, SIGTERM
  exits 0.

Usage: chat_server_test.py CHAT_SERVER. Every wait is for an event, bounded
by a hang guard (not a timing claim); every process started is killed on
exit.
"""
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import check, failures, finish, spawn  # noqa: E402  (tests/support)

HANG_GUARD_S = 20
MAX_LINE = 4096
MAX_QUEUE = 256 * 1024
# The never-reader must be cut off long before this much was sent to it.
MAX_ROUNDS = 5000

chat_server = sys.argv[1]




def start(args):
    return spawn([chat_server] + args)


def first_line(proc):
    r, _, _ = select.select([proc.stdout], [], [], HANG_GUARD_S)
    if not r:
        raise RuntimeError("no stdout line within the hang guard")
    return proc.stdout.readline().decode()


def wait_exit(proc):
    try:
        return proc.wait(HANG_GUARD_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return "hung"


class Client:
    """One chat member: reads lines as they come, in order."""

    def __init__(self, port, rcvbuf=None):
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect(("127.0.0.1", port))
        self.name = "%s:%d" % self.sock.getsockname()
        self.buf = b""
        self.lines = []   # every complete line received
        self.next = 0     # the first line next_line() has not returned
        self.eof = False
        self.received = 0

    def pump(self, timeout):
        """Reads what arrives within `timeout`; False if nothing did."""
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return False
        try:
            data = self.sock.recv(1 << 16)
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
            return True
        self.received += len(data)
        self.buf += data
        *done, self.buf = self.buf.split(b"\n")
        self.lines += [line.decode() for line in done]
        return True

    def next_line(self):
        deadline = time.monotonic() + HANG_GUARD_S
        while self.next == len(self.lines):
            if self.eof:
                raise EOFError("%s: EOF" % self.name)
            if time.monotonic() > deadline:
                raise RuntimeError("%s: no line within the hang guard" % self.name)
            self.pump(0.5)
        self.next += 1
        return self.lines[self.next - 1]

    def expect(self, want):
        got = self.next_line()
        check(got == want, "%s: got %r, want %r" % (self.name, got[:120], want[:120]))

    def say(self, text):
        self.sock.sendall(text.encode() + b"\n")

    def close(self):
        self.sock.close()


def test_usage():
    for args in (["--max-line", "x"], ["--max-queue", "0"], ["--listen"],
                 ["--listen", "localhost:1"], ["--bogus", "1"]):
        p = subprocess.run([chat_server] + args, capture_output=True,
                           timeout=HANG_GUARD_S)
        check(p.returncode == 2 and b"usage:" in p.stderr,
              "usage %s: exit %d, stderr %r" % (args, p.returncode, p.stderr))


def test_port_in_use(port):
    p = subprocess.run([chat_server, "--listen", "127.0.0.1:%d" % port],
                       capture_output=True, timeout=HANG_GUARD_S)
    check(p.returncode == 1 and b"EADDRINUSE" in p.stderr,
          "port in use: exit %d, stderr %r" % (p.returncode, p.stderr))


def test_three_members(port):
    a = Client(port)
    b = Client(port)
    a.expect("* %s joined" % b.name)
    c = Client(port)
    a.expect("* %s joined" % c.name)
    b.expect("* %s joined" % c.name)
    for sender in (a, b, c):
        sender.say("hello from " + sender.name)
        for other in (a, b, c):
            if other is not sender:
                other.expect("%s: hello from %s" % (sender.name, sender.name))
    # Too long: only its sender hears of it; the next line goes through.
    a.say("x" * (MAX_LINE + 1))
    a.say("short again")
    got = a.next_line()
    check(got.startswith("* not sent: EMSGSIZE"), "a: over-long line: %r" % got)
    b.expect("%s: short again" % a.name)
    c.expect("%s: short again" % a.name)
    c.close()
    a.expect("* %s left" % c.name)
    b.expect("* %s left" % c.name)
    # Nobody ever got a line back from itself (every line was checked above).
    for m in (a, b, c):
        check(not any(l.startswith(m.name + ":") for l in m.lines),
              "%s got its own line back" % m.name)
    return a, b


def test_never_reader(port, a, b):
    d = Client(port, rcvbuf=4096)  # and never reads until cut off
    a.expect("* %s joined" % d.name)
    b.expect("* %s joined" % d.name)
    cut = "* %s was cut off (ENOBUFS: it does not read)" % d.name
    payload = "y" * 2000
    seen_cut = {a: False, b: False}
    rounds = 0

    def exchange(i):
        # a and b each send line i and wait for the other's line i; the
        # cut-off notice may come in between, once.
        for sender, receiver in ((a, b), (b, a)):
            sender.say("%d %s" % (i, payload))
        for sender, receiver in ((a, b), (b, a)):
            want = "%s: %d %s" % (sender.name, i, payload)
            got = receiver.next_line()
            if got == cut and not seen_cut[receiver]:
                seen_cut[receiver] = True
                got = receiver.next_line()
            check(got == want, "%s: round %d: got %r" % (receiver.name, i, got[:80]))

    while not (seen_cut[a] and seen_cut[b]) and rounds < MAX_ROUNDS and not failures:
        exchange(rounds)
        rounds += 1
    sent_to_d = rounds * 2 * (len(payload) + 30)
    print("never-reader cut off after %d rounds (~%d KiB sent to it)"
          % (rounds, sent_to_d >> 10))
    check(seen_cut[a] and seen_cut[b],
          "no cut-off notice after %d rounds" % rounds)
    # The others go on talking.
    for i in range(rounds, rounds + 20):
        exchange(i)
    check(not failures, "a and b kept exchanging lines after the cut-off")
    # d now drains what the kernel held for it, then EOF.
    deadline = time.monotonic() + HANG_GUARD_S
    while not d.eof and time.monotonic() < deadline:
        d.pump(0.5)
    check(d.eof, "the never-reader's connection was not closed")
    check(d.received < sent_to_d,
          "the never-reader got everything (%d bytes): it was not cut off"
          % d.received)
    print("never-reader read %d KiB, then EOF" % (d.received >> 10))
    d.close()


def main():
    test_usage()
    p = start(["--listen", "127.0.0.1:0", "--max-line", str(MAX_LINE),
               "--max-queue", str(MAX_QUEUE)])
    try:
        ready = json.loads(first_line(p))
        check(ready.get("event") == "listening" and
              ready.get("address") == "127.0.0.1" and ready.get("port", 0) > 0,
              "first line: %s" % ready)
        port = ready["port"]
        test_port_in_use(port)
        a, b = test_three_members(port)
        test_never_reader(port, a, b)
        p.send_signal(signal.SIGTERM)
        check(wait_exit(p) == 0, "SIGTERM: exit 0")
        for m in (a, b):
            deadline = time.monotonic() + HANG_GUARD_S
            while not m.eof and time.monotonic() < deadline:
                m.pump(0.5)
            check(m.eof, "%s: no EOF after the server stopped" % m.name)
            m.close()
    finally:
        finish()


main()
