#!/usr/bin/env python3
"""Compares advisoryhub binaries on the advisory pages, interleaved, on the
database a `run` kept (KEEP_DATABASE=1).

  bench/advisories/ab.py --results bench/advisories/results/<run id> \\
      --bin before=/path/to/advisoryhub --bin after=/other/advisoryhub \\
      --case admin:list --case member:detail --seconds 8 --rounds 4

A binary whose migrations differ from the kept database's gets a copy of it
migrated its own way (`--db NAME=DATABASE`, same server): the sessions and
data are the same, so the pages are too.

On a shared virtual machine two runs of the same binary differ by 20 % and
more, and the machine drifts within minutes, so one `run` per binary cannot
show a change of a few percent. This starts each binary in turn, round after
round, on the same data and sessions, and reports per binary and page the
median over the rounds of the request rate, p95, and the CPU time per
request of the web process and of the database's backends (from /proc, so a
slower moment of the machine shows as more CPU per request for every
binary alike), then each binary's per-round ratio to the first one.

Pages: list, search, detail (as `run` measures them) or any path. The
sessions are the run's (`cookies.txt`; a later `run` with SKIP_SEED=1
replaces them, so point --results at the newest run). DATABASE_URL is a
server URL as for `run`; the web process connects as the run's application
role.
"""

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from cpu import process_ticks, TICK  # noqa: E402

DB = "ahbench_advisories"
SEARCH = "/advisories/?q=ReDoS&severity=high"


def app_url(server_url: str, db: str) -> str:
    u = urlsplit(server_url)
    host = u.netloc.rsplit("@", 1)[-1]
    role = os.environ.get("APP_ROLE", "ahbench_app")
    password = os.environ.get("APP_PASSWORD", "ahbench")
    return urlunsplit((u.scheme, f"{role}:{password}@{host}", "/" + db, u.query, ""))


