// Installs pg-boss's schema and creates the benchmark queue.
import { QUEUE, startBoss } from "./boss.mjs";

const boss = await startBoss();
await boss.createQueue(QUEUE, { notify: true });
await boss.stop({ graceful: false });
