#!/usr/bin/env bash
# Scale curves: token endpoint and introspection throughput with 10, 10^4 and 10^6 registered clients (each
# request from a client picked at random among all of them, so the client cache is really exercised), and
# introspection with 0 and 10^6 revoked tokens. Clients and revocations are created in bulk in SQLite.
#   bench/scale.sh [--duration 20] [--connections 16]
#   PROFILE=out.txt bench/scale.sh      also records a perf profile of the 10^6-active case into out.txt
#   WARM=120 CACHE_MIB=1600             seconds of traffic before the row whose cache holds every client, and its size
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
duration=20 connections=16
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
(cd "$root" && cargo build --release --quiet -p tessera)
bin="$root/target/release/tessera"
data="$(mktemp -d)"
port=18540
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
secret="scale-bench-secret-0123456789abcdefghijklmnop"

"$bin" --data-dir "$data" realm create shop --alg ES256 >/dev/null
"$bin" --data-dir "$data" scope create --realm shop api:read >/dev/null

add_clients() { # up to N clients named c-1..c-N, all with $secret (hashed as the server does)
  python3 - "$data" "$1" "$secret" <<'PY'
import base64, hashlib, hmac, json, sqlite3, sys
data, n, secret = sys.argv[1], int(sys.argv[2]), sys.argv[3]
pepper = base64.b64decode(json.load(open(f"{data}/master.key"))["secret_pepper"])
digest = "hmac-sha256$" + base64.b64encode(hmac.new(pepper, secret.encode(), hashlib.sha256).digest()).decode()
db = sqlite3.connect(f"{data}/tessera.db")
realm = db.execute("SELECT id FROM realms WHERE name='shop'").fetchone()[0]
have = db.execute("SELECT count(*) FROM clients").fetchone()[0]
rows = ((f"pk-{i}", realm, f"c-{i}") for i in range(have + 1, n + 1))
with db:
    for pk, realm_id, cid in rows:
        db.execute("INSERT INTO clients (id, realm_id, client_id, name, enabled, public_client, service_accounts_enabled, "
                   "standard_flow_enabled, direct_access_grants_enabled, consent_required, redirect_uris, web_origins, "
                   "default_scopes, optional_scopes, audiences, attributes, service_account_user_id, not_before, created_at) "
                   "VALUES (?, ?, ?, NULL, 1, 0, 1, 0, 0, 0, '[]', '[]', '[\"api:read\"]', '[]', '[]', '{}', ?, 0, 0)",
                   (pk, realm_id, cid, f"sa-{pk}"))
        db.execute("INSERT INTO client_secrets (id, client_pk, secret_hash, created_at, expires_at) VALUES (?, ?, ?, 0, NULL)",
                   (f"s-{pk}", pk, digest))
    db.execute("UPDATE tessera_revision SET revision = revision + 1")
PY
}

start() { # [config file]
  "$bin" --data-dir "$data" ${1:+--config "$1"} serve --listen "127.0.0.1:$port" --public-url https://bench.test >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || { echo "tessera exited" >&2; exit 1; }
    curl -s -o /dev/null "http://127.0.0.1:$port/health/live" && return 0
    sleep 0.05
  done
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

run() { # label url script
  local out rps p99 errors rss
  out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$3" "$2")
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {n+=$5} /Socket errors/ {gsub(",","");n+=$4+$6+$8+$10} END {print n+0}' <<<"$out")
  rss=$(awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$pid/status")
  printf '| %-44s | %8s | %8s | %6s | %8s |\n' "$1" "$rps" "$p99" "$errors" "$rss"
}

echo "Scale curves, ES256, wrk -t2 -c$connections -d${duration}s, $(nproc) cores, $(date -u +%F)"
echo
printf '| %-44s | %8s | %8s | %6s | %8s |\n' "case" "req/s" "p99" "errors" "peak MiB"
echo "|----------------------------------------------|----------|----------|--------|----------|"
url="http://127.0.0.1:$port/realms/shop/protocol/openid-connect"
# ACTIVE: how many of the registered clients send requests (the working set); 0 means all of them.
# CACHE: client_cache_mib for that row (empty: the default, 64).
for spec in 10:0: 10000:0: 1000000:10000: 1000000:0: 1000000:0:${CACHE_MIB:-1600}; do
  n=${spec%%:*} rest=${spec#*:} active=${rest%%:*} cache=${rest#*:}
  [ "$active" = 0 ] && active=$n
  add_clients "$n"
  cat >"$data/token.lua" <<LUA
math.randomseed(os.time())
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
request = function()
  local body = "grant_type=client_credentials&client_id=c-" .. math.random($active) .. "&client_secret=$secret"
  return wrk.format(nil, nil, nil, body)
end
LUA
  config=""
  if [ -n "$cache" ]; then config="$data/cache.toml"; echo "client_cache_mib = $cache" >"$config"; fi
  start "$config"
  # A cache that can hold every active client is measured warm: each client is read once, then never.
  [ -n "$cache" ] && wrk -t2 -c"$connections" -d"${WARM:-120}s" -s "$data/token.lua" "$url/token" >/dev/null
  run "token endpoint, $n registered, $active active${cache:+, cache $cache MiB}" "$url/token" "$data/token.lua"
  if [ -n "${PROFILE:-}" ] && [ "$active" = 1000000 ]; then
    # Where the time goes when the working set exceeds the client cache.
    perf record -e cpu-clock -F 499 -g -p "$pid" -o "$data/perf.data" -- sleep 10 >/dev/null 2>&1 &
    perf_pid=$!
    wrk -t2 -c"$connections" -d10s -s "$data/token.lua" "$url/token" >/dev/null
    wait "$perf_pid" || true
    { perf report -i "$data/perf.data" --no-children --sort dso,sym --stdio 2>/dev/null || true; } \
      | { grep -E '^ +[0-9]' || true; } | sed -n 1,30p >"$PROFILE"
  fi
  token=$(curl -s -d grant_type=client_credentials -d client_id=c-1 -d client_secret="$secret" "$url/token" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
  basic=$(printf 'c-1:%s' "$secret" | base64 -w0)
  printf 'wrk.method = "POST"\nwrk.body = "token=%s"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\nwrk.headers["Authorization"] = "Basic %s"\n' "$token" "$basic" >"$data/intro.lua"
  [ "$active" = "$n" ] && [ -z "$cache" ] && run "introspection, $n clients, 0 revoked" "$url/token/introspect" "$data/intro.lua"
  stop
done
sqlite3 "$data/tessera.db" >/dev/null <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
INSERT INTO revoked_tokens (jti, realm_id, client_id, exp, revoked_at)
SELECT lower(hex(randomblob(16))), 'bench', 'bench', 4102444800, 0 FROM n;
SQL
start
token=$(curl -s -d grant_type=client_credentials -d client_id=c-1 -d client_secret="$secret" "$url/token" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
printf 'wrk.method = "POST"\nwrk.body = "token=%s"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\nwrk.headers["Authorization"] = "Basic %s"\n' "$token" "$basic" >"$data/intro.lua"
run "introspection, 1000000 clients, 1000000 revoked" "$url/token/introspect" "$data/intro.lua"
stop
