#!/usr/bin/env python3
"""Where the CPU went while a scenario ran: the web process, the benchmark
database's PostgreSQL backends, wrk, and everything else on the machine
(other people's builds and tests share it).

  cpu.py --delay 2 --seconds 11 --web-pid PID --db ahbench_advisories

Prints one JSON object with percentages of one CPU (200 = both cores of a
2-core machine busy): `web`, `postgres` (backends of --db), `wrk`,
`machine` (all busy time, from /proc/stat) and `others` (machine minus the
three, which also counts processes that started and ended in the window).
"""

import argparse
import json
import os
import time

TICK = os.sysconf("SC_CLK_TCK")


def busy_ticks() -> int:
    with open("/proc/stat") as f:
        parts = f.readline().split()[1:]
    user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in parts[:8])
    return user + nice + system + irq + softirq + steal


def classify(pid: int, web_pid: int, db: str) -> str | None:
    if pid == web_pid:
        return "web"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    if cmd.startswith("postgres:") and f" {db} " in f" {cmd} ":
        return "postgres"
    if cmd.startswith("wrk ") or cmd == "wrk":
        return "wrk"
    return None


def process_ticks(web_pid: int, db: str) -> dict:
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        kind = classify(pid, web_pid, db)
        if kind is None:
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            out[pid] = (kind, int(fields[11]) + int(fields[12]))
        except (OSError, IndexError, ValueError):
            continue
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--delay", type=float, default=0)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--web-pid", type=int, required=True)
    ap.add_argument("--db", required=True)
    args = ap.parse_args()
    time.sleep(args.delay)
    t0, b0, p0 = time.monotonic(), busy_ticks(), process_ticks(args.web_pid, args.db)
    time.sleep(args.seconds)
    t1, b1, p1 = time.monotonic(), busy_ticks(), process_ticks(args.web_pid, args.db)
    secs = t1 - t0
    used = {"web": 0, "postgres": 0, "wrk": 0}
    for pid, (kind, ticks) in p1.items():
        used[kind] += ticks - (p0[pid][1] if pid in p0 else 0)
    pct = {k: round(100 * v / TICK / secs, 1) for k, v in used.items()}
    machine = round(100 * (b1 - b0) / TICK / secs, 1)
    pct["machine"] = machine
    pct["others"] = round(max(0.0, machine - pct["web"] - pct["postgres"] - pct["wrk"]), 1)
    pct["seconds"] = round(secs, 1)
    print(json.dumps(pct))


if __name__ == "__main__":
    main()
