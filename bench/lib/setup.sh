# Set-up of bench/run.sh (sourced): Tessera's data directory with the clients of every row, then every server
# started up front on its own port (an idle server costs nothing), each Tessera process on its own copy of
# the data directory (the rows' rate-limit attributes differ, and SQLite is not shared between processes).

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
data="$work/tessera"
T() { "$tessera" --data-dir "$data" "$@"; }
secret_of() { sed -n 's/^client_secret: //p'; }
basic() { printf 'Basic %s' "$(printf '%s:%s' "$1" "$2" | base64 -w0)"; }
declare -A auth
for alg in RS256 ES256 EdDSA; do
  realm=$(tr 'A-Z' 'a-z' <<<"$alg")
  T realm create "$realm" --alg "$alg" >/dev/null
  T scope create --realm "$realm" api:read >/dev/null
  auth[$alg]=$(basic bench "$(T client create --realm "$realm" bench --default-scope api:read | secret_of)")
done
# #17: a client that names its API with `resource=` (RFC 8707).
auth[resource]=$(basic bench-resource "$(T client create --realm es256 bench-resource --default-scope api:read --resource https://orders.bench.test/ | secret_of)")
auth[reuse]=$(basic bench-reuse "$(T client create --realm rs256 bench-reuse --default-scope api:read --token-reuse 0.5 | secret_of)")
# #13: a service account holding 10 realm roles and 2 client roles, mapped by the `roles` scope's 3 mappers.
auth[roles]=$(basic bench-roles "$(T client create --realm es256 bench-roles --default-scope api:read --default-scope roles | secret_of)")
T client create --realm es256 orders-api >/dev/null
for i in $(seq 1 10); do
  T role create --realm es256 "role-$i" >/dev/null
  T user grant-role --realm es256 service-account-bench-roles "role-$i" >/dev/null
done
for r in orders:read orders:write; do
  T role create --realm es256 --client orders-api "$r" >/dev/null
  T user grant-role --realm es256 service-account-bench-roles "orders-api/$r" >/dev/null
done
# #14: a private_key_jwt client (RFC 7523 §2.2), its ES256 key registered with `client auth`.
pkjwt=""
if [ -n "$have_node" ]; then
  pkjwt="$work/pkjwt"; mkdir -p "$pkjwt"
  node "$here/client_assertions.mjs" "$pkjwt" bench-pkjwt https://bench.test/realms/es256 0
  T client create --realm es256 bench-pkjwt --default-scope api:read >/dev/null
  T client auth --realm es256 bench-pkjwt --jwks-file "$pkjwt/jwks.json" >/dev/null
else
  echo "node missing: the private_key_jwt, DPoP, mutual-TLS and node-oidc rows are left out" >&2
fi
# #14: mutual TLS (RFC 8705): a tls_client_auth client; the certificates are made below.
T client create --realm es256 bench-mtls --default-scope api:read >/dev/null
T client auth --realm es256 bench-mtls --tls-subject-dn "CN=bench-mtls" >/dev/null
# #19: the people path: an ES256 realm, a public client (authorization code + PKCE) and a person.
# 32 people sign in (64 at once: 2 each, under the lockout's 5 attempts in flight); bench-user-0 holds the
# SSO sessions of the code, refresh and userinfo rows.
people_client=bench-app people_redirect=https://app.bench.test/callback people_prefix=bench-user- people_users=32
people_user=${people_prefix}0 people_password=Bench-Pass-0123
T realm create people --alg ES256 >/dev/null
for s in profile email; do T scope create --realm people "$s" >/dev/null 2>&1 || true; done
T client create --realm people "$people_client" --public --redirect-uri "$people_redirect" \
  --default-scope profile --default-scope email >/dev/null
for i in $(seq 0 $((people_users - 1))); do
  T user create --realm people "$people_prefix$i" --email "$people_prefix$i@bench.test" --first-name Bench --last-name "User $i" \
    --password-stdin <<<"$people_password" >/dev/null
