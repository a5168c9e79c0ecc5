#!/usr/bin/env bash
# The token path under admin writes (issue #16): client_credentials ES256 throughput (wrk -t2 -c16) without
# (A) and with (B) an administrator writing 10 changes per second through the admin REST API
# (bench/admin_writer.py: create a user, grant it a realm role, delete it, in the same realm), one server,
# interleaved A B A B …; medians of req/s and of the server's CPU ms per request (from /proc), and B ÷ A.
#   bench/admin_load.sh [--rounds 5] [--duration 5] [--rate 10]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
rounds=5 duration=5 rate=10
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    *) echo "usage: bench/admin_load.sh [--rounds N] [--duration S] [--rate WRITES_PER_S]" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
(cd "$root" && cargo build --release --quiet -p tessera)
T="${CARGO_TARGET_DIR:-$root/target}/release/tessera"
d=$(mktemp -d) port=18641 pid="" writer=""
cleanup() {
  [ -n "$writer" ] && kill "$writer" 2>/dev/null
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$d"
}
trap cleanup EXIT
t() { "$T" --data-dir "$d" "$@"; }
t realm create es256 --alg ES256 >/dev/null
t scope create --realm es256 api:read >/dev/null
secret=$(t client create --realm es256 bench --default-scope api:read | sed -n 's/^client_secret: //p')
TESSERA_BOOTSTRAP_ADMIN_USERNAME=admin TESSERA_BOOTSTRAP_ADMIN_PASSWORD=Admin-Pass-123 \
  "$T" --data-dir "$d" serve --listen 127.0.0.1:$port --public-url https://bench.test >"$d/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do curl -s -o /dev/null "http://127.0.0.1:$port/health/live" && break; sleep 0.05; done
printf 'wrk.method="POST"\nwrk.body="grant_type=client_credentials"\nwrk.headers["Content-Type"]="application/x-www-form-urlencoded"\nwrk.headers["Authorization"]="Basic %s"\n' \
  "$(printf 'bench:%s' "$secret" | base64 -w0)" >"$d/token.lua"
url="http://127.0.0.1:$port/realms/es256/protocol/openid-connect/token"
tck=$(getconf CLK_TCK)
rows="$d/rows.tsv"; : >"$rows"
run() { # label
  local before after out n rps
  before=$(awk '{print $14+$15}' /proc/$pid/stat)
  out=$(wrk -t2 -c16 -d"${duration}s" -s "$d/token.lua" "$url")
  after=$(awk '{print $14+$15}' /proc/$pid/stat)
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {n+=$5} /Socket errors/ {gsub(",","");n+=$4+$6+$8+$10} END {print n+0}' <<<"$out")
  awk -v a="$after" -v b="$before" -v n="$n" -v t="$tck" -v r="$rps" -v l="$1" -v e="$errors" \
    'BEGIN {printf "%s\t%d\t%.4f\t%d\n", l, r, (a-b)*1000/t/n, e}' >>"$rows"
}
wrk -t2 -c16 -d2s -s "$d/token.lua" "$url" >/dev/null # warm-up
for i in $(seq 1 "$rounds"); do
  run A
  python3 "$here/admin_writer.py" "http://127.0.0.1:$port" es256 --rate "$rate" --summary "$d/writer-$i.json" &
  writer=$!
  sleep 1 # the writer signs in (one password hash) and starts its schedule before B is measured
  run B
  kill "$writer"; wait "$writer" 2>/dev/null || true; writer=""
done
echo "## client_credentials ES256 under admin writes, $(date -u +%F), $(nproc) cores, wrk -t2 -c16, $rounds × ${duration}s per side, interleaved A B"
python3 - "$rows" "$d" "$rounds" "$rate" <<'PY'
import json, statistics, sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().splitlines()]
d, rounds, rate = sys.argv[2], int(sys.argv[3]), sys.argv[4]
side = lambda s, i: [float(r[i]) for r in rows if r[0] == s]
writers = [json.load(open(f"{d}/writer-{i}.json")) for i in range(1, rounds + 1)]
print("| side | req/s per round | median req/s | median CPU ms/req | token errors |")
print("|---|---|---|---|---|")
for s, label in (("A", "A: no admin writes"), ("B", f"B: admin writing {rate}/s")):
    print(f"| {label} | {', '.join(f'{x:,.0f}' for x in side(s, 1))} | {statistics.median(side(s, 1)):,.0f} | "
          f"{statistics.median(side(s, 2)):.4f} | {int(sum(side(s, 3)))} |")
print()
print(f"B ÷ A (median req/s): **{statistics.median(side('B', 1)) / statistics.median(side('A', 1)):.2f}×**; "
      f"CPU ms/req B ÷ A: {statistics.median(side('B', 2)) / statistics.median(side('A', 2)):.2f}×")
w = sum(x["writes"] for x in writers); f = sum(x["failures"] for x in writers); s = sum(x["seconds"] for x in writers)
failed = {}
for x in writers:
    for k, v in x.get("failed", {}).items():
        failed[k] = failed.get(k, 0) + v
print(f"admin writes: {w} in {s:.0f} s ({w / s:.1f}/s), {f} failed {failed or ''}, write latency p50 "
      f"{statistics.median(x['p50_ms'] for x in writers):.1f} ms, p99 {max(x['p99_ms'] for x in writers):.1f} ms (worst round)")
PY
