#!/usr/bin/env python3
"""The tables of bench/run.sh from its measurements: one row per (server, row, concurrency) with the medians of
its interleaved rounds, its ratios to node-oidc-provider and the floor, its target and whether it is met; then
the targets table (met / missed / not measured by this run).

    report.py ROWS_TSV STARTS_TSV EXTRAS_TSV HEADER
    report.py --into FILE REPORT_MD     puts REPORT_MD between FILE's markers (or writes FILE whole)

ROWS_TSV: group, server, row, c, round, req/s, p50, p99, errors, CPU ms/req, peak RSS MiB (one point a line).
Every ratio is taken between points of one group (measured interleaved), never across groups.
"""

import collections
import json
import statistics
import sys

PLAIN = {"RS256": "client_credentials RS256", "ES256": "client_credentials ES256", "EdDSA": "client_credentials EdDSA"}
SIGN_IN = "sign-in, password typed (Argon2id)"
FLOOR_ALIAS = {SIGN_IN: "Argon2id verification alone"}
BASE_ALIAS = {"client_credentials ES256, TLS, tls_client_auth": "client_credentials ES256, TLS, secret"}

# (issue, row, c, kind, threshold, what). Kinds: ratio of req/s (rps) or CPU per request (cpu) or p99 (p99)
# to the floor / node-oidc / Tessera's plain row of the group (base); `info` shows the ratio to node-oidc.
TARGETS = [
    ("#7, #19", PLAIN["RS256"], 16, "floor rps", 0.9, "≥ 0.9× floor req/s"),
    ("#7", PLAIN["ES256"], 16, "floor rps", 0.75, "≥ 0.75× floor req/s"),
    ("#7", PLAIN["EdDSA"], 16, "floor rps", 0.75, "≥ 0.75× floor req/s"),
    ("#19", PLAIN["ES256"], 16, "floor cpu", 1.1, "CPU/req ≤ 1.1× floor"),
    ("#19", PLAIN["EdDSA"], 16, "floor cpu", 1.1, "CPU/req ≤ 1.1× floor"),
    ("#19", PLAIN["ES256"], 16, "floor rps", 0.9, "≥ 0.9× floor req/s"),
    ("#19", PLAIN["EdDSA"], 16, "floor rps", 0.9, "≥ 0.9× floor req/s"),
    ("#7", PLAIN["ES256"], 16, "node rps", 8.0, "≥ 8× node-oidc req/s"),
    ("#7", PLAIN["RS256"], 64, "floor p99", 1.5, "p99 ≤ 1.5× floor p99"),
    ("#7", PLAIN["ES256"], 64, "floor p99", 1.5, "p99 ≤ 1.5× floor p99"),
    ("#7", PLAIN["EdDSA"], 64, "floor p99", 1.5, "p99 ≤ 1.5× floor p99"),
    ("#13", "client_credentials ES256, 12 roles 3 mappers", 16, "base rps", 0.9, "≥ 0.9× plain ES256"),
    ("#14", "client_credentials ES256, DPoP", 16, "base rps", 0.6, "≥ 0.6× plain ES256"),
    ("#14", "client_credentials ES256, private_key_jwt", 16, "base rps", 0.5, "≥ 0.5× plain ES256"),
    ("#15", "client_credentials ES256, metrics + rate limits", 16, "base rps", 0.95, "≥ 0.95× plain ES256"),
    ("#15", "client_credentials ES256, metrics + rate limits, Redis", 16, "base rps", 0.95, "≥ 0.95× plain ES256"),
    ("#19", SIGN_IN, 64, "floor rps", 0.85, "≥ 0.85× Argon2id alone"),
    ("#19", "refresh_token rotation", 16, "node rps", 3.0, "≥ 3× node-oidc"),
    ("#19", "userinfo", 16, "node rps", 3.0, "≥ 3× node-oidc"),
    ("#19", "authorization code + PKCE, SSO session", 16, "info", None, "(none named; ÷ node-oidc shown)"),
]
# Targets measured by other commands: cited, never judged from this run.
CITED = [
    ("#7", "introspection RS256 ≥ 15k req/s at c=16 with 10^6 revoked", "bench/introspection.sh"),
    ("#7", "throughput drop 10 → 10^6 clients ≤ 10%", "bench/scale.sh"),
    ("#14", "guard: DPoP-bound ES256 validation ≥ 0.45× plain", "cargo bench -p tessera-guard --bench validate"),
    ("#15", "usage state of 10^6 clients ≤ 200 MiB", "cargo test -p tessera-server --test usage_memory -- --nocapture"),
    ("#17", "guard in feed mode ≥ 0.95× without feed", "cargo bench -p tessera-guard --bench validate"),
    ("#17", "guard holding 10^6 revoked entries ≤ 64 MiB", "cargo test -p tessera-guard --test feed_memory -- --nocapture"),
    ("#17", "revocation reaches a guard in ≤ 1 s p99", "bench/feed_propagation.sh"),
]


