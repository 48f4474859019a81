"""python enqueue.py --n N --batch B --start-id S [--sleep-ms X] [--record 0|1] [--rate R]

Sends benchmark tasks over one producer connection. Celery has no
multi-message publish, so a "batch" is B sends in a row; with --rate, one
send every 1/R s. Prints {"n": N, "seconds": …}.
"""

import argparse
import json
import time

from tasks import app, bench

parser = argparse.ArgumentParser()
parser.add_argument("--n", type=int, required=True)
parser.add_argument("--batch", type=int, default=1)
parser.add_argument("--start-id", type=int, default=0)
parser.add_argument("--sleep-ms", type=int, default=0)
parser.add_argument("--record", type=int, default=0, choices=[0, 1])
parser.add_argument("--rate", type=float, default=0.0)
opts = parser.parse_args()

started = time.perf_counter()
with app.producer_or_acquire() as producer:

    def send(job_id):
        payload = {"id": job_id, "t": time.time(), "s": opts.sleep_ms, "r": opts.record}
        bench.apply_async(args=[payload], producer=producer)

    ids = range(opts.start_id, opts.start_id + opts.n)
    if opts.rate > 0:
        gap = 1.0 / opts.rate
        next_at = time.perf_counter()
        for job_id in ids:
            wait = next_at - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            send(job_id)
            next_at += gap
    else:
        for job_id in ids:
            send(job_id)
print(json.dumps({"n": opts.n, "seconds": time.perf_counter() - started}))
