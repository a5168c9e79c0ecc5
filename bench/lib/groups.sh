# The measured groups of bench/run.sh (sourced after setup.sh). Each group's members run interleaved, one
# point each per round; report.py takes the medians and computes every ratio inside one group.
base="http://127.0.0.1:$tport/realms"
token_path=/protocol/openid-connect/token
lua_dir="$here/lua"
extras="$work/extras.tsv"
: >"$extras"

# --- client_credentials per algorithm: Tessera, the floor, node-oidc-provider (RS256, ES256), and the Tessera
# rows that compare with the plain client of the same realm (#13 roles, #14 DPoP / private_key_jwt, #15
# metrics + limits with and without Redis, #16 an administrator writing, #17 resource=).
lua "$work/f.lua" POST "grant_type=client_credentials" ""
nbasic=$(basic bench-basic bench-secret-0123456789abcdef)
lua "$work/n.lua" POST "grant_type=client_credentials" "$nbasic"
for key in RS256 ES256 EdDSA resource reuse roles; do lua "$work/t-$key.lua" POST "grant_type=client_credentials" "${auth[$key]}"; done
lua "$work/t-resource.lua" POST "grant_type=client_credentials&resource=https%3A%2F%2Forders.bench.test%2F" "${auth[resource]}"

# Single-use JWTs (DPoP proofs, client assertions), signed just before each point that sends them (a proof's
# `iat` must be recent: a batch for a whole group would age past the server's window in a full run), enough
# for the point at a rate above what the row reaches (the errors column shows a batch that ran out).
presign() { # kind dir count: kind proofs (htu in $presign_htu) or assertions
  if [ "$1" = proofs ]; then node "$here/dpop_proofs.mjs" "$2" "$presign_htu" "$3"; else node "$here/client_assertions.mjs" "$2" bench-pkjwt https://bench.test/realms/es256 "$3"; fi
  echo 0 >"$2/$1.offset"
}
dpop_dir="$work/dpop"; mkdir -p "$dpop_dir" "$work/dpop-rs"
fresh_assertions() { presign assertions "$pkjwt" "$((duration * 20000))"; }
fresh_proofs_es256() { presign_htu="https://bench.test/realms/es256$token_path" presign proofs "$dpop_dir" "$((duration * 20000))"; }
fresh_proofs_rs256() { presign_htu="https://bench.test/realms/rs256$token_path" presign proofs "$work/dpop-rs" "$((duration * 9000))"; }

writer_on() { # #16: the master realm's administrator writes 10/s on the plain server during this point
  python3 "$here/admin_writer.py" "http://127.0.0.1:$tport" es256 --rate 10 --summary "$work/writer-$1-$2.json" &
  writer=$!
  sleep 0.3
}
writer_on_after() {
  kill "$writer" 2>/dev/null || true; wait "$writer" 2>/dev/null || true; writer=""
}

url() { echo "$base/$1$token_path"; } # realm
member tessera "client_credentials RS256" "$tpid" wrk "$(url rs256)" "$work/t-RS256.lua" ""
member floor "client_credentials RS256" "$fpid" wrk "http://127.0.0.1:$fport/token/RS256" "$work/f.lua" ""
[ -z "$npid_rs" ] || member node-oidc "client_credentials RS256" "$npid_rs" wrk "http://127.0.0.1:$nport_rs/token" "$work/n.lua" ""
member tessera "client_credentials RS256, reuse window" "$tpid" wrk "$(url rs256)" "$work/t-reuse.lua" ""
[ -z "$pkjwt" ] || member tessera "client_credentials RS256, DPoP" "$tpid" wrk "$(url rs256)" "$lua_dir/presigned.lua" fresh_proofs_rs256 \
  dpop "$work/dpop-rs/proofs.txt" "$work/dpop-rs/proofs.offset" "${auth[RS256]#Basic }"
run_group rs256

member tessera "client_credentials ES256" "$tpid" wrk "$(url es256)" "$work/t-ES256.lua" ""
member floor "client_credentials ES256" "$fpid" wrk "http://127.0.0.1:$fport/token/ES256" "$work/f.lua" ""
[ -z "$npid_es" ] || member node-oidc "client_credentials ES256" "$npid_es" wrk "http://127.0.0.1:$nport_es/token" "$work/n.lua" ""
member tessera "client_credentials ES256, 12 roles 3 mappers" "$tpid" wrk "$(url es256)" "$work/t-roles.lua" ""
member tessera "client_credentials ES256, resource=" "$tpid" wrk "$(url es256)" "$work/t-resource.lua" ""
if [ -n "$pkjwt" ]; then
  member tessera "client_credentials ES256, private_key_jwt" "$tpid" wrk "$(url es256)" "$lua_dir/presigned.lua" fresh_assertions \
    assertion "$pkjwt/assertions.txt" "$pkjwt/assertions.offset"
  member tessera "client_credentials ES256, DPoP" "$tpid" wrk "$(url es256)" "$lua_dir/presigned.lua" fresh_proofs_es256 \
    dpop "$dpop_dir/proofs.txt" "$dpop_dir/proofs.offset" "${auth[ES256]#Basic }"
