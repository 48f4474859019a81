// graphile-worker settings, as its performance docs recommend for throughput
// (https://worker.graphile.org/docs/performance): a local queue that fetches
// jobs in batches, and batched completion / failure. Logs at warning level,
// like the other systems (its default logs a line per job).
import { Logger } from "graphile-worker";

const concurrency = Number(process.env.CONCURRENCY || 16);

const logger = new Logger(() => (level, message) => {
  if (level === "error" || level === "warning") console.error(`[${level}] ${message}`);
});

export const preset = {
  worker: {
    connectionString: process.env.DATABASE_URL,
    concurrentJobs: concurrency,
    maxPoolSize: concurrency + 1,
    localQueue: { size: 500 },
    completeJobBatchDelay: 0,
    failJobBatchDelay: 0,
    logger,
  },
};
