#!/usr/bin/env bash
# ES256 client_credentials: plain client vs a service account with 12 roles and the roles scope's 3 mappers,
# interleaved A B A B A B, 4 s each at c=16; CPU ms per request of the server from /proc.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
(cd "$here/.." && cargo build --release --quiet -p tessera)
T="$here/../target/release/tessera"
d=$(mktemp -d); port=18611
t() { "$T" --data-dir "$d" "$@"; }
t realm create es256 --alg ES256 >/dev/null
t scope create --realm es256 api:read >/dev/null
s1=$(t client create --realm es256 bench --default-scope api:read | sed -n 's/^client_secret: //p')
s2=$(t client create --realm es256 bench-roles --default-scope api:read --default-scope roles | sed -n 's/^client_secret: //p')
t client create --realm es256 orders-api >/dev/null
for i in $(seq 1 10); do t role create --realm es256 "role-$i" >/dev/null; t user grant-role --realm es256 service-account-bench-roles "role-$i" >/dev/null; done
for r in orders:read orders:write; do t role create --realm es256 --client orders-api "$r" >/dev/null; t user grant-role --realm es256 service-account-bench-roles "orders-api/$r" >/dev/null; done
"$T" --data-dir "$d" serve --listen 127.0.0.1:$port --public-url https://bench.test >/dev/null 2>&1 & pid=$!
sleep 1.5
lua() { printf 'wrk.method="POST"\nwrk.body="grant_type=client_credentials"\nwrk.headers["Content-Type"]="application/x-www-form-urlencoded"\nwrk.headers["Authorization"]="Basic %s"\n' "$(printf '%s:%s' "$1" "$2" | base64 -w0)" > "$3"; }
lua bench "$s1" "$d/a.lua"; lua bench-roles "$s2" "$d/b.lua"
curl -s -u "bench-roles:$s2" -d grant_type=client_credentials http://127.0.0.1:$port/realms/es256/protocol/openid-connect/token | python3 -c "import sys,json,base64; t=json.load(sys.stdin)['access_token'].split('.')[1]; print(json.loads(base64.urlsafe_b64decode(t+'=='))['realm_access'])"
tck=$(getconf CLK_TCK)
run() { local b a n; b=$(awk '{print $14+$15}' /proc/$pid/stat); out=$(wrk -t2 -c16 -d4s -s "$1" http://127.0.0.1:$port/realms/es256/protocol/openid-connect/token); a=$(awk '{print $14+$15}' /proc/$pid/stat); n=$(awk '/requests in/ {print $1}' <<<"$out"); rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out"); awk -v a=$a -v b=$b -v n=$n -v t=$tck -v r=$rps -v l="$2" 'BEGIN {printf "%s req/s %d cpu_ms/req %.4f\n", l, r, (a-b)*1000/t/n}'; }
for i in 1 2 3; do run "$d/a.lua" plain; run "$d/b.lua" roles; done
kill $pid; rm -rf "$d"
