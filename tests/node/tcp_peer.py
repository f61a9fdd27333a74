#!/usr/bin/env python3
"""A TCP peer for node_apps_test.py, run where the test needs it (in this
namespace or, under nsenter, in another one).

Usage: tcp_peer.py HOST MODE LABEL. Listens on HOST, port 0, and prints
{"port": N} as its first line; then for every connection:
- greet: sends "hello from LABEL\\n", echoes what it reads until the client's
  FIN or 2 s without bytes, and closes;
- echo: writes back every byte it reads, until the client's FIN;
- silent: prints "accepted", sends nothing, and prints "closed" once the
  client's side is gone (EOF or reset).
It ends when its stdin closes (the test's end).
"""
import json
import select
import socket
import sys

host, mode, label = sys.argv[1:4]
family = socket.AF_INET6 if ":" in host else socket.AF_INET
srv = socket.socket(family, socket.SOCK_STREAM)
srv.bind((host, 0))
srv.listen(16)
print(json.dumps({"port": srv.getsockname()[1]}), flush=True)

conns = []
while True:
    r, _, _ = select.select([srv, sys.stdin] + conns, [], [])
    if sys.stdin in r and not sys.stdin.buffer.read1(1):
        break
    if srv in r:
        c, _ = srv.accept()
        if mode == "greet":
            c.sendall(b"hello from %s\n" % label.encode())
            c.settimeout(2)
            try:
                while True:
                    data = c.recv(4096)
                    if not data:
                        break
                    c.sendall(data)
            except (socket.timeout, OSError):
                pass
            c.close()
        else:
            if mode == "silent":
                print("accepted", flush=True)
            conns.append(c)
    for c in [c for c in conns if c in r]:
        try:
            data = c.recv(4096)
        except OSError:
            data = b""
        if not data:
            if mode == "silent":
                print("closed", flush=True)
            conns.remove(c)
            c.close()
        elif mode == "echo":
            c.sendall(data)
