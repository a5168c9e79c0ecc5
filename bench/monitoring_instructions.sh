#!/usr/bin/env bash
# Issue #15 in instructions: what metrics + the three rate limits add to an ES256 client-credentials token
# request, counted by callgrind (repeatable whatever else the machine does). Two release servers on copies of
# one data directory, plain and with metrics + limits (10^6/s, never refusing), each run under valgrind in turn
# with counting off, warmed, then counted over a fixed wrk run; instructions divided by the requests completed.
#   bench/monitoring_instructions.sh          (needs valgrind and wrk)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
port=18690
(cd "$root" && cargo build --release --quiet -p tessera)
tessera="${CARGO_TARGET_DIR:-$root/target}/release/tessera"
work="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
wait_http() { for _ in $(seq 1 1200); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done; echo "no answer at $1" >&2; exit 1; }

"$tessera" --data-dir "$work/plain" realm create es256 --alg ES256 >/dev/null
"$tessera" --data-dir "$work/plain" scope create --realm es256 api:read >/dev/null
secret=$("$tessera" --data-dir "$work/plain" client create --realm es256 bench --default-scope api:read | sed -n 's/^client_secret: //p')
cat >"$work/token.lua" <<EOF
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $(printf 'bench:%s' "$secret" | base64 -w0)"
EOF
cp -a "$work/plain" "$work/both"
export TESSERA_BOOTSTRAP_ADMIN_USERNAME=admin TESSERA_BOOTSTRAP_ADMIN_PASSWORD=Admin-Pass-123

count() { # name flags...: prints instructions per request
  local name="$1"; shift
  (cd "$work" && exec valgrind --tool=callgrind --instr-atstart=no --dump-instr=no \
    --callgrind-out-file="$work/callgrind.$name.%p" "$tessera" --data-dir "$work/$name" serve \
    --listen "127.0.0.1:$port" --public-url https://bench.test "$@" >/dev/null 2>"$work/$name.log") &
  pid=$!
  wait_http "http://127.0.0.1:$port/health/live"
  if [ "$name" = both ]; then
    python3 "$here/realm_attributes.py" "http://127.0.0.1:$port" es256 \
      tessera.rateLimit.client=1000000/s tessera.rateLimit.address=1000000/s tessera.rateLimit.failedAuth=100/m
  fi
  local url="http://127.0.0.1:$port/realms/es256/protocol/openid-connect/token" requests total file
  wrk -t1 -c4 -d3s -s "$work/token.lua" "$url" >/dev/null # warm, counting off
  callgrind_control -i on "$pid" >/dev/null 2>&1
  requests=$(wrk -t1 -c4 -d8s -s "$work/token.lua" "$url" | awk '/requests in/ {print $1}')
  callgrind_control -i off "$pid" >/dev/null 2>&1
  callgrind_control -d "$name" "$pid" >/dev/null 2>&1
  sleep 2
  file=$(ls "$work"/callgrind."$name".*.1)
  total=$(callgrind_annotate "$file" 2>/dev/null | awk '/PROGRAM TOTALS/ && !t {gsub(",","",$1); t = $1} END {print t}')
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  printf '%s\t%s\t%s\t%.1fk\n' "$name" "$requests" "$total" "$(awk -v t="$total" -v n="$requests" 'BEGIN {print t/n/1000}')"
}
echo -e "server\trequests\tinstructions\tper request"
count plain
count both --metrics-listen "127.0.0.1:$((port + 1))"
