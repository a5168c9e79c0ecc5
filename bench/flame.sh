#!/usr/bin/env bash
# Flame graphs of the token endpoint under load, Tessera and the floor, ES256 and EdDSA, into
# bench/profiles/{tessera,floor}-ALG.svg: `perf record` (DWARF call graphs) of the server while wrk drives it
# (c=4, 5 s), folded and drawn by inferno (`cargo install inferno`). Sample counts move with the machine's
# load; read the shapes (what share of a request each part takes), and bench/profile.sh for the counts.
#   bench/flame.sh [ALG ...]        default: ES256 EdDSA
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
algs="${*:-ES256 EdDSA}"
command -v inferno-flamegraph >/dev/null || { echo "bench/flame.sh: cargo install inferno" >&2; exit 1; }
(cd "$root" && cargo build --release --quiet -p tessera -p tessera-floor)
tessera="${CARGO_TARGET_DIR:-$root/target}/release/tessera"
floor="${CARGO_TARGET_DIR:-$root/target}/release/tessera-floor"
work="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=18595
wait_post() { for _ in $(seq 1 400); do curl -s -o /dev/null -X POST "$1" && return 0; sleep 0.05; done; exit 1; }
flame() { # name url lua
  wrk -t1 -c4 -d1s -s "$3" "$2" >/dev/null
  wrk -t1 -c4 -d6s -s "$3" "$2" >/dev/null &
  local load=$!
  perf record -q -F 499 --call-graph dwarf,16384 -p "$pid" -o "$work/perf.data" -- sleep 5 >"$work/perf.log" 2>&1 \
    || { echo "perf record failed: $(tail -3 "$work/perf.log")" >&2; exit 1; }
  wait "$load"
  perf script -i "$work/perf.data" 2>/dev/null | inferno-collapse-perf 2>/dev/null \
    | inferno-flamegraph --title "$1: client_credentials token requests (bench/flame.sh)" >"$here/profiles/$1.svg"
  echo "bench/profiles/$1.svg"
}
data="$work/data"
# shellcheck source=bench/lib/token_clients.sh
source "$here/lib/token_clients.sh"
"$tessera" --data-dir "$data" serve --listen "127.0.0.1:$port" --public-url https://bench.test >/dev/null 2>&1 &
pid=$!
for alg in $algs; do
  realm=$(tr 'A-Z' 'a-z' <<<"$alg")
  url="http://127.0.0.1:$port/realms/$realm/protocol/openid-connect/token"
  wait_post "$url"
  lua "${auth[$alg]}" "$work/t.lua"
  flame "tessera-$alg" "$url" "$work/t.lua"
done
kill "$pid"; wait "$pid" 2>/dev/null || true
"$floor" "127.0.0.1:$port" >/dev/null 2>&1 &
pid=$!
lua "" "$work/f.lua"
for alg in $algs; do
  wait_post "http://127.0.0.1:$port/token/$alg"
  flame "floor-$alg" "http://127.0.0.1:$port/token/$alg" "$work/f.lua"
done
