// The Docker path cannot run here (no engine), but its file must be valid compose: the real
// `docker compose config` parses and resolves it.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { ensureComposePlugin } from "../../infra/local/install.ts";

const repo = join(import.meta.dir, "..", "..");

test("docker compose config validates infra/compose.yml", () => {
  const compose = ensureComposePlugin();
  const proc = Bun.spawnSync([...compose.cmd, "-f", "infra/compose.yml", "config", "--quiet"], {
    cwd: repo,
    env: { ...process.env, ...compose.env },
    stdout: "pipe",
    stderr: "pipe",
  });
  expect(proc.stderr.toString()).toBe("");
  expect(proc.exitCode).toBe(0);
}, 600_000);

test("compose mounts the same config files the native path uses", async () => {
  const text = await Bun.file(join(repo, "infra/compose.yml")).text();
  for (const file of [
    "./kafka/server.properties",
    "./jaeger/config.yaml",
    "./prometheus:",
    "./otel-collector/config.yaml",
  ]) {
    expect(text).toContain(file);
  }
});