fi
member tessera "client_credentials ES256, metrics + rate limits" "$lpid" wrk "http://127.0.0.1:$lport/realms/es256$token_path" "$work/t-ES256.lua" ""
[ -z "$rpid" ] || member tessera "client_credentials ES256, metrics + rate limits, Redis" "$rpid" wrk "http://127.0.0.1:$rport/realms/es256$token_path" "$work/t-ES256.lua" ""
# Last in the round: the caches it empties are refilled before the next round's first point.
member tessera "client_credentials ES256, admin writing 10/s" "$tpid" wrk "$(url es256)" "$work/t-ES256.lua" writer_on
run_group es256

member tessera "client_credentials EdDSA" "$tpid" wrk "$(url eddsa)" "$work/t-EdDSA.lua" ""
member floor "client_credentials EdDSA" "$fpid" wrk "http://127.0.0.1:$fport/token/EdDSA" "$work/f.lua" ""
run_group eddsa

# --- Introspection (RFC 7662; and as an RFC 9701 JWT) and JWKS.
token=$(curl -s -H "Authorization: ${auth[RS256]}" -d grant_type=client_credentials "$(url rs256)" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
lua "$work/t-intro.lua" POST "token=$token" "${auth[RS256]}"
lua "$work/t-intro-jwt.lua" POST "token=$token" "${auth[RS256]}" 'wrk.headers["Accept"] = "application/token-introspection+jwt"'
member tessera "introspection RS256" "$tpid" wrk "$(url rs256)/introspect" "$work/t-intro.lua" ""
member tessera "introspection RS256, JWT answer" "$tpid" wrk "$(url rs256)/introspect" "$work/t-intro-jwt.lua" ""
if [ -n "$npid_rs" ]; then
  ntoken=$(curl -s -H "Authorization: $nbasic" -d grant_type=client_credentials "http://127.0.0.1:$nport_rs/token" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
  lua "$work/n-intro.lua" POST "token=$ntoken" "$nbasic"
  member node-oidc "introspection RS256" "$npid_rs" wrk "http://127.0.0.1:$nport_rs/token/introspection" "$work/n-intro.lua" ""
fi
run_group introspection
lua "$work/get.lua" GET "" ""
member tessera "JWKS" "$tpid" wrk "$base/rs256/protocol/openid-connect/certs" "$work/get.lua" ""
[ -z "$npid_rs" ] || member node-oidc "JWKS" "$npid_rs" wrk "http://127.0.0.1:$nport_rs/jwks" "$work/get.lua" ""
run_group jwks

# --- #14: mutual TLS over Tessera's own TLS, both rows driven by bench/mtls_load.mjs: compare them together.
if [ -n "$spid" ]; then
  turl="https://127.0.0.1:$sport/realms/es256$token_path"
  member tessera "client_credentials ES256, TLS, secret" "$spid" node "$turl" "$here/mtls_load.mjs" "" \
    "$pki/ca.pem" "grant_type=client_credentials" "basic=${auth[ES256]#Basic }"
  member tessera "client_credentials ES256, TLS, tls_client_auth" "$spid" node "$turl" "$here/mtls_load.mjs" "" \
    "$pki/ca.pem" "grant_type=client_credentials&client_id=bench-mtls" "cert=$pki/client.pem" "key=$pki/client.key"
  run_group mtls
fi

# shellcheck source=bench/lib/people.sh
source "$here/lib/people.sh"

# --- Process start to first token (median of $starts, existing data dir for Tessera), on ports of their own.
first_token() { # label url auth body -- command...
  local label="$1" url="$2" auth="$3" body="$4"; shift 5
  python3 "$here/first_token.py" "$starts" "$url" "$auth" "$body" -- "$@" | sed "s/^/$label\t/" >>"$work/starts.tsv"
}
: >"$work/starts.tsv"
first_token tessera "http://127.0.0.1:$(port 40)/realms/rs256$token_path" "${auth[RS256]}" grant_type=client_credentials -- \
  "$tessera" --data-dir "$work/tessera-start" serve --listen "127.0.0.1:$(port 40)" --public-url https://bench.test
[ -z "$npid_rs" ] || first_token node-oidc "http://127.0.0.1:$(port 41)/token" "$nbasic" grant_type=client_credentials -- \
  env ALG=RS256 PORT="$(port 41)" node "$peer_cache/server.mjs"
first_token floor "http://127.0.0.1:$(port 42)/token/RS256" "" grant_type=client_credentials -- "$floor" "127.0.0.1:$(port 42)"
for f in "$work"/writer-*.json; do
  if [ -e "$f" ]; then printf 'writer\t%s\n' "$(cat "$f")" >>"$extras"; fi
done
