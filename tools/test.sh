#!/usr/bin/env bash
# Installs what is missing, then runs the whole netactors test suite:
#   1. bazel test --config=asan //...        (ASan + UBSan, every test, clang;
#                                             the fuzzers are built here too)
#   2. bazel test --config=tsan, tag "tsan"  (clang; everything that does not link
#      CAF: the loop adapter, its cross-thread queue, net/; Debian's CAF is
#      not TSan-instrumented, see README)
#   3. tools/fuzz/run_fuzzers.sh             (libFuzzer, on the ASan build, side by
#      side for a bounded CPU time)
#   4. tools/check_external_workspace.sh     (a separate workspace builds, in
#      the default configuration, and runs a program against
#      @netactors//:netactors, as README documents; started in the
#      background at the lowest priority before step 1)
# and prints "suite: N passed, N failed" last. Exit code 0 only if all pass.
# Every test runs once, under ASan+UBSan: compiling is most of the suite's
# time on a 2-core machine, and a second, uninstrumented run of the same
# tests found nothing the instrumented one did not (--quick is that run).
#
#   tools/test.sh [--quick]   --quick: bazel test //... only (no sanitizers)
#   FUZZ_SECONDS=60           total fuzzing CPU budget (default 60)
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

bash "$here/setup.sh" || { echo "test.sh: setup failed" >&2; exit 1; }

# The Bazel server must not outlive us (it lingers for hours otherwise), nor
# the background check (step 4) if we are stopped early.
consumer_pid=""
cleanup() {
  if [ -n "$consumer_pid" ]; then kill "$consumer_pid" 2>/dev/null || true; fi
  bazel shutdown >/dev/null 2>&1 || true
}
trap cleanup EXIT

# Bazel's convenience symlinks (bazel-*) made under another user or output
# base (say a run with sudo after one without) point into a tree with BUILD
# files of its own, which //... would then load and fail on. Drop those;
# Bazel makes its own again.
output_base="$(bazel info output_base 2>/dev/null)"
for link in bazel-*; do
  [ -L "$link" ] || continue
  case "$(readlink "$link")" in
    "$output_base"/*) ;;
    *) rm -f "$link" ;;
  esac
done

ci_flags=()
if [ "${CI:-}" = "true" ]; then ci_flags=(--config=ci); fi

passed=0
failed=0
log="$(mktemp "${TMPDIR:-/tmp}/netactors-test.XXXXXX")"

# Runs one bazel test phase and adds its per-target results to the totals.
phase() {
  local name="$1"
  shift
  local started=$SECONDS
  echo "=== $name: bazel test $*" >&2
  bazel test "${ci_flags[@]}" "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local p f
  p=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$log")
  f=$(grep -cE '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|NO STATUS|INCOMPLETE)|FAILED TO BUILD' "$log")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi  # build or setup error
  passed=$((passed + p))
  failed=$((failed + f))
  echo "=== $name: $p passed, $f failed (exit $rc, $((SECONDS - started)) s)" >&2
}

# Runs one script step that counts as one test.
step() {
  local name="$1"
  shift
  local started=$SECONDS
  echo "=== $name: $*" >&2
  if "$@"; then
    passed=$((passed + 1))
    echo "=== $name: passed ($((SECONDS - started)) s)" >&2
  else
    failed=$((failed + 1))
    echo "=== $name: FAILED ($((SECONDS - started)) s)" >&2
  fi
}

# The external-workspace check builds the library again (gcc, its own
# output base), which shares nothing with the sanitizer phases. It starts
# first, at the lowest priority, so it takes only what they leave idle (link
# steps, tests waiting on the network), and its step waits for it last.
consumer_log="$(mktemp "${TMPDIR:-/tmp}/netactors-consumer.XXXXXX")"
wait_for_consumer() {
  local rc=0
  wait "$consumer_pid" || rc=$?
  cat "$consumer_log"
  consumer_pid=""
  return "$rc"
}

if [ "$quick" -eq 1 ]; then
  phase "plain" //...
else
  nice -n 19 bash "$here/check_external_workspace.sh" >"$consumer_log" 2>&1 &
  consumer_pid=$!
  mapfile -t fuzzers < <(bash "$here/fuzz/run_fuzzers.sh" --list)
  phase "asan" --config=asan //... "${fuzzers[@]}"
  phase "tsan" --config=tsan --test_tag_filters=tsan --build_tag_filters=tsan //...
  step "fuzz" bash "$here/fuzz/run_fuzzers.sh" "${FUZZ_SECONDS:-60}"
  step "external workspace (started first, in the background)" wait_for_consumer
fi
rm -f "$log" "$consumer_log"

echo "suite: $passed passed, $failed failed ($SECONDS s)"
[ "$failed" -eq 0 ]
