#!/usr/bin/env bash
# Two builds of `tessera` side by side on the token endpoint (client credentials, c=16): each point is run
# A B A B … so that drift of the shared machine stays out of the ratio. Prints the median req/s and server
# CPU ms per request of each build, and new ÷ base.
#   bench/compare.sh BASE_BINARY NEW_BINARY [seconds per point, default 5] [rounds, default 3]
# Each build gets its own data directory (their schemas may differ); both serve with their defaults, so the
# new build runs with every limit it has on.
set -euo pipefail
base="$1" new="$2" duration="${3:-5}" rounds="${4:-3}"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 2; }
work="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
tck=$(getconf CLK_TCK)
algs="ES256 RS256"

setup() { # label binary: realms es256 and rs256, each with a client `bench`; Basic credentials in files
  local label="$1" bin="$2" alg realm secret
  for alg in $algs; do
    realm=$(tr 'A-Z' 'a-z' <<<"$alg")
    "$bin" --data-dir "$work/$label" realm create "$realm" --alg "$alg" >/dev/null
    "$bin" --data-dir "$work/$label" scope create --realm "$realm" api:read >/dev/null
    secret=$("$bin" --data-dir "$work/$label" client create --realm "$realm" bench --default-scope api:read |
      sed -n 's/^client_secret: //p')
    printf 'wrk.method = "POST"\nwrk.body = "grant_type=client_credentials"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\nwrk.headers["Authorization"] = "Basic %s"\n' \
      "$(printf 'bench:%s' "$secret" | base64 -w0)" >"$work/$label-$alg.lua"
  done
}

point() { # label binary alg: one measurement, appended to rows.tsv
  local label="$1" bin="$2" alg="$3" port=18540 realm before after out requests rps cpu
  realm=$(tr 'A-Z' 'a-z' <<<"$alg")
  "$bin" --data-dir "$work/$label" serve --listen "127.0.0.1:$port" --public-url https://bench.test >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do curl -s -o /dev/null "http://127.0.0.1:$port/health/live" && break; sleep 0.05; done
  url="http://127.0.0.1:$port/realms/$realm/protocol/openid-connect/token"
  wrk -t2 -c16 -d1s -s "$work/$label-$alg.lua" "$url" >/dev/null # warm-up
  before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  out=$(wrk -t2 -c16 -d"${duration}s" -s "$work/$label-$alg.lua" "$url")
  after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  cpu=$(awk -v a="$after" -v b="$before" -v n="$requests" -v t="$tck" 'BEGIN {printf "%.4f", (a-b)*1000/t/(n>0?n:1)}')
  if grep -q "Non-2xx" <<<"$out"; then echo "$label $alg: non-2xx answers: $out" >&2; exit 1; fi
  printf '%s\t%s\t%s\t%s\n' "$label" "$alg" "$rps" "$cpu" >>"$work/rows.tsv"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}

setup base "$base"
setup new "$new"
for _ in $(seq 1 "$rounds"); do
  for alg in $algs; do
    point base "$base" "$alg"
    point new "$new" "$alg"
  done
done

echo "## $(date -u +%F) · $(nproc) cores · wrk -t2 -c16, ${duration}s per point, $rounds rounds interleaved"
python3 - "$work/rows.tsv" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    label, alg, rps, cpu = line.split()
    rows[(label, alg)].append((float(rps), float(cpu)))
print("| row | base req/s | new req/s | new ÷ base | base CPU ms/req | new CPU ms/req | new ÷ base |")
print("|---|---|---|---|---|---|---|")
for alg in sorted({a for _, a in rows}):
    b, n = rows[("base", alg)], rows[("new", alg)]
    br, nr = statistics.median(r for r, _ in b), statistics.median(r for r, _ in n)
    bc, nc = statistics.median(c for _, c in b), statistics.median(c for _, c in n)
    print(f"| client_credentials {alg}, c=16 | {br:,.0f} | {nr:,.0f} | {nr/br:.2f}x | {bc:.4f} | {nc:.4f} | {nc/bc:.2f}x |")
PY
