#!/usr/bin/env bash
# Instructions per request on the token endpoint, Tessera against the floor, counted by callgrind (repeatable
# whatever else the machine does, unlike time): each server runs under valgrind with counting off, is warmed,
# then counted during a fixed wrk run; the report divides by the requests wrk completed and lists the top
# functions (inclusive and self) into bench/profiles/.
#   bench/profile.sh [ALG ...]      default: ES256 EdDSA
# Needs valgrind and wrk; builds the release binaries.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
algs="${*:-ES256 EdDSA}"
(cd "$root" && cargo build --release --quiet -p tessera -p tessera-floor)
tessera="${CARGO_TARGET_DIR:-$root/target}/release/tessera"
floor="${CARGO_TARGET_DIR:-$root/target}/release/tessera-floor"
out="$here/profiles"
mkdir -p "$out"
work="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=18590

wait_http() {
  for _ in $(seq 1 1200); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done
  echo "no answer at $1" >&2; exit 1
}

# count NAME URL LUA: callgrind over one wrk run of 10 s at c=4; prints instructions per request.
count() {
  local name="$1" url="$2" lua="$3"
  wrk -t1 -c4 -d2s -s "$lua" "$url" >/dev/null          # warm (counting off)
  callgrind_control -i on "$pid" >/dev/null 2>&1
  local requests
  requests=$(wrk -t1 -c4 -d10s -s "$lua" "$url" | awk '/requests in/ {print $1}')
  callgrind_control -i off "$pid" >/dev/null 2>&1
  callgrind_control -d "$name" "$pid" >/dev/null 2>&1
  sleep 1
  local file
  file=$(ls -t "$work"/callgrind.out.* | head -1)
  local total
  total=$(callgrind_annotate "$file" 2>/dev/null | awk '/PROGRAM TOTALS/ && !t {gsub(",","",$1); t = $1} END {print t}')
  # Whole reports first: `| head` would end callgrind_annotate early (SIGPIPE) and, with pipefail, the script.
  callgrind_annotate --inclusive=no "$file" >"$work/self.txt" 2>/dev/null
  callgrind_annotate --inclusive=yes "$file" >"$work/inclusive.txt" 2>/dev/null
  head -n 150 "$work/self.txt" >"$out/$name.self.txt"
  head -n 400 "$work/inclusive.txt" >"$out/$name.inclusive.txt"
  printf '%s\t%s\t%s\t%.1fk\n' "$name" "$requests" "$total" "$(awk -v t="$total" -v n="$requests" 'BEGIN {print t/n/1000}')"
}

data="$work/tessera"
# shellcheck source=bench/lib/token_clients.sh
source "$here/lib/token_clients.sh"
echo -e "server\trequests\tinstructions\tper request"
(cd "$work" && exec valgrind --tool=callgrind --instr-atstart=no --dump-instr=no "$tessera" --data-dir "$data" serve \
  --listen "127.0.0.1:$port" --public-url https://bench.test >/dev/null 2>"$work/tessera.log") &
pid=$!
wait_http "http://127.0.0.1:$port/health/live"
for alg in $algs; do
  realm=$(tr 'A-Z' 'a-z' <<<"$alg")
  lua "${auth[$alg]}" "$work/t.lua"
  count "tessera-$alg" "http://127.0.0.1:$port/realms/$realm/protocol/openid-connect/token" "$work/t.lua"
done
kill "$pid"; wait "$pid" 2>/dev/null || true
(cd "$work" && exec valgrind --tool=callgrind --instr-atstart=no --dump-instr=no "$floor" "127.0.0.1:$port" >/dev/null 2>"$work/floor.log") &
pid=$!
lua "" "$work/f.lua"
for _ in $(seq 1 1200); do curl -s -o /dev/null -d grant_type=client_credentials "http://127.0.0.1:$port/token/ES256" && break; sleep 0.05; done
for alg in $algs; do
  count "floor-$alg" "http://127.0.0.1:$port/token/$alg" "$work/f.lua"
done
