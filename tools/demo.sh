#!/usr/bin/env bash
# Installs what is missing, builds the apps and runs the echo demo: an
# echo_server on a free loopback port, then echo_client sending two lines and
# 10,000 generated messages over 10 connections, every byte verified.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
bash "$here/setup.sh"
trap 'bazel shutdown >/dev/null 2>&1 || true' EXIT
bazel build -c opt //apps:echo_server //apps:echo_client
bin="$(bazel info -c opt bazel-bin 2>/dev/null)/apps"

out="$(mktemp)"
"$bin/echo_server" --listen 127.0.0.1:0 --verbose >"$out" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$out"; bazel shutdown >/dev/null 2>&1 || true' EXIT
for _ in $(seq 100); do [ -s "$out" ] && break; sleep 0.05; done
first="$(head -n 1 "$out")"
echo "server: $first"
port="$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' <<<"$first")"
[ -n "$port" ] || { echo "demo: the server did not start" >&2; exit 1; }

echo "client: two lines from stdin"
printf 'hello, actors\nhello, libuv\n' | "$bin/echo_client" --connect "127.0.0.1:$port"
echo "client: 10000 messages of 64 bytes over 10 connections"
"$bin/echo_client" --connect "127.0.0.1:$port" --count 10000 --size 64 --concurrency 10

kill -TERM "$server"
wait "$server"
echo "server log (--verbose), first lines:"
head -n 6 "$out"
echo "demo: ok"
