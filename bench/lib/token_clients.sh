# Shared by bench/profile.sh and bench/flame.sh (sourced): one realm per algorithm in $algs, each with a
# client `bench` (default scope api:read) in the data directory $data of $tessera; auth[ALG] is its Basic
# credential. `lua AUTH FILE` writes the wrk script of a client_credentials request (no AUTH: no header).
declare -A auth
for alg in $algs; do
  realm=$(tr 'A-Z' 'a-z' <<<"$alg")
  "$tessera" --data-dir "$data" realm create "$realm" --alg "$alg" >/dev/null
  "$tessera" --data-dir "$data" scope create --realm "$realm" api:read >/dev/null
  secret=$("$tessera" --data-dir "$data" client create --realm "$realm" bench --default-scope api:read | sed -n 's/^client_secret: //p')
  auth[$alg]=$(printf 'bench:%s' "$secret" | base64 -w0)
done

lua() { printf 'wrk.method = "POST"\nwrk.body = "grant_type=client_credentials"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n%s' "${1:+wrk.headers[\"Authorization\"] = \"Basic $1\"}" >"$2"; }
