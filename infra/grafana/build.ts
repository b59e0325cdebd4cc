// bun run dashboards:gen — writes the provisioned dashboards (infra/grafana/dashboards/*.json)
// from their typed sources in src/. `--check` fails when the committed JSON is stale.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Dashboard } from "@grafana/schema";
import { kafkaDelivery } from "./src/kafka-delivery.ts";
import { ledger } from "./src/ledger.ts";

export const DASHBOARDS: Record<string, () => Dashboard> = {
  "kafka-delivery": kafkaDelivery,
  "ledger-system": ledger,
};

const outDir = join(import.meta.dir, "dashboards");
const render = (d: Dashboard) => `${JSON.stringify(d, null, 2)}\n`;

if (import.meta.main) {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const [name, build] of Object.entries(DASHBOARDS)) {
    const file = join(outDir, `${name}.json`);
    const json = render(build());
    if (!check) writeFileSync(file, json);
    else if (readFileSync(file, "utf8") !== json) {
      console.error(`${file} is stale: run \`bun run dashboards:gen\``);
      stale++;
    }
  }
  process.exit(stale > 0 ? 1 : 0);
}
