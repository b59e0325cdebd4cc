// `bun run dev` then Ctrl-C leaves no process and no port behind; an app killed in between is
// started again. The run gets infrastructure
// of its own (other ports, another state dir), so it starts — and must stop — every piece.
import { afterAll, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ALL } from "../../infra/local/infra.ts";
import { freePort, isListening } from "../../infra/local/ports.ts";
import { APP_NAMES, APPS } from "../../lib/service/src/apps.ts";
import { eventually } from "../support/infra.ts";

const repo = join(import.meta.dir, "..", "..");
const stateDir = mkdtempSync(join(tmpdir(), "dev-test-"));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

function pidsListeningOn(port: number): number[] {
  const out = Bun.spawnSync(["ss", "-Hltnp", `sport = :${port}`]).stdout.toString();
  return [...out.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
}

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").slice(0, 120);
  } catch {
    return "?";
  }
};
const alive = (pid: number) =>
  existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");

test("bun run dev starts infrastructure and all six apps; Ctrl-C stops every one of them", async () => {
  const appPorts = APP_NAMES.flatMap((name) => [APPS[name].httpPort, APPS[name].grpcPort]);
  for (const port of appPorts) {
    if (await isListening(port))
      throw new Error(`port ${port} is busy: stop \`bun run dev\` before running this test`);
  }
  const infraPorts: Record<string, number> = {};
  for (const key of [
    "KAFKA_PORT",
    "KAFKA_CONTROLLER_PORT",
    "POSTGRES_PORT",
    "OTLP_GRPC_PORT",
    "OTLP_HTTP_PORT",
    "OTELCOL_HEALTH_PORT",
    "OTELCOL_METRICS_PORT",
    "JAEGER_OTLP_GRPC_PORT",
    "JAEGER_OTLP_HTTP_PORT",
    "JAEGER_QUERY_PORT",
    "JAEGER_QUERY_GRPC_PORT",
    "PROMETHEUS_PORT",
  ]) {
    infraPorts[key] = await freePort();
  }
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...Object.fromEntries(Object.entries(infraPorts).map(([k, v]) => [k, String(v)])),
    OBS_STATE_DIR: stateDir,
    OBS_INFRA: "native",
    NO_COLOR: "1",
  };
  // One broker on the free ports picked above: a cluster's further nodes would need more.
  for (const key of [
    "KAFKA_BROKERS",
    "KAFKA_CLUSTER_SIZE",
    "DATABASE_URL",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
  ])
    delete env[key];

  // Its own process group, so a signal to the group is what a terminal's Ctrl-C does.
  const dev = spawn("bun", ["run", "dev"], {
    cwd: repo,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  dev.stdout.on("data", (d) => (output += d));
  dev.stderr.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => dev.once("exit", (code) => resolve(code)));

  try {
    const early = exited.then((code) => {
      throw new Error(`bun run dev exited early with code ${code}`);
    });
    const healthy = eventually(
      "all six apps to answer /healthz",
      async () => {
        const codes = await Promise.all(
          APP_NAMES.map((name) =>
            fetch(`http://127.0.0.1:${APPS[name].httpPort}/healthz`).then(
              (r) => r.status,
              () => 0,
            ),
          ),
        );
        return codes.every((code) => code === 200) ? true : undefined;
      },
      240_000,
      500,
    );
    await Promise.race([healthy, early]);
    early.catch(() => {});
  } catch (error) {
    try {
      process.kill(-(dev.pid as number), "SIGKILL");
    } catch {}
    throw new Error(`${(error as Error).message}\n${output.slice(-3000)}`);
  }

  try {
    await expectAllStartedThenStopped();
  } finally {
    // A failed expectation must not leave the six apps on their ports for the next test file.
    if (dev.exitCode === null && dev.signalCode === null) {
      process.kill(-(dev.pid as number), "SIGINT");
      const stopped = await Promise.race([exited.then(() => true), Bun.sleep(60_000)]);
      if (!stopped) process.kill(-(dev.pid as number), "SIGKILL");
    }
  }

  async function expectAllStartedThenStopped() {
    const runDir = join(stateDir, "run");
    const runFiles = readdirSync(runDir);
    // One process per infrastructure service, the Collector included.
    expect(runFiles.map((f) => f.replace(/\.json$/, "")).sort()).toEqual([...ALL].sort());
    const infraPids = runFiles.map(
      (f) => (JSON.parse(readFileSync(join(runDir, f), "utf8")) as { pid: number }).pid,
    );
    const appPids = APP_NAMES.flatMap((name) => pidsListeningOn(APPS[name].httpPort));
    expect(appPids).toHaveLength(6);

    // Every app with a Kafka client produces through librdkafka (bun:ffi), and says so. The
    // orchestrator has none: it talks gRPC only.
    const kafkaApps = APP_NAMES.filter((name) => name !== "orchestrator");
    const clients = await eventually(
      "kafka_client_info on every Kafka app",
      async () => {
        const bodies = await Promise.all(
          kafkaApps.map((name) =>
            fetch(`http://127.0.0.1:${APPS[name].httpPort}/metrics`).then((r) => r.text()),
          ),
        );
        const lines = bodies.map((body) => body.match(/^kafka_client_info\{.*$/m)?.[0]);
        return lines.every(Boolean) ? lines : undefined;
      },
      30_000,
      500,
    );
    for (const line of clients) {
      expect(line).toMatch(/client="librdkafka",producer="librdkafka 2\.\d+\.\d+"/);
      expect(line).toMatch(/ 1$/);
    }
    expect(output).toMatch(/"adapter":"librdkafka"/);

    // An app that crashes is started again, as its Deployment would be.
    const [victim] = pidsListeningOn(APPS.totalizer.httpPort);
    process.kill(victim as number, "SIGKILL");
    const restarted = await eventually(
      "the totalizer started again after its SIGKILL",
      async () => {
        const [pid] = pidsListeningOn(APPS.totalizer.httpPort);
        if (pid === undefined || pid === victim) return undefined;
        const healthy = await fetch(`http://127.0.0.1:${APPS.totalizer.httpPort}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        return healthy ? pid : undefined;
      },
      60_000,
      250,
    );
    expect(output).toContain("dev: totalizer exited (SIGKILL); restarting in 1 s");
    appPids.push(restarted);

    process.kill(-(dev.pid as number), "SIGINT");
    expect(await exited).toBe(0);

    const survivors = [...infraPids, ...appPids]
      .filter(alive)
      .map((pid) => `${pid}: ${cmdline(pid)}`);
    if (survivors.length > 0) console.error(output);
    expect(survivors).toEqual([]);
    for (const port of [...appPorts, ...Object.values(infraPorts)]) {
      expect({ port, listening: await isListening(port) }).toEqual({ port, listening: false });
    }
    expect(output).toContain("dev: stopping infrastructure this run started");
  }
}, 300_000);
