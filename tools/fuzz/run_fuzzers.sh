#!/usr/bin/env bash
# Builds every libFuzzer target in tools/fuzz and runs them side by side, each
# on a scratch copy of its seed corpus, for a budget of CPU time shared among
# them; the checkout is never written to. Exits non-zero if any fuzzer
# crashes (ASan, UBSan, abort, leak, timeout), keeping the reproducer and
# printing where it is.
#
#   tools/fuzz/run_fuzzers.sh [SECONDS]    # total CPU budget, default 60
#
# All fuzzers run at once, so the wall time is SECONDS divided by the cores
# they can use (at most one each): 30 s on a 2-core machine for the default,
# each fuzzer getting about a third of the 60 CPU seconds.
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
cores="$(nproc 2>/dev/null || echo 1)"
(( cores <= ${#FUZZERS[@]} )) || cores=${#FUZZERS[@]}
wall=$(( budget / cores ))
(( wall >= 1 )) || wall=1

export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
echo "fuzzing ${#FUZZERS[@]} targets side by side for ${wall}s on $cores core(s)"
pids=()
# Interrupted or killed (Ctrl-C, a CI timeout's SIGTERM): the fuzzers end
# with the script instead of running on to their time limit.
stop_fuzzers() {
  trap - INT TERM
  if (( ${#pids[@]} > 0 )); then kill "${pids[@]}" 2>/dev/null || true; fi
  echo "run_fuzzers: interrupted; logs in $work" >&2
  exit 130
}
trap stop_fuzzers INT TERM
for entry in "${FUZZERS[@]}"; do
  name="${entry%%:*}"
  corpus="${entry#*:}"
  mkdir -p "$work/$name/corpus" "$work/$name/artifacts"
  cp -R "$here/corpus/$corpus/." "$work/$name/corpus/"
  args=(
    -max_total_time="$wall"
    -timeout=10
    -rss_limit_mb=2048
    -print_final_stats=1
    -artifact_prefix="$work/$name/artifacts/"
  )
  if [[ -f "$here/$name.dict" ]]; then args+=(-dict="$here/$name.dict"); fi
  "$bin_dir/tools/fuzz/$name" "${args[@]}" "$work/$name/corpus" \
    >"$work/$name/log" 2>&1 &
  pids+=($!)
done

failed=()
i=0
for entry in "${FUZZERS[@]}"; do
  name="${entry%%:*}"
  rc=0
  wait "${pids[$i]}" || rc=$?
  i=$((i + 1))
  echo "== $name (copy of tools/fuzz/corpus/${entry#*:}): exit $rc"
  # The fuzzer's summary, and everything after a crash.
  if (( rc == 0 )); then
    grep -E '^(Done|stat::)' "$work/$name/log" || true
  else
    cat "$work/$name/log"
    failed+=("$name")
  fi
done

trap - INT TERM
if (( ${#failed[@]} > 0 )); then
  echo "FAILED: ${failed[*]}; reproducers in $work/<fuzzer>/artifacts" >&2
  exit 1
fi
rm -rf "$work"
echo "all fuzzers passed: ${FUZZERS[*]%%:*}"
