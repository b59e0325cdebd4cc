// infra:up's failure modes: each gives one line naming the cause, and a non-zero exit.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../infra/local/ports.ts";

const repo = join(import.meta.dir, "..", "..");
const stateDir = mkdtempSync(join(tmpdir(), "infra-cli-"));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

function infraUp(service: string, env: Record<string, string>) {
  const proc = Bun.spawnSync([process.execPath, "infra/local/cli.ts", "up", service], {
    cwd: repo,
    env: { ...process.env, OBS_STATE_DIR: stateDir, OBS_INFRA: "native", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: proc.exitCode, stderr: proc.stderr.toString().trim() };
}

test("a taken port is named with its holder in one line, with a non-zero exit", async () => {
  const blocker = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => blocker.once("listening", resolve));
  const { port } = blocker.address() as { port: number };
  try {
    const result = infraUp("postgres", { POSTGRES_PORT: String(port) });
    expect(result.code).toBe(1);
    expect(result.stderr.split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^infra: error: port ${port} \\(postgres\\) is taken by bun \\(pid ${process.pid}\\)`,
      ),
    );
  } finally {
    blocker.close();
  }
});

test("a missing Java is reported in one line, with a non-zero exit", async () => {
  // A PATH with the tools infra:up looks for first, but no java.
  const bin = mkdtempSync(join(tmpdir(), "no-java-"));
  for (const tool of ["kcat", "ss", "id"]) {
    const path = Bun.which(tool);
    if (path) symlinkSync(path, join(bin, tool));
  }
  const result = infraUp("kafka", {
    PATH: bin,
    KAFKA_PORT: String(await freePort()),
    KAFKA_CONTROLLER_PORT: String(await freePort()),
  });
  rmSync(bin, { recursive: true, force: true });
  expect(result.code).toBe(1);
  expect(result.stderr.split("\n")).toHaveLength(1);
  expect(result.stderr).toStartWith("infra: error: java not found (needed for the Kafka broker)");
});
