#!/usr/bin/env bash
# Admin user search in a realm of 10^5 users (issue #16), on SQLite and on PostgreSQL in turn: p50/p99 of
# each query shape of GET /admin/realms/{realm}/users and /users/count, one request at a time over a
# keep-alive connection, with the master realm administrator's token.
#   bench/user_search.sh [--requests N] [--backends "sqlite postgres"]
# PostgreSQL: $BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), in a fresh schema that
# is dropped at the end. The users are loaded straight into the tables (with the search keys the store
# writes, lower-cased), then the table is vacuumed and its statistics refreshed (VACUUM ANALYZE, as autovacuum does after a bulk load).
# CPU ms/req is the server's CPU (and its PostgreSQL backends') per request, from /proc: it does not move
# with the machine's other load as latency does.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
requests=300 backends="sqlite postgres"
pg_base="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
while [ $# -gt 0 ]; do
  case "$1" in
    --requests) requests="$2"; shift 2 ;;
    --backends) backends="$2"; shift 2 ;;
    *) echo "usage: bench/user_search.sh [--requests N] [--backends \"sqlite postgres\"]" >&2; exit 2 ;;
  esac
done
(cd "$root" && cargo build --release --quiet -p tessera)
T="${CARGO_TARGET_DIR:-$root/target}/release/tessera"
port=18631 pid="" schema="" d=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [ -n "$schema" ] && psql -q "$pg_base" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1
  [ -n "$d" ] && rm -rf "$d"
  true
}
trap cleanup EXIT

# 10^5 people: user000000…user099999, user{i}@big.example, one of 20 first names, one of 20 last names
# followed by i. Rows as TSV in the column order below.
users_tsv() {
  python3 - "$1" <<'PY'
import random, sys, uuid
random.seed(16)
realm = sys.argv[1]
firsts = "Ada Grace Alan Barbara Edsger Donald Margaret Ken Dennis Linus Frances Niklaus John Leslie Tony Radia Hedy Katherine Dorothy Mary".split()
lasts = "Lovelace Hopper Turing Liskov Dijkstra Knuth Hamilton Thompson Ritchie Torvalds Allen Wirth McCarthy Lamport Hoare Perlman Lamarr Johnson Vaughan Jackson".split()
out = sys.stdout
for i in range(100000):
    u, e, f, l = f"user{i:06d}", f"user{i}@big.example", random.choice(firsts), f"{random.choice(lasts)}{i}"
    out.write("\t".join([realm, str(uuid.uuid4()), u, "1", e, "0", f, l, "0", "", "{}", u.lower(), e.lower(), f.lower(), l.lower()]) + "\n")
PY
}
columns="realm_id, id, username, enabled, email, email_verified, first_name, last_name, created_at, required_actions, attributes, username_key, email_key, first_name_key, last_name_key"

for backend in $backends; do
  d=$(mktemp -d)
  if [ "$backend" = postgres ]; then
    schema="bench_users_$$"
    psql -q "$pg_base" -c "CREATE SCHEMA $schema" >/dev/null
    sep='?'; case "$pg_base" in *\?*) sep='&' ;; esac
    export TESSERA_DATABASE_URL="${pg_base}${sep}options=-c%20search_path%3D${schema}&application_name=${schema}"
  else
    unset TESSERA_DATABASE_URL
  fi
  "$T" --data-dir "$d" realm create big >/dev/null
  if [ "$backend" = postgres ]; then
    realm=$(psql -qtA "$TESSERA_DATABASE_URL" -c "SELECT id FROM realms WHERE name = 'big'")
    users_tsv "$realm" | psql -q "$TESSERA_DATABASE_URL" -c "COPY users ($columns) FROM STDIN" >/dev/null
    psql -q "$TESSERA_DATABASE_URL" -c "VACUUM ANALYZE users" >/dev/null
  else
    db="$d/tessera.db"
    realm=$(sqlite3 "$db" "SELECT id FROM realms WHERE name = 'big'")
    users_tsv "$realm" | python3 -c "
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
rows = (line.rstrip('\n').split('\t') for line in sys.stdin)
con.executemany('INSERT INTO users ($columns) VALUES (' + ','.join('?' * 15) + ')', rows)
con.commit()" "$db"
  fi
  TESSERA_BOOTSTRAP_ADMIN_USERNAME=admin TESSERA_BOOTSTRAP_ADMIN_PASSWORD=Admin-Pass-123 \
    "$T" --data-dir "$d" serve --listen 127.0.0.1:$port --public-url https://bench.test >"$d/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 200); do curl -s -o /dev/null "http://127.0.0.1:$port/health/live" && break; sleep 0.05; done
  echo "### $backend, 10^5 users, $requests requests per shape, $(date -u +%F), $(nproc) cores"
  python3 - "$port" "$requests" "$pid" "$backend" "$pg_base" "$schema" <<'PY'
