"""python3 bench/report.py bench/results/<run id>

Prints the Markdown summary of one run of bench/run: throughput (median of
the repeats), wake-up latency, each peer's ratio to AdvisoryHub, the kill -9
recovery and the `advisoryhub bench queue` output. Standard library only.
"""

import json
import statistics
import sys
from pathlib import Path

NAMES = {
    "advisoryhub": "AdvisoryHub",
    "graphile": "graphile-worker",
    "pgboss": "pg-boss",
    "celery": "Celery + Redis",
}


def lines(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def ratio(value, base):
    if value is None or not base:
        return "–"
    return f"{value / base:.2f}×"


def main(out):
    machine = json.loads((out / "machine.json").read_text())
    params = machine["params"]
    p, c = params["P"], params["C"]
    runs = lines(out / "throughput.jsonl")
    latency = {r["system"]: r for r in lines(out / "latency.jsonl")}
    systems = [s for s in NAMES if any(r["system"] == s for r in runs) or s in latency]

    def median(system, procs, key="jobs_per_s"):
        values = [r[key] for r in runs if r["system"] == system and r["processes"] == procs]
        return statistics.median(values) if values else None

    def lat(system, key):
        r = latency.get(system)
        return r[key] if r else None

    base_1 = median("advisoryhub", 1)
    base_p = median("advisoryhub", p)
    base_p50 = lat("advisoryhub", "p50_ms")

    print(
        f"| system | throughput 1×{c} (jobs/s) | vs AH | throughput {p}×{c} (jobs/s) | vs AH "
        f"| latency p50 / p95 / p99 (ms) | p50 vs AH |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|")
    for s in systems:
        t1, tp = median(s, 1), median(s, p)
        p50, p95, p99 = lat(s, "p50_ms"), lat(s, "p95_ms"), lat(s, "p99_ms")
        fmt = lambda v: "–" if v is None else f"{v:,.0f}"  # noqa: E731
        lat_cell = "–" if p50 is None else f"{p50:.1f} / {p95:.1f} / {p99:.1f}"
        print(
            f"| {NAMES[s]} | {fmt(t1)} | {ratio(t1, base_1)} | {fmt(tp)} | {ratio(tp, base_p)} "
            f"| {lat_cell} | {ratio(p50, base_p50)} |"
        )

    print()
    print(
        f"Throughput: median of {params['REPEATS']} runs of {params['N']:,} no-op jobs enqueued "
        f"in batches of {params['BATCH']}; jobs/s = N / (last start − first enqueue). "
        f"Latency: {params['LAT_N']} jobs one at a time at {params['LAT_RATE']}/s, "
        f"{p}×{c} workers. \"vs AH\" is the peer's value divided by AdvisoryHub's "
        "(above 1 means more throughput, or more latency)."
    )
    print()
    print("| system | workers | every run (jobs/s) | enqueue time, median (s) |")
    print("|---|---|---|--:|")
    for s in systems:
        for procs in sorted({r["processes"] for r in runs if r["system"] == s}):
            mine = [r for r in runs if r["system"] == s and r["processes"] == procs]
            every = ", ".join(f"{r['jobs_per_s']:,.0f}" for r in mine)
            enq = statistics.median(r["enqueue_seconds"] for r in mine)
            print(f"| {NAMES[s]} | {procs}×{c} | {every} | {enq:.2f} |")

    kill = out / "kill9.json"
    if kill.exists():
        k = json.loads(kill.read_text())
        secs = lambda v: "–" if v is None else f"{v:.2f}"  # noqa: E731
        print()
        print(
            f"AdvisoryHub kill -9: {k['jobs']:,} jobs of {k['sleep_ms']} ms on 2×{k['concurrency']} "
            f"workers; one worker killed half-way with {k['in_flight']} jobs claimed. The sweep "
            f"handed them back {secs(k['handed_back_seconds'])} s after the kill "
            f"(WORKER_LEASE_SECONDS={k['worker_lease_seconds']}); {k['restarted']} of them "
            f"restarted on the survivor, the last {secs(k['recovery_seconds'])} s after the kill "
            f"(the first after {secs(k['first_restart_seconds'])} s; "
            f"{k['other_jobs_started_after_handback']:,} other jobs started after the hand-back). "
            f"Ran twice: {k['ran_twice']} (in flight at the kill: {k['ran_twice_in_flight']}); "
            f"more than twice: {k['ran_more_than_twice']}; lost: {k['lost']}."
        )

    queue = out / "bench-queue.json"
    if queue.exists():
        print()
        print("`advisoryhub bench queue`:")
        print()
        print("```json")
        print(json.dumps(json.loads(queue.read_text()), indent=2))
        print("```")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
