#!/usr/bin/env bash
# Side-by-side benchmark: Tessera, node-oidc-provider (../shared/peers/node-oidc) and the floor (bench/floor),
# all started up front on their own ports, and every compared point measured interleaved: each group of rows
# (e.g. Tessera, the floor and node-oidc-provider on ES256 client credentials) runs A B C A B C …, medians of
# the rounds reported, so that drift of the shared machine stays out of the ratios. Rows comparing Tessera
# configurations (metrics + limits, Redis, TLS) run against a second Tessera process on its own port.
#   bench/run.sh            c=1/16/64 (sign-ins at 64), 3 rounds of 5 s per point (about 25 minutes)
#   bench/run.sh --quick    c=16 (sign-ins at 64), 2 rounds of 2 s per point (under 3 minutes with set-up)
#   bench/run.sh --smoke    c=16, 2 rounds of 1 s (checks the harness)
#   bench/run.sh --markdown bench/README.md   also puts the tables into that file, between its markers
#                                            <!-- bench/run.sh:begin --> and <!-- bench/run.sh:end -->
#                                            (a file without them is written whole)
# BENCH_PORT_BASE (default 18500) moves every port (base+10 … base+45), for a second run beside this one.
# Prints one markdown table (req/s, p50, p99, errors, server CPU ms per request, peak RSS, ÷ node-oidc,
# ÷ floor, each row's target and whether it is met) and a "targets" table from the run's own figures.
# Loopback only; every point is bounded in time; every server started here is stopped on exit.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
peer="${PEER_DIR:-$root/../shared/peers/node-oidc}"
peer_cache="${NODE_OIDC_PEER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tessera-peer-node-oidc}"
duration=5 rounds=3 concurrency="1 16 64" starts=5 mode=full markdown=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) duration=2 rounds=2 concurrency="16" starts=3 mode=quick ;;
    --smoke) duration=1 rounds=2 concurrency="16" starts=1 mode=smoke ;;
    --markdown) markdown="$2"; shift ;;
    *) echo "usage: bench/run.sh [--quick|--smoke] [--markdown FILE]" >&2; exit 2 ;;
  esac
  shift
done
port_base="${BENCH_PORT_BASE:-18500}"
port() { echo $((port_base + $1)); }

command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
(cd "$root" && cargo build --release --quiet -p tessera -p tessera-floor)
tessera="${CARGO_TARGET_DIR:-$root/target}/release/tessera"
floor="${CARGO_TARGET_DIR:-$root/target}/release/tessera-floor"
work="$(mktemp -d)"
rows="$work/rows.tsv"
: >"$rows"
tck=$(getconf CLK_TCK)
writer=""
# shellcheck source=bench/lib/measure.sh
source "$here/lib/measure.sh"
trap cleanup EXIT
have_node=""; command -v node >/dev/null && have_node=1
have_peer=""; [ -n "$have_node" ] && [ -x "$peer/run.sh" ] && have_peer=1
have_redis=""; redis-cli -p 6379 ping >/dev/null 2>&1 && have_redis=1

# shellcheck source=bench/lib/setup.sh
source "$here/lib/setup.sh"
# shellcheck source=bench/lib/groups.sh
source "$here/lib/groups.sh"

if [ "$mode" = smoke ]; then cpu="$(nproc) cores"; else cpu="$(nproc) cores · $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"; fi
header="**$(date -u '+%F %H:%M') UTC · $cpu · load average before the run $load_before · wrk -t2 (-t1 at c=1), keep-alive · $rounds rounds of ${duration} s per point, interleaved, medians** (\`bench/run.sh${mode:+ --$mode}\`)"
[ "$mode" = full ] && header="${header/ --full/}"
python3 "$here/report.py" "$rows" "$work/starts.tsv" "$work/extras.tsv" "$header" | tee "$work/report.md"
[ -z "$markdown" ] || python3 "$here/report.py" --into "$markdown" "$work/report.md"
