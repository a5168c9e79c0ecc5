#!/usr/bin/env bash
# The short fuzzing pass: the reproducers under fuzz/regressions/ once each, then every target for
# FUZZ_SECONDS (20) seconds from its seeds. Fails on any crash, panic, leak or out-of-memory.
# Without a nightly toolchain or cargo-fuzz it says so and exits 0: fuzzing needs both, the build does not.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz/ci.sh: no nightly toolchain (rustup toolchain install nightly); fuzzing skipped"
  exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz/ci.sh: cargo-fuzz is not installed (cargo install cargo-fuzz); fuzzing skipped"
  exit 0
fi

seconds="${FUZZ_SECONDS:-20}"
# The machine is shared: fuzz at the lowest priority.
run() { nice -n 19 "$@"; }

run cargo +nightly fuzz build || exit 1

grown="$(mktemp -d)"
trap 'rm -rf "$grown"' EXIT
failed=()
for target in $(cargo +nightly fuzz list); do
  regressions=(fuzz/regressions/"$target"/*)
  if [ -e "${regressions[0]}" ]; then
    echo "== $target: ${#regressions[@]} reproducer(s)"
    run cargo +nightly fuzz run "$target" "${regressions[@]}" || failed+=("$target (a reproducer)")
  fi
  echo "== $target: ${seconds}s"
  mkdir -p "$grown/$target"
  # New inputs go to a scratch directory first in the list: the committed seeds stay as they are.
  run cargo +nightly fuzz run "$target" "$grown/$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -timeout=30 -print_final_stats=1 || failed+=("$target")
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz/ci.sh: crashes in: ${failed[*]} (inputs under fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzz/ci.sh: no crash"
