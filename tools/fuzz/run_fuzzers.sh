#!/usr/bin/env bash
# Builds every libFuzzer target in tools/fuzz and runs each for its share of a
# time budget on a scratch copy of its seed corpus; the checkout is never
# written to. Exits non-zero if any fuzzer crashes (ASan, UBSan, abort, leak,
# timeout), keeping the reproducer and printing where it is.
#
#   tools/fuzz/run_fuzzers.sh [SECONDS]    # total budget, default 60
#
#   tools/fuzz/run_fuzzers.sh --list       # the fuzzers' Bazel targets
#
# The fuzzers build under --config=asan, the suite's own sanitizer build
# (clang, ASan+UBSan), which also puts libFuzzer's coverage instrumentation
# on the code they reach (see .bazelrc): a cc_binary's own copts reach only
# its own source file, and libFuzzer is blind to code compiled without it.
# So after `bazel test --config=asan //...` only the three fuzzer sources are
# left to compile, in the same output base.
#
# That build is -O0 (compile time is the suite's budget); for a long run,
# optimise, e.g. FUZZ_BAZEL_FLAGS="--copt=-O1" (about twice the executions
# per second, at the cost of rebuilding what the fuzzers reach).
#
# Environment:
#   BAZEL             bazel command (default: bazel)
#   FUZZ_BAZEL_FLAGS  more bazel build flags after --config=asan
set -euo pipefail

# One line per fuzzer: <cc_binary in tools/fuzz>:<directory in tools/fuzz/corpus>.
# A <name>.dict next to this script is passed to the fuzzer when present.
FUZZERS=(
  dhcp_parse_fuzzer:dhcp
  json_message_fuzzer:json
  jsonrpc_parse_fuzzer:jsonrpc
)

targets=()
for entry in "${FUZZERS[@]}"; do targets+=("//tools/fuzz:${entry%%:*}"); done
if [[ "${1:-}" == "--list" ]]; then
  printf '%s\n' "${targets[@]}"
  exit 0
fi

budget="${1:-60}"
if ! [[ "$budget" =~ ^[0-9]+$ ]] || (( budget < 1 )); then
  echo "usage: $0 [SECONDS]  (a positive whole number, default 60)" >&2
  exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bazel_cmd=(${BAZEL:-bazel})
# shellcheck disable=SC2206  # FUZZ_BAZEL_FLAGS is a list of words
bazel_flags=(--config=asan ${FUZZ_BAZEL_FLAGS:-})

cd "$root"
"${bazel_cmd[@]}" build "${bazel_flags[@]}" "${targets[@]}"
bin_dir="$("${bazel_cmd[@]}" info "${bazel_flags[@]}" bazel-bin)"

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
