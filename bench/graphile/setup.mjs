// Installs graphile-worker's schema, so workers started together do not race.
import { runMigrations } from "graphile-worker";
import { preset } from "./preset.mjs";

await runMigrations({ preset });