import http.client, json, os, random, statistics, subprocess, sys, time, urllib.parse
port, n, server, backend, pg_base, schema = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
tck = os.sysconf("SC_CLK_TCK")
def cpu_ms():
    # The server's CPU, and on PostgreSQL that of the backends serving it (by application_name): the work
    # a request costs, which the machine's other load does not change as it changes latency.
    pids = [server]
    if backend == "postgres":
        out = subprocess.run(["psql", "-qtA", pg_base, "-c", f"SELECT pid FROM pg_stat_activity WHERE application_name = '{schema}'"],
                             capture_output=True, text=True).stdout
        pids += out.split()
    total = 0
    for p in pids:
        try:
            f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])
        except OSError:
            pass
    return total * 1000 / tck
random.seed(7)
conn = http.client.HTTPConnection("127.0.0.1", int(port))
token = {"value": None, "renew_at": 0.0}
def bearer():
    # The master realm's tokens live 60 s: sign in again before that (outside the timed part).
    if time.monotonic() >= token["renew_at"]:
        form = urllib.parse.urlencode({"grant_type": "password", "client_id": "admin-cli", "username": "admin", "password": "Admin-Pass-123"})
        conn.request("POST", "/realms/master/protocol/openid-connect/token", body=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
        t = json.loads(conn.getresponse().read())
        token["value"], token["renew_at"] = t["access_token"], time.monotonic() + t["expires_in"] * 0.75
    return token["value"]
def get(path):
    auth = "Bearer " + bearer()
    t = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": auth})
    r = conn.getresponse(); body = r.read()
    if r.status != 200:
        raise SystemExit(f"{path}: {r.status} {body[:200]!r}")
    return (time.perf_counter() - t) * 1000, json.loads(body)
q = lambda **kw: "?" + urllib.parse.urlencode(kw)
firsts = "ada grace alan barbara edsger donald margaret ken dennis linus".split()
shapes = [
    ("`username=user0NNNNN&exact=true`", "in target", lambda: "/users" + q(username=f"user{random.randrange(100000):06d}", exact="true")),
    ("`search=user0NNNN` (prefix: ~10 people)", "in target", lambda: "/users" + q(search=f"user{random.randrange(10000):05d}", max=20)),
    ("`search=userNNN` (prefix: ~1,000)", "in target", lambda: "/users" + q(search=f"user{random.randrange(100):03d}", max=20)),
    ("`search=grace` (a first name: ~5,000)", "in target", lambda: "/users" + q(search=random.choice(firsts), max=20)),
    ("`search=u` (every user)", "in target", lambda: "/users" + q(search="u", max=20)),
    ("`search=\"userNNNNNN\"` (quoted: whole value)", "in target", lambda: "/users" + q(search=f'"user{random.randrange(100000):06d}"')),
    ("`search=grace hopperN` (two words)", "in target", lambda: "/users" + q(search=f"{random.choice(firsts)} hopper{random.randrange(10)}", max=20)),
    ("`users/count?search=userNNN`", "in target", lambda: "/users/count" + q(search=f"user{random.randrange(100):03d}")),
    ("`users/count?search=grace`", "in target", lambda: "/users/count" + q(search=random.choice(firsts))),
    ("`users/count?search=u` (every user)", "in target", lambda: "/users/count" + q(search="u")),
    ("`users?max=20` (no filter)", "in target", lambda: "/users" + q(max=20)),
    ("`search=*NNNN*` (infix: trigram index)", "in target", lambda: "/users" + q(search=f"*{random.randrange(10000):04d}*", max=20)),
    ("`username=NNNNN` (Keycloak's contains: trigram index)", "in target", lambda: "/users" + q(username=f"{random.randrange(100000):05d}", max=20)),
    ("`username=NNN` (contains: ~300, trigram index)", "in target", lambda: "/users" + q(username=f"{random.randrange(1000):03d}", max=20)),
    ("`search=*NN*` (infix of 2: a scan)", "infix", lambda: "/users" + q(search=f"*{random.randrange(100):02d}*", max=20)),
]
print("| query | kind | p50 ms | p99 ms | max ms | CPU ms/req |")
print("|---|---|---|---|---|---|")
for name, kind, make in shapes:
    token["renew_at"] = 0.0  # a fresh token per shape: the sign-in (a password hash) stays out of the figures
    for _ in range(10):
        get("/admin/realms/big" + make())
    before = cpu_ms()
    times = sorted(get("/admin/realms/big" + make())[0] for _ in range(n))
    cpu = (cpu_ms() - before) / n
    p99 = times[max(0, int(len(times) * 0.99) - 1)]
    print(f"| {name} | {kind} | {statistics.median(times):.2f} | {p99:.2f} | {times[-1]:.2f} | {cpu:.2f} |", flush=True)
PY
  echo
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  if [ "$backend" = postgres ]; then psql -q "$pg_base" -c "DROP SCHEMA $schema CASCADE" >/dev/null; schema=""; fi
  rm -rf "$d"; d=""
done