done
for copy in limits redis tls people start; do cp -a "$data" "$work/tessera-$copy"; done

# --- The servers.
tport=$(port 10) lport=$(port 12) rport=$(port 14) sport=$(port 16) pport=$(port 17)
nport_rs=$(port 20) nport_es=$(port 21) nport_people=$(port 22) fport=$(port 30)
log="$work/servers.log"
export TESSERA_BOOTSTRAP_ADMIN_USERNAME=admin TESSERA_BOOTSTRAP_ADMIN_PASSWORD=Admin-Pass-123
serve() { # var data-dir port [flags...]
  local var="$1" dir="$2" p="$3"; shift 3
  start "$var" "$log" "$tessera" --data-dir "$dir" serve --listen "127.0.0.1:$p" --public-url https://bench.test "$@"
}
serve tpid "$data" "$tport"
# #15: metrics (a management listener) and every rate limit on, set never to trigger; the same with Redis.
serve lpid "$work/tessera-limits" "$lport" --metrics-listen "127.0.0.1:$(port 13)"
rpid=""
[ -n "$have_redis" ] && serve rpid "$work/tessera-redis" "$rport" --metrics-listen "127.0.0.1:$(port 15)" --redis-url redis://127.0.0.1:6379
serve ppid "$work/tessera-people" "$pport"
spid=""
if [ -n "$have_node" ] && command -v openssl >/dev/null; then
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
  start spid "$log" "$tessera" --data-dir "$work/tessera-tls" serve --listen "127.0.0.1:$sport" \
    --public-url "https://127.0.0.1:$sport" --tls-cert "$pki/server.pem" --tls-key "$pki/server.key" --tls-client-ca "$pki/ca.pem"
fi
unset TESSERA_BOOTSTRAP_ADMIN_USERNAME TESSERA_BOOTSTRAP_ADMIN_PASSWORD
npid_rs="" npid_es="" npid_people=""
if [ -n "$have_peer" ]; then
  # The peer's run.sh installs its npm dependencies on first use (into $peer_cache), then serves from there.
  start npid_rs "$log" env ALG=RS256 PORT="$nport_rs" "$peer/run.sh"
  wait_http "$npid_rs" "http://127.0.0.1:$nport_rs/.well-known/openid-configuration"
  cp "$here/node_oidc_people.mjs" "$peer_cache/"
  start npid_es "$log" env ALG=ES256 PORT="$nport_es" node "$peer_cache/server.mjs"
  start npid_people "$log" env PORT="$nport_people" node "$peer_cache/node_oidc_people.mjs"
else
  echo "node-oidc-provider peer not available ($peer): its rows are left out" >&2
fi
start fpid "$log" "$floor" "127.0.0.1:$fport"

for p in "$tport:$tpid" "$lport:$lpid" "$pport:$ppid" ${rpid:+"$rport:$rpid"}; do wait_http "${p#*:}" "http://127.0.0.1:${p%:*}/health/live"; done
[ -z "$spid" ] || wait_http "$spid" "https://127.0.0.1:$sport/health/live" --cacert "$pki/ca.pem"
for p in ${npid_rs:+"$nport_rs:$npid_rs"} ${npid_es:+"$nport_es:$npid_es"} ${npid_people:+"$nport_people:$npid_people"}; do
  wait_http "${p#*:}" "http://127.0.0.1:${p%:*}/.well-known/openid-configuration"
done
wait_http "$fpid" "http://127.0.0.1:$fport/health" # any answer (404) will do
limits=(tessera.rateLimit.client=1000000/s tessera.rateLimit.address=1000000/s tessera.rateLimit.failedAuth=100/m)
python3 "$here/realm_attributes.py" "http://127.0.0.1:$lport" es256 "${limits[@]}"
[ -z "$rpid" ] || python3 "$here/realm_attributes.py" "http://127.0.0.1:$rport" es256 "${limits[@]}"
