// What every Node peer's task does, the same work as AdvisoryHub's bench job
// (src/jobs/bench.rs): sleep `s` ms, then record (job_id, pid, t_enq, t_start)
// in qbench_results, synchronously when r = 1, else through a buffer flushed
// every 50 ms (so at least every 100 ms).
//
// Takes a pg.Pool so that this file needs no dependency of its own.

const INSERT = `INSERT INTO qbench_results (job_id, pid, t_enq, t_start)
  SELECT i, $4, e, s FROM unnest($1::bigint[], $2::float8[], $3::float8[]) AS u(i, e, s)`;

// Epoch seconds with sub-millisecond precision (Date.now() has only ms).
export function now() {
  return (performance.timeOrigin + performance.now()) / 1000;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function recorder(pool) {
  let buffer = [];
  let flusher = null;

  async function write(records) {
    if (records.length === 0) return;
    await pool.query(INSERT, [
      records.map((r) => r.id),
      records.map((r) => r.t),
      records.map((r) => r.start),
      process.pid,
    ]);
  }

  function startFlusher() {
    if (flusher) return;
    flusher = setInterval(() => {
      const records = buffer;
      buffer = [];
      write(records).catch((e) => console.error(`bench results not written: ${e.message}`));
    }, 50);
  }

  // The task body: payload is {id, t, s, r}.
  async function run(payload) {
    const start = now();
    if (payload.s > 0) await sleep(payload.s);
    const record = { id: payload.id, t: payload.t, start };
    if (payload.r === 1) {
      await write([record]);
    } else {
      startFlusher();
      buffer.push(record);
    }
  }

  async function close() {
    if (flusher) clearInterval(flusher);
    await write(buffer.splice(0));
  }

  return { run, close };
}

// Command-line options shared by the enqueue scripts:
// --n N --batch B --start-id S --sleep-ms X --record 0|1 [--rate R]
export function enqueueOptions(argv) {
  const opts = { n: 0, batch: 1, startId: 0, sleepMs: 0, record: 0, rate: 0 };
  const names = {
    "--n": "n", "--batch": "batch", "--start-id": "startId",
    "--sleep-ms": "sleepMs", "--record": "record", "--rate": "rate",
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]];
    if (!key) throw new Error(`unknown option ${argv[i]}`);
    opts[key] = Number(argv[i + 1]);
  }
  return opts;
}

// Calls insert(payloads) for each batch (or each job, paced at `rate` jobs/s)
// and returns {n, seconds} like `advisoryhub bench enqueue`.
export async function enqueueAll(opts, insert) {
  const started = performance.now();
  const payload = (id) => ({ id, t: now(), s: opts.sleepMs, r: opts.record });
  if (opts.rate > 0) {
    const gap = 1000 / opts.rate;
    let next = performance.now();
    for (let id = opts.startId; id < opts.startId + opts.n; id++) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      await insert([payload(id)]);
      next += gap;
    }
  } else {
    const size = Math.max(1, opts.batch);
    for (let first = opts.startId; first < opts.startId + opts.n; first += size) {
      const last = Math.min(first + size, opts.startId + opts.n);
      const batch = [];
      for (let id = first; id < last; id++) batch.push(payload(id));
      await insert(batch);
    }
  }
  return { n: opts.n, seconds: (performance.now() - started) / 1000 };
}