def start_web(binary: str, port: int, db_url: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items()
           if k not in ("METRICS_PORT", "DATABASE_LISTEN_URL", "DATABASE_URL_FILE", "SECRET_KEY_FILE")}
    env.update(APP_ENV="development", LOG_FORMAT="plain", LOG_LEVEL="warn", DATABASE_URL=db_url,
               SECRET_KEY=os.environ.get("BENCH_SECRET_KEY", "bench-advisories-secret-key-not-for-production"),
               WEB_BIND=f"127.0.0.1:{port}", RATELIMIT_ENABLE="false",
               DATABASE_MAX_CONNECTIONS=os.environ.get("DB_MAX_CONNECTIONS", str(2 * len(os.sched_getaffinity(0)))))
    web = subprocess.Popen([binary, "web"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                if r.status == 200:
                    return web
        except OSError:
            pass
        if web.poll() is not None:
            sys.exit(f"{binary} web exited with {web.returncode}")
        time.sleep(0.1)
    web.kill()
    sys.exit(f"{binary} web never became ready")


def wrk(port: int, cookie: str, path: str, paths: str, seconds: int) -> str:
    cmd = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--timeout", "10s", "--latency", "-H", f"Cookie: {cookie}",
           "-s", str(HERE / "wrk.lua"), f"http://127.0.0.1:{port}{path}", "--", paths]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def measure(port: int, web_pid: int, db: str, cookie: str, path: str, paths: str, seconds: int) -> dict:
    wrk(port, cookie, path, paths, 3)  # warm-up: prepared statements, pool
    before = process_ticks(web_pid, db)
    out = wrk(port, cookie, path, paths, seconds)
    after = process_ticks(web_pid, db)
    ticks = {"web": 0, "postgres": 0}
    for pid, (kind, t) in after.items():
        if kind in ticks:
            ticks[kind] += t - before.get(pid, (kind, 0))[1]
    line = next((ln[5:] for ln in out.splitlines() if ln.startswith("JSON ")), None)
    if line is None:
        sys.exit(f"wrk printed no result:\n{out}")
    rps = float(re.search(r'"rps": ([\d.]+)', line).group(1))
    p95 = float(re.search(r'"p95_ms": ([\d.]+)', line).group(1))
    non200 = int(re.search(r'"non200": (\d+)', line).group(1))
    n = max(rps * seconds, 1)
    return {"rps": rps, "p95": p95, "non200": non200,
            "web_ms": ticks["web"] * 1000 / TICK / n, "pg_ms": ticks["postgres"] * 1000 / TICK / n}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", required=True, type=Path)
    ap.add_argument("--bin", action="append", required=True, help="NAME=PATH, twice or more")
    ap.add_argument("--db", action="append", default=[],
                    help=f"NAME=DATABASE: the binary NAME serves that database instead of {DB}")
    ap.add_argument("--case", action="append", help="WHO:PAGE (default admin:list, member:detail)")
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=4)
    args = ap.parse_args()
    server = os.environ.get("DATABASE_URL") or sys.exit("DATABASE_URL is needed (as for run)")
    bins = [b.split("=", 1) for b in args.bin]
    if any(len(b) != 2 for b in bins):
        sys.exit("--bin takes NAME=PATH")
    dbs = dict(d.split("=", 1) for d in args.db if "=" in d)
    if len(dbs) != len(args.db) or not set(dbs) <= {name for name, _ in bins}:
        sys.exit("--db takes NAME=DATABASE, NAME one of the --bin names")
    cases = args.case or ["admin:list", "member:detail"]
    cookie_file = args.results / "cookies.txt"
    if not cookie_file.is_file():
        sys.exit(f"{cookie_file} not found: --results is a run directory of bench/advisories/run")
    cookies = dict(line.split("=", 1) for line in cookie_file.read_text().split("\n") if "=" in line)
    for case in cases:
        who, _, page = case.partition(":")
        if who not in cookies or not page:
            sys.exit(f"--case {case!r}: expected WHO:PAGE with WHO one of {', '.join(sorted(cookies))}")
        if page == "detail" and not (args.results / f"paths-{who}.txt").is_file():
            sys.exit(f"--case {case!r}: {args.results}/paths-{who}.txt not found")
    if args.seconds < 1 or args.rounds < 1:
        sys.exit("--seconds and --rounds must be at least 1")
    pool = os.environ.get("DB_MAX_CONNECTIONS", "1")
    if not (pool.isdigit() and 1 <= int(pool) <= 1000):
        sys.exit("DB_MAX_CONNECTIONS must be a whole number from 1 to 1000 (the web pool's size)")
    for name, binary in bins:
        if not os.access(binary, os.X_OK):
            sys.exit(f"--bin {name}: {binary} is not an executable")
    port = 18300
    samples: dict = {}
    signal.signal(signal.SIGINT, lambda *_: sys.exit(130))
    for rnd in range(1, args.rounds + 1):
        for name, binary in bins:
            db = dbs.get(name, DB)
            web = start_web(binary, port, app_url(server, db))
            try:
                for case in cases:
                    who, page = case.split(":", 1)
                    paths = ""
                    path = {"list": "/advisories/", "search": SEARCH}.get(page, page)
                    if page == "detail":
                        paths = str(args.results / f"paths-{who}.txt")
                        path = Path(paths).read_text().split("\n", 1)[0]
                    m = measure(port, web.pid, db, cookies[who].strip(), path, paths, args.seconds)
                    samples.setdefault((case, name), []).append(m)
                    print(f"round {rnd} {name:>10} {case:<16} {m['rps']:7.0f} req/s  p95 {m['p95']:6.1f} ms  "
                          f"CPU/request web {m['web_ms']:.3f} PG {m['pg_ms']:.3f} ms  non-200 {m['non200']}",
                          flush=True)
            finally:
                web.terminate()
                web.wait()
    print(f"\nmedians over {args.rounds} rounds of {args.seconds} s (wrk -t2 -c16):\n")
    print("| page | binary | req/s | p95 ms | CPU ms/request web | PostgreSQL | total |")
    print("|---|---|--:|--:|--:|--:|--:|")
    for case in cases:
        for name, _ in bins:
            s = samples[(case, name)]
            med = {k: statistics.median(m[k] for m in s) for k in ("rps", "p95", "web_ms", "pg_ms")}
            total = statistics.median(m["web_ms"] + m["pg_ms"] for m in s)
            print(f"| {case} | {name} | {med['rps']:.0f} | {med['p95']:.1f} | {med['web_ms']:.3f} | "
                  f"{med['pg_ms']:.3f} | {total:.3f} |")
    if len(bins) > 1:
        # Each round's binaries ran minutes apart at most, so a round's ratio
        # to the first binary cancels most of the machine's drift that the
        # medians above still carry.
        base = bins[0][0]
        print(f"\nper-round ratios to {base} (median, and the rounds' range):\n")
        print("| page | binary | req/s | CPU per request |")
        print("|---|---|--:|--:|")
        for case in cases:
            for name, _ in bins[1:]:
                pairs = list(zip(samples[(case, name)], samples[(case, base)]))
                rps = [m["rps"] / b["rps"] for m, b in pairs if b["rps"]]
                cpu = [(m["web_ms"] + m["pg_ms"]) / (b["web_ms"] + b["pg_ms"])
                       for m, b in pairs if b["web_ms"] + b["pg_ms"]]
                if rps and cpu:
                    print(f"| {case} | {name} | {statistics.median(rps):.3f} ({min(rps):.2f}–{max(rps):.2f}) | "
                          f"{statistics.median(cpu):.3f} ({min(cpu):.2f}–{max(cpu):.2f}) |")
    failed = sum(m["non200"] for s in samples.values() for m in s)
    if failed:
        # An expired session or a missing migration answers fast and wrong.
        sys.exit(f"\n{failed} responses were not 200: these figures do not measure the pages")


if __name__ == "__main__":
    main()