def ms(text):
    """wrk's latency text (`290.00us`, `2.11ms`, `1.02s`) in milliseconds; None when missing."""
    for unit, scale in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if text.endswith(unit):
            try:
                return float(text[: -len(unit)]) * scale
            except ValueError:
                return None
    return None


def latency(value):
    if value is None:
        return "–"
    return f"{value * 1000:.0f}us" if value < 1 else f"{value:.2f}ms"


def load(path):
    points = collections.OrderedDict()
    for line in open(path):
        if not line.strip():
            continue
        group, server, row, c, _round, rps, p50, p99, errors, cpu, rss = line.rstrip("\n").split("\t")
        points.setdefault((group, server, row, int(c)), []).append(
            (float(rps), ms(p50), ms(p99), int(errors), float(cpu), float(rss)))
    stats = collections.OrderedDict()
    for key, pts in points.items():
        med = lambda i: statistics.median(p[i] for p in pts if p[i] is not None) if any(p[i] is not None for p in pts) else None
        stats[key] = {"rps": med(0), "p50": med(1), "p99": med(2), "errors": sum(p[3] for p in pts),
                      "cpu": med(4), "rss": max(p[5] for p in pts), "rounds": len(pts)}
    return stats


def peer(stats, group, server, row, c):
    """The row of SERVER in the same group that ROW is compared with, or None."""
    if "TLS" in row and server != "tessera":
        return None
    wanted = (row, row.split(", ")[0])
    if server == "floor" and row in FLOOR_ALIAS:
        wanted = (FLOOR_ALIAS[row],)
    if server == "tessera" and row in BASE_ALIAS:
        wanted = (BASE_ALIAS[row],)
    for name in wanted:
        if (group, server, name, c) in stats and not (server == "tessera" and name == row):
            return stats[(group, server, name, c)]
    return None


def judge(stats, group, row, c, kind, threshold):
    """(ratio, met) of a target at this row, or None when the run lacks a figure."""
    me = stats.get((group, "tessera", row, c))
    if me is None:
        return None
    against, metric = kind.split(" ") if kind != "info" else ("node", "rps")
    other = peer(stats, group, {"floor": "floor", "node": "node-oidc", "base": "tessera"}[against], row, c)
    if other is None or not other[metric] or me[metric] is None:
        return None
    ratio = me[metric] / other[metric]
    figures = {"rps": lambda v: f"{v:,.0f}", "cpu": lambda v: f"{v:.3f} ms", "p99": latency}[metric]
    shown = f"{figures(me[metric])} vs {figures(other[metric])}{' req/s' if metric == 'rps' else ''}"
    if threshold is None:
        return ratio, None, shown
    return ratio, ratio >= threshold if metric == "rps" else ratio <= threshold, shown


