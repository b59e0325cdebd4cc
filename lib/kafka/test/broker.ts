// Stops and starts the real local broker for outage tests, through the project's own launcher
// (`bun infra/local/cli.ts down|up kafka`), so the broker process really goes away. A child
// process rather than an import: the suite also runs bundled under Node.js, and the launcher
// is Bun code. Only a broker this checkout started can be stopped; anything else fails loudly.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

function repoRoot(): string {
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "infra", "local", "cli.ts"))) return dir;
    if (dirname(dir) === dir) throw new Error("outage tests run from inside the repository");
  }
}

function launcher(command: "up" | "down" | "status"): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "bun",
      ["infra/local/cli.ts", command, "kafka"],
      { cwd: repoRoot(), timeout: 180_000 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`infra ${command} kafka: ${stderr || error.message}`))
          : resolve(stdout),
    );
  });
}

/** Stops the broker process (SIGTERM, SIGKILL after a grace period); fails if none was running. */
export async function stopBroker(): Promise<void> {
  const out = await launcher("down");
  if (!out.includes("stopped"))
    throw new Error(`no broker started by this checkout was running to stop (${out.trim()})`);
}

/** Starts the broker and resolves once it answers metadata requests. */
export async function startBroker(): Promise<void> {
  await launcher("up");
}
