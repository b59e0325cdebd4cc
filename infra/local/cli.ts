// bun run infra:up | infra:down | infra:status [service… | kafka-N…]
import { InfraError } from "./errors.ts";
import type { ServiceStatus, UnitName } from "./infra.ts";

function stateOf(row: ServiceStatus): string {
  if (row.state) return row.state;
  if (row.pid === undefined) return row.ready ? "ready (not started here)" : "stopped";
  return row.ready ? `ready (pid ${row.pid})` : `starting (pid ${row.pid})`;
}

async function main(command: string | undefined, args: string[]): Promise<void> {
  // Imported here rather than at the top: a bad setting (KAFKA_PORT=junk) fails while the
  // configuration loads, and must still come out as one `infra: error:` line.
  const { ALL, down, isUnitName, KAFKA_CLUSTER_SIZE, mode, status, up } = await import(
    "./infra.ts"
  );
  const nodes = KAFKA_CLUSTER_SIZE > 1 ? `kafka-1 … kafka-${KAFKA_CLUSTER_SIZE}` : undefined;
  for (const name of args) {
    if (!isUnitName(name))
      throw new InfraError(
        `unknown service ${name}; known: ${[...ALL, ...(nodes ? [nodes] : [])].join(", ")}`,
      );
  }
  const names: UnitName[] = args.length > 0 ? (args as UnitName[]) : ALL;
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
      console.error(
        `usage: bun infra/local/cli.ts up|down|status [${ALL.join(" ")}] [kafka-N: one node of a KAFKA_CLUSTER_SIZE cluster]`,
      );
      process.exit(2);
  }
}

try {
  await main(process.argv[2], process.argv.slice(3));
} catch (error) {
  if (error instanceof InfraError) {
    console.error(`infra: error: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
