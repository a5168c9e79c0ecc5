#!/usr/bin/env python3
"""Process start to first token, for bench/run.sh: starts COMMAND N times, each time polling URL with a
client_credentials POST until it answers 200, and prints the median in milliseconds.

    first_token.py N URL AUTHORIZATION_HEADER_OR_EMPTY BODY -- COMMAND...
"""
import statistics
import subprocess
import sys
import time
import urllib.request

n, url, auth, body, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4].encode(), sys.argv[6:]
headers = {"Content-Type": "application/x-www-form-urlencoded"}
if auth:
    headers["Authorization"] = auth
times = []
for _ in range(n):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.monotonic() - t0 < 30:
            try:
                if urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers), timeout=2).status == 200:
                    break
            except Exception:
                time.sleep(0.002)
        times.append((time.monotonic() - t0) * 1000)
    finally:
        p.terminate()
        p.wait()
print(f"{statistics.median(times):.0f}")
