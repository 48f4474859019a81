// node enqueue.mjs --n N --batch B --start-id S [--sleep-ms X] [--record 0|1] [--rate R]
// Adds benchmark jobs with addJobs (B per call), or addJob one at a time;
// prints {"n": N, "seconds": …}.
import { makeWorkerUtils } from "graphile-worker";
import { enqueueAll, enqueueOptions } from "../lib/record.mjs";
import { preset } from "./preset.mjs";

const opts = enqueueOptions(process.argv.slice(2));
const utils = await makeWorkerUtils({ preset });
try {
  const report = await enqueueAll(opts, (payloads) =>
    payloads.length === 1
      ? utils.addJob("bench", payloads[0])
      : utils.addJobs(payloads.map((payload) => ({ identifier: "bench", payload }))),
  );
  console.log(JSON.stringify(report));
} finally {
  await utils.release();
}
