#!/usr/bin/env bash
# The short fuzzing pass: the reproducers under fuzz/regressions/ once each, then every target for
# FUZZ_SECONDS (20) seconds from its seeds. Fails on any crash, panic, leak or out-of-memory.
# Without a nightly toolchain or cargo-fuzz it says so and exits 0 (fuzzing needs both, the build does
# not), unless FUZZ_REQUIRED=1, as .ci/run sets it: then a missing tool is a failure, never a silent pass.
set -uo pipefail
cd "$(dirname "$0")/.."

missing() {
  if [ "${FUZZ_REQUIRED:-0}" = 1 ]; then
    echo "fuzz/ci.sh: $1; FUZZ_REQUIRED=1, so this is a failure" >&2
    exit 1
  fi
  echo "fuzz/ci.sh: $1; fuzzing skipped"
  exit 0
}
cargo +nightly --version >/dev/null 2>&1 || missing "no nightly toolchain (rustup toolchain install nightly)"
cargo +nightly fuzz --version >/dev/null 2>&1 || missing "cargo-fuzz is not installed (cargo install cargo-fuzz)"

seconds="${FUZZ_SECONDS:-20}"
# The machine is shared: fuzz at the lowest priority.
run() { nice -n 19 "$@"; }

run cargo +nightly fuzz build || exit 1

grown="$(mktemp -d)"
trap 'rm -rf "$grown"' EXIT
passed=0
failed=()
targets=$(cargo +nightly fuzz list) || exit 1
[ -n "$targets" ] || { echo "fuzz/ci.sh: no fuzz target found" >&2; exit 1; }
for target in $targets; do
  ok=1
  regressions=(fuzz/regressions/"$target"/*)
  if [ -e "${regressions[0]}" ]; then
    echo "== $target: ${#regressions[@]} reproducer(s)"
    run cargo +nightly fuzz run "$target" "${regressions[@]}" || { ok=0; failed+=("$target (a reproducer)"); }
  fi
  echo "== $target: ${seconds}s"
  mkdir -p "$grown/$target"
  # New inputs go to a scratch directory first in the list: the committed seeds stay as they are.
  run cargo +nightly fuzz run "$target" "$grown/$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -timeout=30 -print_final_stats=1 || { ok=0; failed+=("$target"); }
  [ "$ok" = 1 ] && passed=$((passed + 1))
done

# One target is one test in the closing count (the plain "N passed, N failed" line CI reads).
echo "fuzz: $passed passed, ${#failed[@]} failed"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz/ci.sh: crashes in: ${failed[*]} (inputs under fuzz/artifacts/)" >&2
  exit 1
fi
