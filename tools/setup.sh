#!/usr/bin/env bash
# Installs every Debian package netactors needs to build, test and benchmark.
# Idempotent: when everything is present it only checks and returns (~1 s).
set -euo pipefail

packages=(
  bazel-bootstrap bazel-rules-java
  g++ clang lld libclang-rt-14-dev python3
  libuv1-dev libcaf-dev libcaf-openssl0.17 libssl-dev openssl
  nlohmann-json3-dev libgtest-dev libcli11-dev
  iproute2 dnsmasq-base util-linux iptables
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
