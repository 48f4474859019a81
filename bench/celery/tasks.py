"""Celery peer: the benchmark task and the app settings.

The task does the same work as AdvisoryHub's bench job (src/jobs/bench.rs):
sleep `s` ms, then record (job_id, pid, t_enq, t_start) in qbench_results,
synchronously when r = 1, else through a buffer flushed every 50 ms (so at
least every 100 ms). Each prefork child opens its own connection.

Settings follow Celery's "Optimizing" guide for many short tasks: a large
prefetch multiplier, early acknowledgement (the default), no result backend.
"""

import os
import threading
import time

import psycopg
from celery import Celery
from celery.signals import worker_ready

app = Celery("qbench", broker=os.environ["BROKER_URL"])
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    task_acks_late=False,
    worker_prefetch_multiplier=int(os.environ.get("CELERY_PREFETCH_MULTIPLIER", "64")),
    worker_disable_rate_limits=True,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)

INSERT = (
    "INSERT INTO qbench_results (job_id, pid, t_enq, t_start) "
    "SELECT i, %s, e, s FROM unnest(%s::bigint[], %s::float8[], %s::float8[]) AS u(i, e, s)"
)

_lock = threading.Lock()
_conn = None
_buffer = []
_flusher = None


def _connection():
    # Opened lazily, so in the prefork child rather than in the parent.
    global _conn
    if _conn is None:
        _conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    return _conn


def _write(records):
    if not records:
        return
    with _lock:
        _connection().execute(
            INSERT,
            (
                os.getpid(),
                [r[0] for r in records],
                [r[1] for r in records],
                [r[2] for r in records],
            ),
        )


def _flush_forever():
    global _buffer
    while True:
        time.sleep(0.05)
        with _lock:
            records, _buffer = _buffer, []
        try:
            _write(records)
        except Exception as e:  # keep flushing; report what was lost
            print(f"bench results not written: {e}", flush=True)


@app.task(name="bench")
def bench(payload):
    global _flusher
    t_start = time.time()
    if payload.get("s", 0) > 0:
        time.sleep(payload["s"] / 1000.0)
    record = (payload["id"], payload["t"], t_start)
    if payload.get("r", 0) == 1:
        _write([record])
    else:
        with _lock:
            _buffer.append(record)
            if _flusher is None:
                _flusher = threading.Thread(target=_flush_forever, daemon=True)
                _flusher.start()


@worker_ready.connect
def _ready(**_kwargs):
    print("READY", flush=True)
