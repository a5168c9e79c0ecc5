#!/usr/bin/env bash
# Side-by-side benchmark: Tessera, node-oidc-provider (../shared/peers/node-oidc) and the sign-only floor
# (bench/floor), started in turn (never at once), each driven by wrk at concurrency 1, 16 and 64.
#   bench/run.sh            20 s per point (about 15 minutes)
#   bench/run.sh --quick    3 s per point (about 2 minutes)
#   bench/run.sh --smoke    1 s per point, c=16 only (checks the harness in under a minute after the build)
# Prints one markdown table (req/s, p50, p99, errors, server CPU ms per request, peak RSS), the ratios
# Tessera/node-oidc-provider and Tessera/floor per row, and the time from process start to first token.
# Loopback only; every run is bounded in time.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
peer="${PEER_DIR:-$root/../shared/peers/node-oidc}"
duration=20 concurrency="1 16 64" starts=5
case "${1:-}" in
  --quick) duration=3 ;;
  --smoke) duration=1 concurrency="16" starts=1 ;;
  "") ;;
  *) echo "usage: bench/run.sh [--quick|--smoke]" >&2; exit 2 ;;
esac

command -v wrk >/dev/null || { apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; }
(cd "$root" && cargo build --release --quiet -p tessera -p tessera-floor)
tessera="${CARGO_TARGET_DIR:-$root/target}/release/tessera"
floor="${CARGO_TARGET_DIR:-$root/target}/release/tessera-floor"
work="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
tck=$(getconf CLK_TCK)
rows="$work/rows.tsv"
: >"$rows"

wait_http() { # url: the server we just started (pid) answers there
  for _ in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || { echo "the server exited; is the port taken?" >&2; exit 1; }
    curl -s -o /dev/null "$1" && return 0
    sleep 0.05
  done
  echo "server at $1 did not come up" >&2; exit 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
stop() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; }

lua() { # file method body auth
  {
    echo "wrk.method = \"$2\""
    if [ -n "$3" ]; then
      echo "wrk.body = \"$3\""
      echo 'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"'
    fi
    if [ -n "$4" ]; then echo "wrk.headers[\"Authorization\"] = \"Basic $4\""; fi
  } >"$1"
}

lua_assertions() { # file assertions.txt: one pre-signed client assertion per request, none sent twice
  cat >"$1" <<LUA
local next_id = 0
function setup(thread) thread:set("id", next_id); next_id = next_id + 1 end
local lines, sent = {}, 0
function init(args) for l in io.lines("$2") do lines[#lines + 1] = l end end
function request()
  -- Two threads at most: thread 0 takes the odd lines, thread 1 the even ones.
  sent = sent + 1
  local a = lines[id + 1 + (sent - 1) * 2] or lines[1]
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded"},
    "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=" .. a)
end
LUA
}

lua_dpop() { # file proofs.txt basic: client_credentials with Basic and one pre-signed DPoP proof per request
  cat >"$1" <<LUA
local next_id = 0
function setup(thread) thread:set("id", next_id); next_id = next_id + 1 end
local lines, sent = {}, 0
function init(args) for l in io.lines("$2") do lines[#lines + 1] = l end end
function request()
  sent = sent + 1
  local p = lines[id + 1 + (sent - 1) * 2] or lines[1]
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = "Basic $3", ["DPoP"] = p}, "grant_type=client_credentials")
end
LUA
}

