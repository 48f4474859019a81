// One pg-boss process: CONCURRENCY workers on the benchmark queue, each
// running the jobs of its fetched batch one after another (so at most
// CONCURRENCY jobs run at once, as in the other systems). Prints READY once
// it is consuming jobs; SIGTERM/SIGINT stop it gracefully.
import pg from "pg";
import { recorder } from "../lib/record.mjs";
import { QUEUE, startBoss, workOptions } from "./boss.mjs";

const results = recorder(new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 }));
const boss = await startBoss();
await boss.work(QUEUE, workOptions, async (jobs) => {
  for (const job of jobs) await results.run(job.data);
});
console.log("READY");

async function shutdown() {
  await boss.stop({ graceful: true, timeout: 10000 });
  await results.close();
  process.exit(0);
}
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);
