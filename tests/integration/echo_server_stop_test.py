#!/usr/bin/env python3
"""echo_server stops on SIGTERM, promptly and with exit code 0, when nothing
else would let it:

- with --verbose and a stdout pipe nobody reads (a 4 KiB pipe, full after a
  few lines) while 200 connections open and close: its memory stays bounded,
  the lines that never went out are counted on stderr, and SIGTERM ends it;
- under bulk load from several clients that write continuously (--loops 1).

Usage: echo_server_stop_test.py ECHO_SERVER. Prints the measured stop times.
Every wait is bounded (the hang guard is 10 s per stop, not a timing claim:
tools/ benchmarks hold those); every process started is killed on exit.
"""
import fcntl
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from harness import fail, finish, spawn  # noqa: E402  (tests/support)

F_SETPIPE_SZ = 1031
HANG_GUARD_S = 10

server_path = sys.argv[1]



def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def start(args, stdout):
    return spawn([server_path, "--listen", "127.0.0.1:0"] + args,
                 stdout=stdout)


def read_listening(fd):
    """The first stdout line, read byte by byte (nothing after it)."""
    line = b""
    deadline = time.monotonic() + HANG_GUARD_S
    while not line.endswith(b"\n"):
        if time.monotonic() > deadline:
            raise RuntimeError("no listening line")
        c = os.read(fd, 1)
        if not c:
            raise RuntimeError("stdout closed before the listening line")
        line += c
    event = json.loads(line)
    assert event["event"] == "listening", event
    return event["port"]


def stop(proc, name):
    """SIGTERM; returns (exit code, seconds) or fails after the hang guard."""
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=HANG_GUARD_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        fail("%s: still running %d s after SIGTERM" % (name, HANG_GUARD_S))
        return None, None
    took = time.monotonic() - t0
    print("%s: exit code %d, %.3f s after SIGTERM" % (name, rc, took))
    if rc != 0:
        fail("%s: SIGTERM gave exit code %d (want 0)" % (name, rc))
    return rc, took


def round_trip_and_close(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=HANG_GUARD_S)
    s.sendall(b"ping\n")
    got = b""
    while len(got) < 5:
        chunk = s.recv(64)
        if not chunk:
            break
        got += chunk
    s.close()
    return got == b"ping\n"


def verbose_with_unread_stdout():
    name = "--verbose, stdout unread"
    r, w = os.pipe()
    fcntl.fcntl(w, F_SETPIPE_SZ, 4096)
    proc = start(["--verbose"], w)
    os.close(w)
    try:
        port = read_listening(r)
    except Exception as e:  # noqa: BLE001 -- report and go on
        fail("%s: %s" % (name, e))
        proc.kill()
        return
    # From here on nobody reads stdout: after ~4 KiB of lines it is full.
    for i in range(200):
        if not round_trip_and_close(port):
            fail("%s: echo %d failed" % (name, i))
            break
        if i == 19:
            rss_early = rss_kib(proc.pid)
    rss_late = rss_kib(proc.pid)
    print("%s: VmRSS %d KiB after 20 connections, %d KiB after 200"
          % (name, rss_early, rss_late))
    # The sink holds at most 1 MiB of lines; the rest of the growth is slack.
    if rss_late - rss_early > 16 * 1024:
        fail("%s: VmRSS grew by %d KiB" % (name, rss_late - rss_early))
    rc, _ = stop(proc, name)
    err = proc.stderr.read().decode(errors="replace")
    os.close(r)
    if rc is None:
        return
    dropped = [json.loads(l) for l in err.splitlines()
               if l.startswith('{"event":"log_dropped"')]
    if not dropped or dropped[-1]["lines"] <= 0:
        fail("%s: stderr does not count the lines never written: %r"
             % (name, err))
    else:
        print("%s: %d lines never written, said on stderr"
              % (name, dropped[-1]["lines"]))


def bulk_load(clients=6, load_s=3.0):
    """Several clients write 64 KiB blocks as fast as the server takes them
    (reading the echo as it comes) for load_s seconds; then SIGTERM."""
    name = "--loops 1 under bulk load from %d clients" % clients
    proc = start(["--loops", "1"], subprocess.PIPE)
    try:
        port = read_listening(proc.stdout.fileno())
    except Exception as e:  # noqa: BLE001
        fail("%s: %s" % (name, e))
        proc.kill()
        return
    sel = selectors.DefaultSelector()

    def connect():
        s = socket.create_connection(("127.0.0.1", port), timeout=HANG_GUARD_S)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
        return s

    socks = [connect() for _ in range(clients)]
    block = os.urandom(65536)
    echoed = 0
    sent = 0
    resets = 0  # connections the server ended under load: replaced
    t_end = time.monotonic() + load_s
    while time.monotonic() < t_end:
        for key, mask in sel.select(timeout=1):
            s = key.fileobj
            try:
                if mask & selectors.EVENT_WRITE:
                    sent += s.send(block)
                if mask & selectors.EVENT_READ:
                    chunk = s.recv(1 << 20)
                    if not chunk:
                        raise ConnectionResetError
                    echoed += len(chunk)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                resets += 1
                sel.unregister(s)
                s.close()
                socks.remove(s)
                socks.append(connect())
    rss = rss_kib(proc.pid)
    print("%s: %d MiB sent, %d MiB echoed, %d connections ended by the "
          "server under load, VmRSS %d MiB at SIGTERM"
          % (name, sent >> 20, echoed >> 20, resets, rss >> 10))
    if echoed == 0:
        fail("%s: nothing was echoed" % name)
    # The clients keep writing while the server stops.
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    closed = set()
    while proc.poll() is None and time.monotonic() - t0 < HANG_GUARD_S:
        for key, mask in sel.select(timeout=0.05):
            s = key.fileobj
            try:
                if mask & selectors.EVENT_WRITE:
                    s.send(block)
                if mask & selectors.EVENT_READ and not s.recv(1 << 20):
                    closed.add(s)
                    sel.unregister(s)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                closed.add(s)
                sel.unregister(s)
    rc = proc.poll()
    took = time.monotonic() - t0
    for s in socks:
        s.close()
    if rc is None:
        proc.kill()
        proc.wait()
        fail("%s: still running %d s after SIGTERM" % (name, HANG_GUARD_S))
        return
    print("%s: exit code %d, %.3f s after SIGTERM" % (name, rc, took))
    if rc != 0:
        fail("%s: SIGTERM gave exit code %d (want 0): %s"
             % (name, rc, proc.stderr.read().decode(errors="replace")))


try:
    verbose_with_unread_stdout()
    bulk_load()
finally:
    finish()
