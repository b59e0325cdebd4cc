// The compose path: when a Docker engine answers, infra/compose.yml runs the same services
// with the same config files (host networking keeps the ports identical).
import { join } from "node:path";
import { REPO_ROOT } from "./config.ts";
import { InfraError } from "./errors.ts";

const COMPOSE_FILE = join(REPO_ROOT, "infra/compose.yml");

/** True only when a daemon answers; the docker CLI alone (as on our build machines) is not enough. */
export function dockerEngineAnswers(): boolean {
  if (!Bun.which("docker")) return false;
  const info = Bun.spawnSync(["docker", "info", "--format", "{{.ServerVersion}}"], {
    stdout: "pipe",
    stderr: "ignore",
    timeout: 5000,
  });
  return info.exitCode === 0 && info.stdout.toString().trim() !== "";
}

function compose(args: string[]): void {
  const proc = Bun.spawnSync(["docker", "compose", "-f", COMPOSE_FILE, ...args], {
    stdout: "inherit",
    stderr: "inherit",
  });
  if (proc.exitCode !== 0)
    throw new InfraError(`docker compose ${args[0]} failed (exit ${proc.exitCode})`);
}

export async function composeUp(services: string[]): Promise<void> {
  // Compose names the Collector otel-collector; Grafana comes along for dashboards.
  const named = services.map((s) => (s === "collector" ? "otel-collector" : s));
  compose(["up", "-d", "--wait", ...named, "grafana"]);
}

export async function composeDown(): Promise<void> {
  compose(["down"]);
}

export function composeStatus(): void {
  compose(["ps"]);
}
