"""ingest_report - the tables of bench/ingest.sh from its results.tsv.

    python3 bench/ingest_report.py RESULTS.tsv CLK_TCK

Each line of RESULTS.tsv is one run: system, clients, the run's JSON line
(updates, per_second, p50_ms, p99_ms), the server's CPU ticks during the
run, the client's CPU seconds "user sys", and for regio "commits=N io=TICKS"
(LMDB transactions, and the ticks of the service's ZeroMQ I/O threads).
Systems: regio-curve, regio-insecure, regio-w1 (one in flight per client),
pg-1 (pgbench, one upsert per transaction), pg-B (B per transaction).
"""
import json
import statistics
import sys

LABELS = {
    "regio-curve": "regio, CURVE",
    "regio-insecure": "regio, --insecure",
    "regio-w1": "regio, CURVE, 1 in flight, 1 per msg",
    "pg-1": "PostgreSQL, 1 upsert per transaction",
}
TARGET_RATE = 300000   # durable updates/s, at 1 and at 8 clients
TARGET_VS_PG = 2.0     # regio / best batched PostgreSQL
TARGET_CURVE = 0.15    # most throughput CURVE may cost


def label(system):
    if system in LABELS:
        return LABELS[system]
    return "PostgreSQL, %s per transaction" % system[3:]


def load(path, tck):
    """{(system, clients): [run, ...]}, runs in the order they ran."""
    runs = {}
    for line in open(path):
        system, k, js, ticks, client, extra = (line.rstrip("\n").split("\t") + [""])[:6]
        j = json.loads(js)
        n = float(j["updates"])
        run = {"rate": float(j["per_second"]), "p50": float(j["p50_ms"]), "p99": float(j["p99_ms"]),
               "n": n, "server_s": float(ticks) / tck,
               "client_s": sum(float(x) for x in client.split())}
        more = dict(f.split("=") for f in extra.split())
        if "commits" in more:
            run["per_commit"] = n / max(1, int(more["commits"]))
            run["io_s"] = float(more["io"]) / tck
        elif system.startswith("pg-"):
            run["per_commit"] = float(system[3:])
        runs.setdefault((system, int(k)), []).append(run)
    return runs


def med(rs, key):
    v = [r[key] for r in rs if key in r]
    return statistics.median(v) if v else float("nan")


def us(rs, key):
    """CPU microseconds per update over all runs together (a run of 200,000
    updates is only tens of clock ticks: one run's share would be coarse)."""
    n = sum(r["n"] for r in rs if key in r)
    return sum(r[key] for r in rs if key in r) / n * 1e6 if n else float("nan")


def side_by_side(runs, clients, order):
    print()
    print("Durable ingest, side by side (regio rows: median of the rounds; server = capacity "
          "service or all PostgreSQL processes)")
    print("%-7s | %-38s | %9s | %8s | %8s | %10s | %12s | %12s" % (
        "clients", "system", "upd/s", "p50 ms", "p99 ms", "upd/txn", "server us/upd",
        "client us/upd"))
    print("-" * 126)
    for k in clients:
        for i, s in enumerate(x for x in order if (x, k) in runs):
            rs = runs[(s, k)]
            print("%-7s | %-38s | %9.0f | %8.2f | %8.2f | %10.0f | %13.2f | %13.2f" % (
                k if i == 0 else "", label(s), med(rs, "rate"), med(rs, "p50"), med(rs, "p99"),
                med(rs, "per_commit"), us(rs, "server_s"), us(rs, "client_s")))


def encryption(runs, clients):
    print()
    print("Cost of encryption: the same runs, CURVE against --insecure (each round runs both, "
          "alternating which goes first)")
    print("%-7s | %-36s | %-36s | %14s | %s" % (
        "clients", "CURVE upd/s, each round", "--insecure upd/s, each round", "CURVE/insecure",
        "service (of which I/O thread) us/upd, CURVE / insecure"))
    print("-" * 150)
    for k in clients:
        c, i = runs.get(("regio-curve", k), []), runs.get(("regio-insecure", k), [])
        if not c or not i:
            continue
        print("%-7s | %-36s | %-36s | %14.2f | %.2f (%.2f) / %.2f (%.2f)" % (
            k, " ".join("%.0f" % r["rate"] for r in c), " ".join("%.0f" % r["rate"] for r in i),
            med(c, "rate") / med(i, "rate"), us(c, "server_s"), us(c, "io_s"),
            us(i, "server_s"), us(i, "io_s")))


def targets(runs, clients):
    print()
    print("issue targets (printed, not asserted):")
    for k in clients:
        c, i = runs.get(("regio-curve", k)), runs.get(("regio-insecure", k))
        if c and i:
            ratio = med(c, "rate") / med(i, "rate")
            both_c = us(c, "server_s") + us(c, "client_s")
            both_i = us(i, "server_s") + us(i, "client_s")
            print("  K=%s throughput CURVE / --insecure %.2f (target >= %.2f): %s; CPU per update "
                  "CURVE / --insecure: service %.2f, service + regio-load %.2f" % (
                      k, ratio, 1 - TARGET_CURVE, "met" if ratio >= 1 - TARGET_CURVE else "NOT met",
                      us(c, "server_s") / us(i, "server_s"), both_c / both_i))
        pg = [(med(rs, "rate"), s) for (s, kk), rs in runs.items()
              if kk == k and s.startswith("pg-") and s != "pg-1"]
        if not c or not pg:
            continue
        best, s = max(pg)
        r = med(c, "rate")
        print("  K=%s regio (CURVE) %.0f updates/s (target >= %d): %s; best batched PostgreSQL "
              "(%s) %.0f: %.1fx (target >= %.0fx): %s" % (
                  k, r, TARGET_RATE, "met" if r >= TARGET_RATE else "NOT met", label(s), best,
                  r / best, TARGET_VS_PG, "met" if r / best >= TARGET_VS_PG else "NOT met"))
        print("       updates per CPU-second of the server: regio %.0f, %s %.0f" % (
            1e6 / us(c, "server_s"), label(s), 1e6 / us(runs[(s, k)], "server_s")))


def main():
    runs = load(sys.argv[1], float(sys.argv[2]))
    clients = sorted({k for _, k in runs})
    pgs = sorted({s for s, _ in runs if s.startswith("pg-") and s != "pg-1"},
                 key=lambda s: int(s[3:]))
    order = ["regio-curve", "regio-insecure", "regio-w1", "pg-1"] + pgs
    side_by_side(runs, clients, order)
    encryption(runs, clients)
    targets(runs, clients)


if __name__ == "__main__":
    main()
