#!/usr/bin/env bash
# Issue #15's speed target, measured alone and longer than bench/run.sh's row: ES256 client credentials
# against four release servers started up front on copies of one data directory, interleaved A B C D A B C D …
#   plain            no management listener, no rate limit set
#   metrics+limits   --metrics-listen, and the realm's client, address and failed-auth limits at 10^6/s
#   limits only      the limits, no metrics
#   metrics only     the metrics, no limits
# (usage counting and detection have no off switch: they run in all four). Prints each server's median req/s
# and server CPU ms per request over the rounds, and its ratio to plain; the order turns every round.
#   bench/monitoring_ab.sh [ROUNDS] [SECONDS]      default 6 rounds of 3 s, c=16
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
rounds="${1:-6}" duration="${2:-3}" concurrency=16
port_base="${BENCH_PORT_BASE:-18600}"
command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
(cd "$root" && cargo build --release --quiet -p tessera)
tessera="${CARGO_TARGET_DIR:-$root/target}/release/tessera"
work="$(mktemp -d)"
rows="$work/rows.tsv" tck=$(getconf CLK_TCK)
: >"$rows"
# shellcheck source=bench/lib/measure.sh
source "$here/lib/measure.sh"
trap cleanup EXIT

data="$work/plain"
"$tessera" --data-dir "$data" realm create es256 --alg ES256 >/dev/null
"$tessera" --data-dir "$data" scope create --realm es256 api:read >/dev/null
secret=$("$tessera" --data-dir "$data" client create --realm es256 bench --default-scope api:read | sed -n 's/^client_secret: //p')
lua "$work/token.lua" POST "grant_type=client_credentials" "Basic $(printf 'bench:%s' "$secret" | base64 -w0)"
for copy in both limits metrics; do cp -a "$data" "$work/$copy"; done

export TESSERA_BOOTSTRAP_ADMIN_USERNAME=admin TESSERA_BOOTSTRAP_ADMIN_PASSWORD=Admin-Pass-123
log="$work/servers.log"
names=(plain metrics+limits "limits only" "metrics only") dirs=(plain both limits metrics) pids=()
for i in 0 1 2 3; do
  flags=()
  if [ "$i" = 1 ] || [ "$i" = 3 ]; then flags=(--metrics-listen "127.0.0.1:$((port_base + 20 + i))"); fi
  start pid "$log" "$tessera" --data-dir "$work/${dirs[$i]}" serve --listen "127.0.0.1:$((port_base + i))" \
    --public-url https://bench.test "${flags[@]}"
  pids+=("$pid")
done
for i in 0 1 2 3; do wait_http "${pids[$i]}" "http://127.0.0.1:$((port_base + i))/health/live"; done
for i in 1 2; do
  python3 "$here/realm_attributes.py" "http://127.0.0.1:$((port_base + i))" es256 \
    tessera.rateLimit.client=1000000/s tessera.rateLimit.address=1000000/s tessera.rateLimit.failedAuth=100/m
done

# One round at a time, each starting one server later than the one before (A B C D, B C D A, …): no server
# is always the one measured right after another.
all_rounds=$rounds rounds=1
for r in $(seq 0 $((all_rounds - 1))); do
  for k in 0 1 2 3; do
    i=$(((k + r) % 4))
    member tessera "${names[$i]}" "${pids[$i]}" wrk "http://127.0.0.1:$((port_base + i))/realms/es256/protocol/openid-connect/token" "$work/token.lua" ""
  done
  run_group monitoring "$concurrency"
done
rounds=$all_rounds

echo "**$(date -u '+%F %H:%M') UTC · $(nproc) cores · load before $(cut -d' ' -f1-3 /proc/loadavg) · wrk -t2 -c$concurrency · $rounds rounds of $duration s, interleaved, medians** (\`bench/monitoring_ab.sh $rounds $duration\`)"
python3 - "$rows" <<'EOF'
import statistics, sys
by = {}
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    by.setdefault(f[2], []).append((float(f[5]), float(f[9]), int(f[8])))
plain = by["plain"]
p_rps, p_cpu = statistics.median(r for r, _, _ in plain), statistics.median(c for _, c, _ in plain)
print("\n| server | req/s | CPU ms/req | × plain req/s | × plain CPU | paired × plain req/s | errors | req/s of each round |")
print("|---|---|---|---|---|---|---|---|")
for name, points in by.items():
    rps, cpu = statistics.median(r for r, _, _ in points), statistics.median(c for _, c, _ in points)
    # Each round's ratio to plain's point of the same round (measured seconds apart), then their median.
    paired = statistics.median(r / p for (r, _, _), (p, _, _) in zip(points, plain))
    each = " ".join(f"{r / 1000:.1f}k" for r, _, _ in points)
    errors = sum(e for _, _, e in points)
    print(f"| {name} | {rps:,.0f} | {cpu:.4f} | {rps / p_rps:.2f}× | {cpu / p_cpu:.2f}× | {paired:.2f}× | {errors} | {each} |")
EOF
