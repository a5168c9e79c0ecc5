# #19: the people path (sourced by groups.sh), on a Tessera process of its own (its peak RSS is the sign-ins')
# and a node-oidc-provider configured for it (bench/node_oidc_people.mjs). Set-up (sign-ins, seeding tokens)
# is bench/people_seed.py, outside the measured points; the load is wrk with bench/lua/*.lua, which counts
# completed flows (a code flow is two requests, a sign-in two).
pbase="http://127.0.0.1:$pport" nbase="http://127.0.0.1:$nport_people"
p_authorize=/realms/people/protocol/openid-connect/auth p_token=/realms/people$token_path
p_userinfo=/realms/people/protocol/openid-connect/userinfo p_authenticate=/realms/people/login-actions/authenticate
p_scope="openid profile email" n_scope="openid profile email offline_access"
seed() { python3 "$here/people_seed.py" "$@"; }
{ read -r p_query; read -r verifier; } < <(seed query "$people_client" "$people_redirect" "$p_scope")
{ read -r n_query; read -r _; } < <(seed query "$people_client" "$people_redirect" "$n_scope")
seed session "$pbase" "$p_authorize" "$people_client" "$people_redirect" "$p_scope" "$people_user" "$people_password" "$work/p.cookie"
[ -z "$npid_people" ] || seed session "$nbase" /auth "$people_client" "$people_redirect" "$n_scope" - - "$work/n.cookie"

# Sign-ins with the password typed, at 64 at once, against the floor's Argon2id verifications alone (same
# parameters, same 2 cores, one per core at a time as Tessera's pool runs them).
lua "$work/f-argon2.lua" POST "" ""
member tessera "sign-in, password typed (Argon2id)" "$ppid" wrk "$pbase/" "$lua_dir/sign_in.lua" "" \
  "$p_authorize?$p_query" "$p_authenticate" "$people_prefix" "$people_users" "$people_password"
member floor "Argon2id verification alone" "$fpid" wrk "http://127.0.0.1:$fport/argon2" "$work/f-argon2.lua" ""
run_group sign-in 64

# Authorization code + PKCE on an SSO session: authorize (cookie) → 302 with the code → token exchange.
member tessera "authorization code + PKCE, SSO session" "$ppid" wrk "$pbase/" "$lua_dir/code_flow.lua" "" \
  "$p_authorize?$p_query" "$p_token" "$people_client" "$people_redirect" "$verifier" "$(cat "$work/p.cookie")"
[ -z "$npid_people" ] || member node-oidc "authorization code + PKCE, SSO session" "$npid_people" wrk "$nbase/" "$lua_dir/code_flow.lua" "" \
  "/auth?$n_query" /token "$people_client" "$people_redirect" "$verifier" "$(cat "$work/n.cookie")"
run_group code

# Refresh-token rotation: each point starts from 2×c fresh refresh tokens (one code flow each).
seed_tessera() { seed tokens "$pbase" "$p_authorize" "$p_token" "$people_client" "$people_redirect" "$p_scope" "$work/p.cookie" "$((2 * $1))" "$work/p.pool"; }
seed_node() { seed tokens "$nbase" /auth /token "$people_client" "$people_redirect" "$n_scope" "$work/n.cookie" "$((2 * $1))" "$work/n.pool"; }
member tessera "refresh_token rotation" "$ppid" wrk "$pbase/" "$lua_dir/refresh.lua" seed_tessera "$p_token" "$people_client" "$work/p.pool"
[ -z "$npid_people" ] || member node-oidc "refresh_token rotation" "$npid_people" wrk "$nbase/" "$lua_dir/refresh.lua" seed_node /token "$people_client" "$work/n.pool"
run_group refresh

# Userinfo (OIDC Core §5.3) with a person's access token.
prepare_userinfo() {
  seed_tessera 1
  lua "$work/p-userinfo.lua" GET "" "Bearer $(cat "$work/p.pool.access")"
  if [ -n "$npid_people" ]; then
    seed_node 1
    lua "$work/n-userinfo.lua" GET "" "Bearer $(cat "$work/n.pool.access")"
  fi
}
member tessera "userinfo" "$ppid" wrk "$pbase$p_userinfo" "$work/p-userinfo.lua" ""
[ -z "$npid_people" ] || member node-oidc "userinfo" "$npid_people" wrk "$nbase/me" "$work/n-userinfo.lua" ""
group_prepare=prepare_userinfo
run_group userinfo
