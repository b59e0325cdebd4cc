// bun run infra:up | infra:down | infra:status
import { InfraError } from "./errors.ts";
import { ALL, down, mode, SERVICES, type ServiceName, status, up } from "./infra.ts";

function selected(names: string[]): ServiceName[] {
  for (const name of names) {
    if (!(name in SERVICES))
      throw new InfraError(`unknown service ${name}; known: ${ALL.join(", ")}`);
  }
  return names.length > 0 ? (names as ServiceName[]) : ALL;
}

async function main(command: string | undefined, names: ServiceName[]): Promise<void> {
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
      const rows = await status();
      for (const row of rows) {
        const state =
          row.pid === undefined
            ? row.ready
              ? "ready (not started here)"
              : "stopped"
            : row.ready
              ? `ready (pid ${row.pid})`
              : `starting (pid ${row.pid})`;
        console.log(`${row.name.padEnd(10)} ${state.padEnd(26)} ${row.endpoint}`);
      }
      return;
    }
    default:
      console.error(
        "usage: bun infra/local/cli.ts up|down|status [postgres kafka jaeger collector prometheus]",
      );
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
