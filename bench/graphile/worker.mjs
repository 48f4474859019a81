// One graphile-worker process running the benchmark task; prints READY once
// it is consuming jobs. SIGTERM/SIGINT stop it gracefully.
import pg from "pg";
import { run } from "graphile-worker";
import { recorder } from "../lib/record.mjs";
import { preset } from "./preset.mjs";

const results = recorder(new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 }));

const runner = await run({
  preset,
  taskList: { bench: (payload) => results.run(payload) },
  crontab: "",
});
console.log("READY");
await runner.promise;
await results.close();
process.exit(0);