def main(rows_path, starts_path, extras_path, header):
    stats = load(rows_path)
    group_of = {(row, c): g for (g, s, row, c) in stats if s == "tessera"}
    verdicts = []
    for issue, row, c, kind, threshold, what in TARGETS:
        group = group_of.get((row, c))
        verdict = judge(stats, group, row, c, kind, threshold) if group else None
        verdicts.append((issue, row, c, kind, threshold, what, verdict))

    print(header)
    print()
    print("| server | row | c | req/s | p50 | p99 | errors | CPU ms/req | peak RSS MiB | ÷ node-oidc | ÷ floor | target | met |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (group, server, row, c), s in stats.items():
        node = floor = "–"
        if server == "tessera":
            n, f = peer(stats, group, "node-oidc", row, c), peer(stats, group, "floor", row, c)
            node = f"{s['rps'] / n['rps']:.2f}x" if n and n["rps"] else "–"
            floor = f"{s['rps'] / f['rps']:.2f}x" if f and f["rps"] else "–"
        target, met = [], []
        for issue, vrow, vc, kind, threshold, what, verdict in verdicts:
            if server != "tessera" or (vrow, vc) != (row, c):
                continue
            target.append(f"{what} ({issue})")
            if verdict is None:
                met.append("no figure")
            else:
                ratio, ok, _ = verdict
                met.append(f"{ratio:.2f}×" + ("" if ok is None else " met" if ok else " **missed**"))
        base = peer(stats, group, "tessera", row, c) if server == "tessera" else None
        if base and not target and base["rps"]:
            target.append("(none; ÷ plain row shown)")
            met.append(f"{s['rps'] / base['rps']:.2f}× plain")
        print(f"| {server} | {row} | {c} | {s['rps']:,.0f} | {latency(s['p50'])} | {latency(s['p99'])} | {s['errors']} "
              f"| {s['cpu']:.3f} | {s['rss']:.1f} | {node} | {floor} | {'; '.join(target)} | {'; '.join(met)} |")

    starts = [line.rstrip("\n").split("\t") for line in open(starts_path) if line.strip()]
    extras = [line.rstrip("\n").split("\t", 1) for line in open(extras_path) if line.strip()]
    print()
    print("Process start to first token (median, existing data dir for Tessera): "
          + ", ".join(f"{label} {value} ms" for label, value in starts) + ".")
    writes = [json.loads(v) for k, v in extras if k == "writer"]
    if writes:
        print(f"Admin writes during the \"admin writing 10/s\" points: {json.dumps(writes)}.")

    print()
    print("### Targets, from this run")
    print()
    print("| issue | target | measured | |")
    print("|---|---|---|---|")
    for issue, row, c, kind, threshold, what, verdict in verdicts:
        if kind == "info":
            continue
        label = f"{row}, c={c}: {what}"
        if verdict is None:
            print(f"| {issue} | {label} | – | not measured by this run |")
        else:
            ratio, ok, shown = verdict
            print(f"| {issue} | {label} | {shown} = **{ratio:.2f}×** | {'met' if ok else 'missed'} |")
    plain_rss = [s["rss"] for (g, srv, row, c), s in stats.items() if srv == "tessera" and row in PLAIN.values()]
    if plain_rss:
        print(f"| #7 | RSS under load ≤ 24 MiB on SQLite (peak of the server of the plain rows, which also serves the roles, DPoP, private_key_jwt rows and the admin writes) | **{max(plain_rss):.1f} MiB** "
              f"| {'met' if max(plain_rss) <= 24 else 'missed'} |")
    first = dict((label, float(v)) for label, v in starts)
    if "tessera" in first:
        print(f"| #7 | first token ≤ 150 ms after start, existing data dir | **{first['tessera']:.0f} ms** "
              f"| {'met' if first['tessera'] <= 150 else 'missed'} |")
    sign_in = [s for (g, srv, row, c), s in stats.items() if srv == "tessera" and row == SIGN_IN]
    if sign_in:
        print(f"| #19 | memory at 64 concurrent sign-ins (no target: reported) | **{max(s['rss'] for s in sign_in):.1f} MiB** peak RSS | – |")
    for issue, what, command in CITED:
        print(f"| {issue} | {what} | – | not in this run: `{command}` |")


BEGIN, END = "<!-- bench/run.sh:begin -->", "<!-- bench/run.sh:end -->"


def into(path, report_path):
    report = open(report_path).read().strip("\n")
    try:
        text = open(path).read()
    except FileNotFoundError:
        text = ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = f"{head}{BEGIN}\n{report}\n{END}{rest.split(END, 1)[1]}"
    else:
        text = report + "\n"
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    if sys.argv[1] == "--into":
        into(sys.argv[2], sys.argv[3])
    else:
        main(*sys.argv[1:5])
