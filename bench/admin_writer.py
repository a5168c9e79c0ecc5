#!/usr/bin/env python3
"""An administrator writing through the admin REST API at a steady rate, until SIGTERM or SIGINT.

    bench/admin_writer.py BASE_URL REALM [--rate 10] [--username admin] [--password ...] [--summary FILE]

Signs in to the master realm with admin-cli (password grant; renewed before the token expires), then repeats
three writes on REALM: create a user, grant it a realm role, delete it. Each of the last two moves the
configuration revision, so every node's caches are emptied at the next poll. Writes are paced on a fixed
schedule (a late write does not push the next ones back). On exit, prints (or writes to FILE) one JSON line:
writes made, failures, and write latency p50/p99 in ms.
"""
import argparse, http.client, json, os, signal, statistics, sys, time, urllib.parse

p = argparse.ArgumentParser()
p.add_argument("base"), p.add_argument("realm")
p.add_argument("--rate", type=float, default=10.0)
p.add_argument("--username", default="admin")
p.add_argument("--password", default="Admin-Pass-123")
p.add_argument("--summary")
p.add_argument("--ops", choices=["cycle", "toggle", "update"], default="cycle",
               help="cycle: create, grant, delete a user (the default); toggle: grant and revoke a role of one "
                    "user (every write moves the revision); update: change one user's profile (none does)")
args = p.parse_args()
url = urllib.parse.urlsplit(args.base)
conn = http.client.HTTPConnection(url.hostname, url.port)
stop = False


def on_signal(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)


def call(method, path, body=None, token=None, form=None):
    headers = {}
    if token:
        headers["Authorization"] = "Bearer " + token
    if form is not None:
        data, headers["Content-Type"] = urllib.parse.urlencode(form), "application/x-www-form-urlencoded"
    elif body is not None:
        data, headers["Content-Type"] = json.dumps(body), "application/json"
    else:
        data = None
    conn.request(method, path, body=data, headers=headers)
    r = conn.getresponse()
    return r.status, r.getheader("Location"), r.read()


class Token:
    def __init__(self):
        self.value, self.renew_at = None, 0.0

    def get(self):
        if time.monotonic() >= self.renew_at:
            status, _, body = call("POST", "/realms/master/protocol/openid-connect/token", form={
                "grant_type": "password", "client_id": "admin-cli",
                "username": args.username, "password": args.password})
            if status != 200:
                sys.exit(f"admin sign-in failed: {status} {body[:200]!r}")
            t = json.loads(body)
            self.value, self.renew_at = t["access_token"], time.monotonic() + t.get("expires_in", 60) * 0.75
        return self.value


token = Token()
admin = f"/admin/realms/{args.realm}"
status, _, _ = call("POST", f"{admin}/roles", {"name": "bench-admin-load"}, token.get())
if status not in (201, 409):
    sys.exit(f"could not create the role: {status}")
status, _, body = call("GET", f"{admin}/roles/bench-admin-load", token=token.get())
role = json.loads(body)

latencies, failures, n, user_id = [], {}, 0, None
start = time.monotonic()
while not stop:
    due = start + n / args.rate
    now = time.monotonic()
    if due > now:
        time.sleep(due - now)
        if stop:
            break
    if args.ops != "cycle" and user_id is None:
        _, location, _ = call("POST", f"{admin}/users", {"username": f"load-{os.getpid()}", "enabled": True}, token.get())
        user_id = location.rsplit("/", 1)[-1]
    t = time.perf_counter()
    step = n % 3
    op = ("create user", "grant role", "delete user")[step] if args.ops == "cycle" else args.ops
    if args.ops == "toggle":
        status, _, _ = call("POST" if n % 2 == 0 else "DELETE", f"{admin}/users/{user_id}/role-mappings/realm",
                            [{"id": role["id"], "name": role["name"]}], token.get())
    elif args.ops == "update":
        status, _, _ = call("PUT", f"{admin}/users/{user_id}", {"firstName": f"F{n}"}, token.get())
    elif step == 0:
        status, location, _ = call("POST", f"{admin}/users", {"username": f"load-{os.getpid()}-{n}", "enabled": True}, token.get())
        user_id = location.rsplit("/", 1)[-1] if location else None
    elif step == 1 and user_id:
        status, _, _ = call("POST", f"{admin}/users/{user_id}/role-mappings/realm",
                            [{"id": role["id"], "name": role["name"]}], token.get())
    elif user_id:
        status, _, _ = call("DELETE", f"{admin}/users/{user_id}", token=token.get())
    else:
        status = 0
    latencies.append((time.perf_counter() - t) * 1000)
    if not 200 <= status < 300:
        key = f"{op}: {status}"
        failures[key] = failures.get(key, 0) + 1
    n += 1

latencies.sort()
summary = {
    "writes": n, "failures": sum(failures.values()), "failed": failures, "seconds": round(time.monotonic() - start, 2),
    "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
    "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)], 2) if latencies else None,
}
line = json.dumps(summary)
if args.summary:
    with open(args.summary, "w") as f:
        f.write(line + "\n")
else:
    print(line)
