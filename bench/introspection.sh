#!/usr/bin/env bash
# Introspection throughput of a valid RS256 token with an empty denylist and with 10^6 revoked tokens.
#   bench/introspection.sh [--duration 20] [--connections 16] [--revoked 1000000]
# Builds Tessera in release mode, runs it on 127.0.0.1 with a fresh data dir, drives it with wrk
# (installed from Debian if missing), then bulk-loads the revocations into SQLite, restarts, and drives it
# again. Prints one table. Loopback only; bounded in time.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
duration=20 connections=16 revoked=1000000
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --revoked) revoked="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
command -v sqlite3 >/dev/null || apt-get install -y sqlite3 >/dev/null
(cd "$root" && cargo build --release --quiet -p tessera)
bin="$root/target/release/tessera"
data="$(mktemp -d)"
port=18401
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$data"; }
trap cleanup EXIT

start() {
  "$bin" --data-dir "$data" serve --dev --listen "127.0.0.1:$port" >"$data/out.log" 2>"$data/err.log" &
  pid=$!
  for _ in $(seq 1 200); do
    grep -q "client_secret=" "$data/out.log" 2>/dev/null && break
    grep -q "secret printed at first start" "$data/out.log" 2>/dev/null && break
    sleep 0.05
  done
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

start
secret=$(grep -o 'client_secret=[^ ]*' "$data/out.log" | head -n1 | cut -d= -f2)
token=$(curl -s "http://127.0.0.1:$port/realms/demo/protocol/openid-connect/token" \
  -d grant_type=client_credentials -d client_id=demo-service -d client_secret="$secret" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
basic=$(printf 'demo-service:%s' "$secret" | base64 -w0)
cat > "$data/introspect.lua" <<LUA
wrk.method = "POST"
wrk.body = "token=$token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $basic"
LUA
# The token must actually be active, or we would be measuring the cheap path.
curl -s -u "demo-service:$secret" "http://127.0.0.1:$port/realms/demo/protocol/openid-connect/token/introspect" \
  -d "token=$token" | grep -q '"active":true' || { echo "token is not active" >&2; exit 1; }

run() { # label
  local out
  out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$data/introspect.lua" \
    "http://127.0.0.1:$port/realms/demo/protocol/openid-connect/token/introspect")
  local rps p50 p99 non2xx rss
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out"); non2xx=${non2xx:-0}
  rss=$(awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$pid/status")
  printf '| %-28s | %10s | %8s | %8s | %6s | %9s |\n' "$1" "$rps" "$p50" "$p99" "$non2xx" "$rss"
}

echo "Introspection of a valid RS256 token, wrk -t2 -c$connections -d${duration}s, $(nproc) cores, $(date -u +%F)"
printf '| %-28s | %10s | %8s | %8s | %6s | %9s |\n' "denylist" "req/s" "p50" "p99" "non-2xx" "peak MiB"
printf '|%s|%s|%s|%s|%s|%s|\n' "------------------------------" "------------" "----------" "----------" "--------" "-----------"
run "empty"
stop
sqlite3 "$data/tessera.db" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $revoked)
INSERT INTO revoked_tokens (jti, realm_id, client_id, exp, revoked_at)
SELECT lower(hex(randomblob(16))), 'bench', 'bench', 4102444800, 0 FROM n;
SQL
started=$(date +%s.%N)
start
loaded=$(echo "$(date +%s.%N) - $started" | bc)
run "$revoked revoked"
echo
echo "Restart with $revoked revocations to load: ${loaded}s (process start to ready)."
