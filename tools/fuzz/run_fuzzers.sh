#!/usr/bin/env bash
# Builds every libFuzzer target in tools/fuzz and runs each for its share of a
# time budget on a scratch copy of its seed corpus; the checkout is never
# written to. Exits non-zero if any fuzzer crashes (ASan, UBSan, abort, leak,
# timeout), keeping the reproducer and printing where it is.
#
#   tools/fuzz/run_fuzzers.sh [SECONDS]    # total budget, default 60
#
# Why Bazel with clang rather than clang++ by hand: --config=clang switches
# Bazel's autoconfigured toolchain to Debian's clang 14, and the global
# --copt below instruments the libraries under test as well (a cc_binary's
# own copts reach only its own sources, and libFuzzer is blind to code
# compiled without coverage instrumentation). Bazel links with the C driver,
# so UBSan's C++ half (std::function checks) is requested explicitly. lld replaces the toolchain's
# gold, which prints a warning per ASan symbol.
#
# Environment:
#   BAZEL_OUTPUT_BASE  default /tmp/bazel-fuzz-$USER. A separate output base,
#                      because --config=clang reconfigures the C++ toolchain,
#                      which would throw away the gcc build cache of the
#                      output base everybody else uses.
set -euo pipefail

# One line per fuzzer: <cc_binary in tools/fuzz>:<directory in tools/fuzz/corpus>.
# A <name>.dict next to this script is passed to the fuzzer when present.
FUZZERS=(
  dhcp_parse_fuzzer:dhcp
  json_message_fuzzer:json
  jsonrpc_parse_fuzzer:jsonrpc
)

budget="${1:-60}"
if ! [[ "$budget" =~ ^[0-9]+$ ]] || (( budget < 1 )); then
  echo "usage: $0 [SECONDS]  (a positive whole number, default 60)" >&2
  exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
output_base="${BAZEL_OUTPUT_BASE:-/tmp/bazel-fuzz-${USER:-$(id -un)}}"
# shellcheck disable=SC2054  # the commas are inside one -fsanitize= value
bazel_flags=(
  --config=clang
  --copt=-fsanitize=fuzzer-no-link,address,undefined
  --copt=-fno-sanitize-recover=undefined
  --copt=-fno-omit-frame-pointer
  --copt=-O1
  --copt=-g
  # The message catalogues instantiate CAF's serializers for every type, at
  # the cost of most of this build: at -O0 clang takes half as long for them
  # (tcp_catalogue: 30 s vs 65 s). They stay instrumented; only the JSON
  # decoding paths the fuzzers reach run slower.
  --per_file_copt=//actors/messages/.*_catalogue\.cpp@-O0
  --linkopt=-fuse-ld=lld
  --linkopt=-fsanitize-link-c++-runtime
  --strip=never
  --symlink_prefix=/
)

targets=()
for entry in "${FUZZERS[@]}"; do targets+=("//tools/fuzz:${entry%%:*}"); done

cd "$root"
bazel --output_base="$output_base" build "${bazel_flags[@]}" "${targets[@]}"
bin_dir="$(bazel --output_base="$output_base" info "${bazel_flags[@]}" bazel-bin)"

work="$(mktemp -d "${TMPDIR:-/tmp}/netactors-fuzz.XXXXXX")"
per_fuzzer=$(( budget / ${#FUZZERS[@]} ))
(( per_fuzzer >= 1 )) || per_fuzzer=1

export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=()
for entry in "${FUZZERS[@]}"; do
  name="${entry%%:*}"
  corpus="${entry#*:}"
  mkdir -p "$work/$name/corpus" "$work/$name/artifacts"
  cp -R "$here/corpus/$corpus/." "$work/$name/corpus/"
  args=(
    -max_total_time="$per_fuzzer"
    -timeout=10
    -rss_limit_mb=2048
    -print_final_stats=1
    -artifact_prefix="$work/$name/artifacts/"
  )
  if [[ -f "$here/$name.dict" ]]; then args+=(-dict="$here/$name.dict"); fi
  echo "== $name: ${per_fuzzer}s on a copy of tools/fuzz/corpus/$corpus"
  if ! "$bin_dir/tools/fuzz/$name" "${args[@]}" "$work/$name/corpus"; then
    failed+=("$name")
  fi
done

if (( ${#failed[@]} > 0 )); then
  echo "FAILED: ${failed[*]}; reproducers in $work/<fuzzer>/artifacts" >&2
  exit 1
fi
rm -rf "$work"
echo "all fuzzers passed: ${FUZZERS[*]%%:*}"
