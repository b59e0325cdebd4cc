// bun run infra:up | infra:down | infra:status [service… | kafka-N…]
import { InfraError } from "./errors.ts";
import {
  ALL,
  down,
  isUnitName,
  KAFKA_CLUSTER_SIZE,
  mode,
  status,
  type UnitName,
  up,
} from "./infra.ts";

const USAGE = `usage: bun infra/local/cli.ts up|down|status [${ALL.join(" ")}] [kafka-1 … kafka-N with KAFKA_CLUSTER_SIZE=N]`;

function selected(names: string[]): UnitName[] {
  for (const name of names) {
    if (!isUnitName(name))
      throw new InfraError(
        `unknown service ${name}; known: ${ALL.join(", ")}${KAFKA_CLUSTER_SIZE > 1 ? `, kafka-1 … kafka-${KAFKA_CLUSTER_SIZE}` : ""}`,
      );
  }
  return names.length > 0 ? (names as UnitName[]) : ALL;
}

function stateOf(row: Awaited<ReturnType<typeof status>>[number]): string {
  if (row.state) return row.state;
  if (row.pid === undefined) return row.ready ? "ready (not started here)" : "stopped";
  return row.ready ? `ready (pid ${row.pid})` : `starting (pid ${row.pid})`;
}

async function main(command: string | undefined, names: UnitName[]): Promise<void> {
  switch (command) {
    case "up": {
      console.log(`infra: starting (${mode()})`);
      await up(names);
      return;
    }
    case "down":
      await down(names);
      return;
    case "status": {
      for (const row of await status())
        console.log(`${row.name.padEnd(10)} ${stateOf(row).padEnd(26)} ${row.endpoint}`);
      return;
    }
    default:
      console.error(USAGE);
      process.exit(2);
  }
}

try {
  await main(process.argv[2], selected(process.argv.slice(3)));
} catch (error) {
  if (error instanceof InfraError) {
    console.error(`infra: error: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
