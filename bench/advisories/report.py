#!/usr/bin/env python3
"""Prints the Markdown table of one bench/advisories run directory."""

import json
import sys
from pathlib import Path

GOAL_P95_MS = 20.0
GOAL_RSS_MIB = 60.0

LABELS = {
    "list": "list, first page",
    "search": "list, filtered search",
    "detail": "detail",
}


def cpu(c) -> str:
    if not c:
        return "–"
    return f"{c['web']:.0f} / {c['postgres']:.0f} / {c['wrk']:.0f} / {c['others']:.0f}"


def main() -> int:
    out = Path(sys.argv[1])
    machine = json.loads((out / "machine.json").read_text())
    memory = json.loads((out / "memory.json").read_text())
    visible = json.loads((out / "visible.json").read_text())
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines() if line.strip()]

    p = machine["params"]
    print(f"Run `{machine['run_id']}`: {p['N']} advisories, wrk -t{p['THREADS']} -c{p['CONCURRENCY']}, "
          f"{p['WARMUP']} s warm-up + {p['DURATION']} s measured per scenario, "
          f"pool of {p['DB_MAX_CONNECTIONS']}, {machine['nproc']} CPUs, load average at start "
          f"{machine['load_average_at_start']}; AdvisoryHub {machine['advisoryhub_source']}"
          + (f"; app role settings: {machine['role_settings']}" if machine.get("role_settings") else "")
          + (f"; web → PostgreSQL: {machine['web_db_connections']} connections" if machine.get("web_db_connections") else "")
          + ".")
    print()
    print("| user | page | rows on the page / total | req/s | p50 ms | p95 ms | p99 ms | max ms | non-200 | p95 < 20 ms | CPU % web / PG / wrk / others |")
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|:-:|--:|")
    for r in rows:
        who, kind = r["user"], r["scenario"]
        if kind == "list":
            total = visible[f"{who}_visible"]
            shown = f"{min(50, total)} / {total:,}"
        elif kind == "search":
            total = visible[f"{who}_search_hits"]
            shown = f"{min(50, total)} / {total:,}"
        else:
            shown = f"1 of {p['DETAIL_IDS']} ids"
        ok = "yes" if r["p95_ms"] < GOAL_P95_MS else "**no**"
        bad = r["non200"] + r["socket_errors"] + r["timeouts"]
        print(f"| {who} | {LABELS.get(kind, kind)} | {shown} | {r['rps']:,.0f} | {r['p50_ms']:.1f} | "
              f"{r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['max_ms']:.1f} | {bad} | {ok} | "
              f"{cpu(r.get('cpu'))} |")
    print()
    print("CPU: percent of one core over the middle of each measured run (200 = both cores busy); "
          "PG = the benchmark database's PostgreSQL backends; others = everything else on the machine.")
    print()
    rss = memory["rss_after_kib"] / 1024
    print(f"Web process resident memory: {memory['rss_idle_kib'] / 1024:.1f} MiB idle after start, "
          f"{rss:.1f} MiB after the run, peak {memory['rss_peak_kib'] / 1024:.1f} MiB "
          f"(goal: under {GOAL_RSS_MIB:.0f} MiB after the run: {'met' if rss < GOAL_RSS_MIB else '**not met**'}).")
    explain = out / "explain.txt"
    if explain.exists():
        print()
        print("Query plans (`explain.txt`): execution time of each statement, ms (JIT compilation included "
              "where it ran, shown in brackets).")
        print()
        print("| statement | mode | ms |")
        print("|---|---|--:|")
        label, jit = None, None
        for line in explain.read_text().splitlines():
            if line.startswith("== ") and ":" in line and "settings of the web pool" not in line:
                label, jit = line[3:], None
            elif line.strip().startswith("Timing:") and "Total" in line:
                jit = line.rsplit("Total", 1)[1].strip()
            elif line.startswith("Execution Time:") and label:
                stmt, mode = label.split(": ", 1)
                ms = line.split(":", 1)[1].strip().replace(" ms", "")
                print(f"| {stmt} | {mode} | {ms}{f' [JIT {jit}]' if jit else ''} |")
                label = None
    return 0


if __name__ == "__main__":
    sys.exit(main())
