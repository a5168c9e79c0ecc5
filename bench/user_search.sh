#!/usr/bin/env bash
# 10^5 users in one SQLite realm; p50/p99 of the admin API's username search (prefix) over 300 requests.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
(cd "$here/.." && cargo build --release --quiet -p tessera)
T="$here/../target/release/tessera"
d=$(mktemp -d); port=18631
"$T" --data-dir "$d" realm create big >/dev/null
python3 - "$d" <<'PY'
import sqlite3, sys, uuid, glob, json
db = glob.glob(sys.argv[1] + "/*.db")[0] if glob.glob(sys.argv[1] + "/*.db") else glob.glob(sys.argv[1] + "/*.sqlite*")[0]
con = sqlite3.connect(db)
realm = con.execute("SELECT id FROM realms WHERE name='big'").fetchone()[0]
rows = [(realm, str(uuid.uuid4()), f"user{i:06d}", 1, f"user{i}@big.example", 0, "First", f"Last{i}", None, None, 0, "", "{}") for i in range(100000)]
con.executemany("INSERT INTO users (realm_id, id, username, enabled, email, email_verified, first_name, last_name, password_hash, service_account_client_id, created_at, required_actions, attributes) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
con.commit()
print("users:", con.execute("SELECT COUNT(*) FROM users").fetchone()[0])
PY
TESSERA_BOOTSTRAP_ADMIN_USERNAME=admin TESSERA_BOOTSTRAP_ADMIN_PASSWORD=Admin-Pass-123 "$T" --data-dir "$d" serve --listen 127.0.0.1:$port --public-url http://127.0.0.1:$port --dev >/dev/null 2>&1 & pid=$!
sleep 2
tok=$(curl -s http://127.0.0.1:$port/realms/master/protocol/openid-connect/token -d grant_type=password -d client_id=admin-cli -d username=admin -d password=Admin-Pass-123 | python3 -c "import sys,json; print(json.load(sys.stdin)['access_token'])")
python3 - "$port" "$tok" <<'PY'
import sys, time, urllib.request, random, statistics
port, tok = sys.argv[1], sys.argv[2]
def q(path):
    r = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": "Bearer " + tok})
    t = time.perf_counter(); body = urllib.request.urlopen(r).read(); return (time.perf_counter() - t) * 1000, body
for name, make in [("username prefix", lambda: f"/admin/realms/big/users?username=user{random.randrange(100000):06d}&max=20"),
                   ("username exact", lambda: f"/admin/realms/big/users?username=user{random.randrange(100000):06d}&exact=true"),
                   ("search (all fields)", lambda: f"/admin/realms/big/users?search=user{random.randrange(1000):03d}&max=20")]:
    times = sorted(q(make())[0] for _ in range(300))
    print(f"{name}: p50 {statistics.median(times):.1f} ms, p99 {times[int(len(times)*0.99)-1]:.1f} ms")
PY
kill $pid; rm -rf "$d"
