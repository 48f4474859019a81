// node enqueue.mjs --n N --batch B --start-id S [--sleep-ms X] [--record 0|1] [--rate R]
// Adds benchmark jobs with insert() (B per call), or send() one at a time;
// prints {"n": N, "seconds": …}.
import { enqueueAll, enqueueOptions } from "../lib/record.mjs";
import { QUEUE, startBoss } from "./boss.mjs";

const opts = enqueueOptions(process.argv.slice(2));
const boss = await startBoss();
try {
  const report = await enqueueAll(opts, (payloads) =>
    payloads.length === 1
      ? boss.send(QUEUE, payloads[0])
      : boss.insert(QUEUE, payloads.map((data) => ({ data }))),
  );
  console.log(JSON.stringify(report));
} finally {
  await boss.stop({ graceful: false });
}
