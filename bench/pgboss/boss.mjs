// pg-boss settings shared by setup, workers and the enqueuer. Tuned per its
// docs: LISTEN/NOTIFY wake-ups (useListenNotify + a notify queue), the
// minimum polling interval as the fallback, batched fetches that keep
// fetching while batches come back full.
import { PgBoss } from "pg-boss";

export const QUEUE = "bench";
export const concurrency = Number(process.env.CONCURRENCY || 16);

export const workOptions = {
  localConcurrency: concurrency,
  batchSize: Number(process.env.PGBOSS_BATCH_SIZE || 100),
  pollingIntervalSeconds: 0.5,
  burstWhenBatchFull: true,
};

export async function startBoss() {
  const boss = new PgBoss({
    connectionString: process.env.DATABASE_URL,
    max: concurrency + 2,
    useListenNotify: true,
  });
  boss.on("error", (e) => console.error(`[pg-boss error] ${e.message}`));
  await boss.start();
  return boss;
}
