#!/usr/bin/env bash
# Makes the certificates of the node tests in DIR (never committed): two CAs
# (ca, other_ca); "node" and "client" signed by ca; "rogue" signed by
# other_ca. Each NAME gets NAME.pem (certificate) and NAME.key (private key,
# no passphrase). EC P-256 keys: quick to make.
set -euo pipefail
dir="$1"
mkdir -p "$dir"
cd "$dir"
ca() {
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$1.key" -out "$1.pem" -days 2 -subj "/CN=netactors test $1" \
    2>/dev/null
}
leaf() {  # NAME CA
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$1.key" -out "$1.csr" -subj "/CN=netactors test $1" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" \
    -CAcreateserial -out "$1.pem" -days 2 2>/dev/null
  rm -f "$1.csr"
}
ca ca
ca other_ca
leaf node ca
leaf client ca
leaf rogue other_ca
