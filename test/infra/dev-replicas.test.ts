// `bun run dev --replicas 2`: twelve apps, each replica on its own ports with its own log
// prefix, all ready, all scraped by Prometheus (the file_sd targets dev writes), and Ctrl-C
// stops every one and takes the targets away. Runs on the infrastructure the tests use
// (dev finds it running and leaves it up); dev.test.ts covers dev starting its own.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isListening } from "../../infra/local/ports.ts";
import { APP_NAMES } from "../../lib/service/src/apps.ts";
import { planInstances } from "../../scripts/replicas.ts";
import { TARGETS_FILE } from "../../scripts/scrape-targets.ts";
import { assertAppPortsFree } from "../support/apps.ts";
import { ENDPOINTS, ensureInfra, eventually } from "../support/infra.ts";

const repo = join(import.meta.dir, "..", "..");
const plan = planInstances(APP_NAMES, 2);

beforeAll(async () => {
  await ensureInfra();
  await assertAppPortsFree(APP_NAMES, 2);
}, 600_000);

let dev: ReturnType<typeof spawn> | undefined;
afterAll(async () => {
  // A failed expectation must not leave twelve apps on their ports for the next test file.
  if (dev && dev.exitCode === null && dev.signalCode === null) {
    const exited = new Promise((resolve) => dev?.once("exit", resolve));
    process.kill(-(dev.pid as number), "SIGINT");
    const stopped = await Promise.race([exited.then(() => true), Bun.sleep(60_000)]);
    if (!stopped) process.kill(-(dev.pid as number), "SIGKILL");
  }
}, 90_000);

const pidsListeningOn = (port: number): number[] =>
  [
    ...Bun.spawnSync(["ss", "-Hltnp", `sport = :${port}`])
      .stdout.toString()
      .matchAll(/pid=(\d+)/g),
  ].map((m) => Number(m[1]));

test("bun run dev --replicas 2 runs, labels, readies and scrapes 2×6 apps; Ctrl-C stops them all", async () => {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
  delete env.APP_REPLICAS;
  // Its own process group, so a signal to the group is what a terminal's Ctrl-C does.
  const child = spawn("bun", ["run", "dev", "--replicas", "2"], {
    cwd: repo,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  dev = child;
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));

  try {
    await eventually(
      "dev: all 2×6 apps ready",
      async () => {
        if (child.exitCode !== null) throw new Error(`dev exited with ${child.exitCode}`);
        return /dev: all 2×6 apps ready/.test(output) ? true : undefined;
      },
      240_000,
      500,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${output.slice(-3000)}`);
  }

  // One process per replica, on its own ports, with its own log prefix.
  const appPids = plan.map((i) => pidsListeningOn(i.httpPort));
  expect(appPids.every((pids) => pids.length === 1)).toBe(true);
  expect(new Set(appPids.flat()).size).toBe(12);
  for (const i of plan) expect(await isListening(i.grpcPort)).toBe(true);
  for (const label of ["adder-0", "ledger-1", "orchestrator-1"])
    expect(output).toMatch(new RegExp(`^\\[${label}\\] `, "m"));

  // Prometheus scrapes all twelve: replica 0 from prometheus.yml, the others from dev's file.
  expect(existsSync(TARGETS_FILE)).toBe(true);
  const want = plan.map((i) => `${i.app} localhost:${i.httpPort}`).sort();
  const up = await eventually(
    "every replica up in Prometheus",
    async () => {
      const body = (await (
        await fetch(`${ENDPOINTS.prometheus}/api/v1/targets?state=active`)
      ).json()) as {
        data: { activeTargets: { labels: Record<string, string>; health: string }[] };
      };
      const seen = body.data.activeTargets
        .filter((t) => t.labels.job === "apps" && t.health === "up")
        .map((t) => `${t.labels.app} ${t.labels.instance}`)
        .sort();
      return want.every((w) => seen.includes(w)) ? seen : undefined;
    },
    60_000,
    1000,
  );
  expect(up).toEqual(expect.arrayContaining(want));

  process.kill(-(child.pid as number), "SIGINT");
  expect(await exited).toBe(0);
  const survivors = appPids.flat().filter((pid) => {
    try {
      return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
    } catch {
      return false;
    }
  });
  expect(survivors).toEqual([]);
  for (const i of plan)
    for (const port of [i.httpPort, i.grpcPort])
      expect({ port, listening: await isListening(port) }).toEqual({ port, listening: false });
  expect(existsSync(TARGETS_FILE)).toBe(false);
}, 360_000);