measure() { # server row url luafile
  local server="$1" row="$2" url="$3" script="$4" c before after out
  for c in $concurrency; do
    before=$(cpu_ticks "$pid")
    out=$(wrk -t"$((c < 2 ? c : 2))" -c"$c" -d"${duration}s" --latency -s "$script" "$url")
    after=$(cpu_ticks "$pid")
    local requests rps p50 p99 errors rss cpu
    requests=$(awk '/requests in/ {print $1}' <<<"$out")
    rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    errors=$(awk '/Non-2xx/ {n+=$5} /Socket errors/ {gsub(",","");n+=$4+$6+$8+$10} END {print n+0}' <<<"$out")
    rss=$(awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$pid/status")
    cpu=$(awk -v a="$after" -v b="$before" -v n="$requests" -v t="$tck" 'BEGIN {printf "%.3f", (a-b)*1000/t/(n>0?n:1)}')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$row" "$c" "$rps" "$p50" "$p99" "$errors" "$cpu" "$rss" >>"$rows"
  done
}

measure_node() { # server row url node-args...: as measure, driven by bench/mtls_load.mjs (client certificates)
  local server="$1" row="$2" url="$3" c before after out; shift 3
  for c in $concurrency; do
    before=$(cpu_ticks "$pid")
    out=$(node "$here/mtls_load.mjs" "$url" "$c" "$duration" "$@")
    after=$(cpu_ticks "$pid")
    local rps p50 p99 errors requests rss cpu
    IFS=$'\t' read -r rps p50 p99 errors requests <<<"$out"
    rss=$(awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$pid/status")
    cpu=$(awk -v a="$after" -v b="$before" -v n="$requests" -v t="$tck" 'BEGIN {printf "%.3f", (a-b)*1000/t/(n>0?n:1)}')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$row" "$c" "$rps" "$p50" "$p99" "$errors" "$cpu" "$rss" >>"$rows"
  done
}

first_token() { # label url auth body -- command...
  local label="$1" url="$2" auth="$3" body="$4"; shift 5
  python3 - "$starts" "$url" "$auth" "$body" "$@" <<'PY' | sed "s/^/$label\t/" >>"$work/starts.tsv"
import subprocess, sys, time, urllib.request, statistics
n, url, auth, body, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4].encode(), sys.argv[5:]
times = []
for _ in range(n):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            req = urllib.request.Request(url, data=body, headers={"Authorization": "Basic " + auth,
                "Content-Type": "application/x-www-form-urlencoded"})
            if urllib.request.urlopen(req, timeout=2).status == 200:
                break
        except Exception:
            time.sleep(0.002)
        if time.monotonic() - t0 > 30:
            break
    times.append((time.monotonic() - t0) * 1000)
    p.terminate(); p.wait()
print(f"{statistics.median(times):.0f}")
PY
}

# --- Tessera: one realm per algorithm, a client in each, plus a client with the token reuse window.
data="$work/tessera"
T() { "$tessera" --data-dir "$data" "$@"; }
declare -A auth
for alg in RS256 ES256 EdDSA; do
  realm=$(tr 'A-Z' 'a-z' <<<"$alg")
  T realm create "$realm" --alg "$alg" >/dev/null
  T scope create --realm "$realm" api:read >/dev/null
  secret=$(T client create --realm "$realm" bench --default-scope api:read | sed -n 's/^client_secret: //p')
  auth[$alg]=$(printf 'bench:%s' "$secret" | base64 -w0)
done
# #17: a client that names its API with `resource=` (RFC 8707), against the plain ES256 client.
secret=$(T client create --realm es256 bench-resource --default-scope api:read --resource https://orders.bench.test/ | sed -n 's/^client_secret: //p')
auth[resource]=$(printf 'bench-resource:%s' "$secret" | base64 -w0)
secret=$(T client create --realm rs256 bench-reuse --default-scope api:read --token-reuse 0.5 | sed -n 's/^client_secret: //p')
auth[reuse]=$(printf 'bench-reuse:%s' "$secret" | base64 -w0)
# #13: a service account holding 10 realm roles and 2 client roles, mapped by the `roles` scope's 3 mappers
# (realm roles, client roles, audience resolve), against the plain ES256 client of the same realm.
secret=$(T client create --realm es256 bench-roles --default-scope api:read --default-scope roles | sed -n 's/^client_secret: //p')
auth[roles]=$(printf 'bench-roles:%s' "$secret" | base64 -w0)
T client create --realm es256 orders-api >/dev/null
for i in $(seq 1 10); do
  T role create --realm es256 "role-$i" >/dev/null
  T user grant-role --realm es256 service-account-bench-roles "role-$i" >/dev/null
done
for r in orders:read orders:write; do
  T role create --realm es256 --client orders-api "$r" >/dev/null
  T user grant-role --realm es256 service-account-bench-roles "orders-api/$r" >/dev/null
done
# #14: a private_key_jwt client (RFC 7523 §2.2) of the ES256 realm, its key registered with `client auth`;
# the assertions are signed ahead by node's jose (bench/client_assertions.mjs), a fresh batch per point.
pkjwt=""
if command -v node >/dev/null && [ -d "$root/e2e/node_modules/jose" ]; then
  pkjwt="$work/pkjwt"; mkdir -p "$pkjwt"
  node "$here/client_assertions.mjs" "$pkjwt" bench-pkjwt https://bench.test/realms/es256 0
  T client create --realm es256 bench-pkjwt --default-scope api:read >/dev/null
  T client auth --realm es256 bench-pkjwt --jwks-file "$pkjwt/jwks.json" >/dev/null
else
  echo "node or e2e/node_modules/jose missing (npm ci in e2e/): the private_key_jwt row is left out" >&2
fi
tport=18510
# The master realm's administrator (issue #16) writes through the admin API during one row.
TESSERA_BOOTSTRAP_ADMIN_USERNAME=admin TESSERA_BOOTSTRAP_ADMIN_PASSWORD=Admin-Pass-123 \
  "$tessera" --data-dir "$data" serve --listen "127.0.0.1:$tport" --public-url https://bench.test >/dev/null 2>"$work/tessera.log" &
pid=$!
wait_http "http://127.0.0.1:$tport/health/live"
base="http://127.0.0.1:$tport/realms"
for alg in RS256 ES256 EdDSA; do
  realm=$(tr 'A-Z' 'a-z' <<<"$alg")
  lua "$work/t-$alg.lua" POST "grant_type=client_credentials" "${auth[$alg]}"
  measure tessera "client_credentials $alg" "$base/$realm/protocol/openid-connect/token" "$work/t-$alg.lua"
done
# #16: the same ES256 client while an administrator makes 10 writes per second (bench/admin_writer.py);
# compare with the plain ES256 row above (bench/admin_load.sh interleaves the two for a ratio).
python3 "$here/admin_writer.py" "http://127.0.0.1:$tport" es256 --rate 10 --summary "$work/writer.json" &
writer=$!
sleep 1
measure tessera "client_credentials ES256, admin writing 10/s" "$base/es256/protocol/openid-connect/token" "$work/t-ES256.lua"
kill "$writer"; wait "$writer" 2>/dev/null || true
lua "$work/t-roles.lua" POST "grant_type=client_credentials" "${auth[roles]}"
measure tessera "client_credentials ES256, 12 roles 3 mappers" "$base/es256/protocol/openid-connect/token" "$work/t-roles.lua"
lua "$work/t-resource.lua" POST "grant_type=client_credentials&resource=https%3A%2F%2Forders.bench.test%2F" "${auth[resource]}"
measure tessera "client_credentials ES256, resource=" "$base/es256/protocol/openid-connect/token" "$work/t-resource.lua"
if [ -n "$pkjwt" ]; then
  # Against the plain ES256 row (secret in Basic): target at least 0.5x.
  for c in $concurrency; do
    node "$here/client_assertions.mjs" "$pkjwt" bench-pkjwt https://bench.test/realms/es256 "$((duration * 40000))"
    lua_assertions "$work/t-pkjwt.lua" "$pkjwt/assertions.txt"
    concurrency="$c" measure tessera "client_credentials ES256, private_key_jwt" "$base/es256/protocol/openid-connect/token" "$work/t-pkjwt.lua"
  done
fi
if [ -n "$pkjwt" ]; then
  # #14: DPoP-bound ES256 and RS256 tokens (ES256 proofs, RFC 9449 §5) against the plain rows: target 0.6x.
  for alg in ES256 RS256; do
    realm=$(tr 'A-Z' 'a-z' <<<"$alg")
    for c in $concurrency; do
      # Proofs are valid a minute (iat window): a fresh batch per point, more than a point can use (a replayed
      # proof is a fast 400 and would flatter the row: keep the errors column at 0).
      node "$here/dpop_proofs.mjs" "$pkjwt" "https://bench.test/realms/$realm/protocol/openid-connect/token" "$((duration * 40000))"
      lua_dpop "$work/t-dpop.lua" "$pkjwt/proofs.txt" "${auth[$alg]}"
      concurrency="$c" measure tessera "client_credentials $alg, DPoP" "$base/$realm/protocol/openid-connect/token" "$work/t-dpop.lua"
    done
  done
fi
lua "$work/t-reuse.lua" POST "grant_type=client_credentials" "${auth[reuse]}"
measure tessera "client_credentials RS256, reuse window" "$base/rs256/protocol/openid-connect/token" "$work/t-reuse.lua"
token=$(curl -s -H "Authorization: Basic ${auth[RS256]}" -d grant_type=client_credentials "$base/rs256/protocol/openid-connect/token" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
lua "$work/t-intro.lua" POST "token=$token" "${auth[RS256]}"
measure tessera "introspection RS256" "$base/rs256/protocol/openid-connect/token/introspect" "$work/t-intro.lua"
# #17: the same introspection answered as an RFC 9701 JWT (one more RS256 signature per answer).
cp "$work/t-intro.lua" "$work/t-intro-jwt.lua"
echo 'wrk.headers["Accept"] = "application/token-introspection+jwt"' >>"$work/t-intro-jwt.lua"
measure tessera "introspection RS256, JWT answer" "$base/rs256/protocol/openid-connect/token/introspect" "$work/t-intro-jwt.lua"
lua "$work/get.lua" GET "" ""
measure tessera "JWKS" "$base/rs256/protocol/openid-connect/certs" "$work/get.lua"
# #15: the plain ES256 client again with metrics on (a management listener) and every rate limit on, set high
# enough never to trigger: compare with the "client_credentials ES256" row (target ≥ 0.95×).
python3 "$here/realm_attributes.py" "http://127.0.0.1:$tport" es256 \
  tessera.rateLimit.client=1000000/s tessera.rateLimit.address=1000000/s tessera.rateLimit.failedAuth=100/m
stop
"$tessera" --data-dir "$data" serve --listen "127.0.0.1:$tport" --public-url https://bench.test \
  --metrics-listen 127.0.0.1:18511 >/dev/null 2>>"$work/tessera.log" &
pid=$!
wait_http "http://127.0.0.1:$tport/health/live"
measure tessera "client_credentials ES256, metrics + rate limits" "$base/es256/protocol/openid-connect/token" "$work/t-ES256.lua"
stop
if redis-cli -p 6379 ping >/dev/null 2>&1; then
  "$tessera" --data-dir "$data" serve --listen "127.0.0.1:$tport" --public-url https://bench.test \
    --metrics-listen 127.0.0.1:18511 --redis-url redis://127.0.0.1:6379 >/dev/null 2>>"$work/tessera.log" &
  pid=$!
  wait_http "http://127.0.0.1:$tport/health/live"
  measure tessera "client_credentials ES256, metrics + rate limits, Redis" "$base/es256/protocol/openid-connect/token" "$work/t-ES256.lua"
  stop
fi
# #14: mutual TLS (RFC 8705) over Tessera's own TLS: a tls_client_auth client (subject DN, a certificate from a
# client CA made here by openssl) against the plain ES256 client's secret over the same TLS, both rows driven by
# bench/mtls_load.mjs (wrk presents no client certificate): compare the two "TLS" rows with each other.
if command -v node >/dev/null && command -v openssl >/dev/null; then
  pki="$work/pki"; mkdir -p "$pki"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=Bench CA" \
    -keyout "$pki/ca.key" -out "$pki/ca.pem" 2>/dev/null
  for who in server client; do
    subject="/CN=127.0.0.1"; [ "$who" = client ] && subject="/CN=bench-mtls"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$subject" \
      -keyout "$pki/$who.key" -out "$pki/$who.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=%s\n' "$([ "$who" = client ] && echo clientAuth || echo serverAuth)" >"$pki/$who.ext"
    openssl x509 -req -in "$pki/$who.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
      -extfile "$pki/$who.ext" -out "$pki/$who.pem" 2>/dev/null
  done
  T client create --realm es256 bench-mtls --default-scope api:read >/dev/null
  T client auth --realm es256 bench-mtls --tls-subject-dn "CN=bench-mtls" >/dev/null
  "$tessera" --data-dir "$data" serve --listen "127.0.0.1:$tport" --public-url "https://127.0.0.1:$tport" \
    --tls-cert "$pki/server.pem" --tls-key "$pki/server.key" --tls-client-ca "$pki/ca.pem" >/dev/null 2>>"$work/tessera.log" &
  pid=$!
  for _ in $(seq 1 600); do curl -s -o /dev/null --cacert "$pki/ca.pem" "https://127.0.0.1:$tport/health/live" && break; sleep 0.05; done
  turl="https://127.0.0.1:$tport/realms/es256/protocol/openid-connect/token"
  measure_node tessera "client_credentials ES256, TLS, secret" "$turl" "$pki/ca.pem" "grant_type=client_credentials" "basic=${auth[ES256]}"
  # The same TLS, the client certificate authenticating and binding the token (cnf.x5t#S256, §3).
  measure_node tessera "client_credentials ES256, TLS, tls_client_auth" "$turl" "$pki/ca.pem" \
    "grant_type=client_credentials&client_id=bench-mtls" "cert=$pki/client.pem" "key=$pki/client.key"
  stop
else
  echo "node or openssl missing: the mutual-TLS rows are left out" >&2
fi
first_token tessera "$base/rs256/protocol/openid-connect/token" "${auth[RS256]}" "grant_type=client_credentials" -- \
  "$tessera" --data-dir "$data" serve --listen "127.0.0.1:$tport" --public-url https://bench.test

# --- node-oidc-provider (installs from npm into a cache folder on first use).
nport=18520
nbasic=$(printf 'bench-basic:bench-secret-0123456789abcdef' | base64 -w0)
if [ -x "$peer/run.sh" ] && command -v node >/dev/null; then
  for alg in RS256 ES256; do
    ALG=$alg PORT=$nport "$peer/run.sh" >"$work/node.log" 2>&1 &
    pid=$!
    wait_http "http://127.0.0.1:$nport/.well-known/openid-configuration"
    lua "$work/n.lua" POST "grant_type=client_credentials" "$nbasic"
    measure node-oidc "client_credentials $alg" "http://127.0.0.1:$nport/token" "$work/n.lua"
    if [ "$alg" = RS256 ]; then
      ntoken=$(curl -s -H "Authorization: Basic $nbasic" -d grant_type=client_credentials "http://127.0.0.1:$nport/token" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
      lua "$work/n-intro.lua" POST "token=$ntoken" "$nbasic"
      measure node-oidc "introspection RS256" "http://127.0.0.1:$nport/token/introspection" "$work/n-intro.lua"
      jwks=$(curl -s "http://127.0.0.1:$nport/.well-known/openid-configuration" | sed 's/.*"jwks_uri":"\([^"]*\)".*/\1/')
      measure node-oidc "JWKS" "$jwks" "$work/get.lua"
    fi
    stop
  done
  cache="${NODE_OIDC_PEER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tessera-peer-node-oidc}"
  first_token node-oidc "http://127.0.0.1:$nport/token" "$nbasic" "grant_type=client_credentials" -- \
    env ALG=RS256 PORT=$nport node "$cache/server.mjs"
else
  echo "node-oidc-provider peer not available ($peer): its rows are left out" >&2
fi

# --- The floor.
fport=18530
"$floor" "127.0.0.1:$fport" >/dev/null 2>&1 &
pid=$!
wait_http "http://127.0.0.1:$fport/"
lua "$work/f.lua" POST "grant_type=client_credentials" ""
for alg in RS256 ES256 EdDSA; do
  measure floor "client_credentials $alg" "http://127.0.0.1:$fport/token/$alg" "$work/f.lua"
done
stop
first_token floor "http://127.0.0.1:$fport/token/RS256" "" "grant_type=client_credentials" -- "$floor" "127.0.0.1:$fport"

# --- The table.
echo "## $(date -u +%F) · $(nproc) cores · $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') · wrk -t2, ${duration}s per point, keep-alive"
echo
python3 - "$rows" <<'PY'
import sys, collections
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
by = {(s, r, c): (float(rps), p50, p99, err, cpu, rss) for s, r, c, rps, p50, p99, err, cpu, rss in rows}
print("| server | row | c | req/s | p50 | p99 | errors | CPU ms/req | peak RSS MiB | ÷ node-oidc | ÷ floor |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
def ratio(a, b):
    return f"{a / b:.2f}x" if b else "–"
for s, r, c, rps, p50, p99, err, cpu, rss in rows:
    rps = float(rps)
    alg_row = r.replace(", reuse window", "").replace(", resource=", "").replace(", 12 roles 3 mappers", "").replace(", admin writing 10/s", "").replace(", metrics + rate limits, Redis", "").replace(", metrics + rate limits", "").replace(", private_key_jwt", "").replace(", DPoP", "")
    node = by.get(("node-oidc", alg_row, c), (0,))[0] if s == "tessera" else 0
    floor = by.get(("floor", alg_row, c), (0,))[0] if s == "tessera" else 0
    print(f"| {s} | {r} | {c} | {rps:,.0f} | {p50} | {p99} | {err} | {cpu} | {rss} | {ratio(rps, node) if node else '–'} | {ratio(rps, floor) if floor else '–'} |")
PY
echo
echo "Admin writes during the row \"admin writing 10/s\": $(cat "$work/writer.json")"
echo
echo "Process start to first token (median of $starts, existing data dir for Tessera):"
awk -F'\t' '{printf "- %s: %s ms\n", $1, $2}' "$work/starts.tsv"
