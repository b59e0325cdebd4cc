// The servers under test, each a child process on its own port (50151+, HTTP 9190+, clear of
// the apps' defaults): the real adder with lib/otel's gRPC instrumentation on and off, and the
// plain Adder.Add server on Node.js, on Bun, and on Bun with the apps' telemetry SDK, with and
// without the interceptors.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ENDPOINTS, REPO_ROOT, STATE_DIR } from "../../infra/local/config.ts";
import { runApp, stopApp } from "../../scripts/app-process.ts";

export const VARIANTS = [
  "adder-on",
  "adder-off",
  "plain-bun-otel",
  "plain-bun-sdk",
  "plain-bun",
  "plain-node",
] as const;
export type VariantName = (typeof VARIANTS)[number];

export const VARIANT_INFO: Record<VariantName, { runtime: "bun" | "node"; about: string }> = {
  "adder-on": { runtime: "bun", about: "apps/adder, gRPC interceptors on (as deployed)" },
  "adder-off": { runtime: "bun", about: "apps/adder, OTEL_GRPC_INSTRUMENTATION=off" },
  "plain-bun-otel": { runtime: "bun", about: "plain Add + startTelemetry + instrumentServer" },
  "plain-bun-sdk": { runtime: "bun", about: "plain Add + startTelemetry, interceptors off" },
  "plain-bun": { runtime: "bun", about: "plain Add (validation + sum), no telemetry" },
  "plain-node": { runtime: "node", about: "plain Add on Node.js (grpc-js baseline)" },
};

export interface ServerUnderTest {
  variant: VariantName;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Where the adders publish: not adder.sums.v1, which other benchmarks' totalizers consume. */
const BENCH_TOPIC = "bench.grpc.sums.v1";

/** The telemetry settings runApp gives the apps, for the plain server with telemetry too. */
const APP_TELEMETRY_ENV = {
  OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINTS.otlpHttp,
  OTEL_BSP_SCHEDULE_DELAY: "200",
};

const BUNDLE_DIR = join(STATE_DIR, "bench", "grpc");

/**
 * Bundles plain-server.ts for Node.js (Node 20 runs no TypeScript). lib/proto finds the .proto
 * tree from `import.meta.dir`, which Node lacks, so the bundle gets lib/proto's real one.
 */
export async function buildNodeServer(): Promise<string> {
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
  mkdirSync(BUNDLE_DIR, { recursive: true });
  const bundled = await Bun.build({
    entrypoints: [join(import.meta.dir, "plain-server.ts")],
    outdir: BUNDLE_DIR,
    target: "node",
    format: "esm",
    naming: "[name].mjs",
    define: { "import.meta.dir": JSON.stringify(join(REPO_ROOT, "lib", "proto", "src")) },
  });
  if (!bundled.success) throw new AggregateError(bundled.logs, "bundling the Node.js server");
  const entry = bundled.outputs.find((o) => o.kind === "entry-point")?.path;
  if (!entry) throw new Error("the Node.js server bundle has no entry point");
  return entry;
}

async function startAdder(variant: VariantName, grpcPort: number, httpPort: number) {
  const app = await runApp("adder", {
    grpcPort,
    httpPort,
    env: {
      ADDER_TOPIC: BENCH_TOPIC,
      LOG_LEVEL: "warn",
      OTEL_GRPC_INSTRUMENTATION: variant === "adder-off" ? "off" : "on",
    },
  });
  return { variant, port: grpcPort, pid: app.proc.pid, stop: () => stopApp(app) };
}

/** Spawns a plain server and waits for its `listening <port>` line. */
async function startPlain(
  variant: VariantName,
  cmd: string[],
  port: number,
  env: Record<string, string> = {},
): Promise<ServerUnderTest> {
  const proc = Bun.spawn([...cmd, String(port)], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  const deadline = setTimeout(() => proc.kill("SIGKILL"), 30_000);
  while (!seen.includes("listening ")) {
    const { value, done } = await reader.read();
    if (done) {
      clearTimeout(deadline);
      throw new Error(`${variant} (${cmd.join(" ")}) exited before listening: ${seen.trim()}`);
    }
    seen += decoder.decode(value, { stream: true });
  }
  clearTimeout(deadline);
  // Keep draining so the child never blocks on a full pipe.
  void (async () => {
    while (!(await reader.read()).done) {}
  })().catch(() => {});
  return {
    variant,
    port,
    pid: proc.pid,
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await proc.exited;
      clearTimeout(timer);
    },
  };
}

export interface StartOptions {
  /** gRPC ports are basePort + index in VARIANTS; the adders' HTTP ports httpBasePort + 0/1. */
  basePort: number;
  httpBasePort: number;
  nodeBundle: string | undefined;
}

export function startServer(variant: VariantName, options: StartOptions): Promise<ServerUnderTest> {
  const port = options.basePort + VARIANTS.indexOf(variant);
  const here = import.meta.dir;
  switch (variant) {
    case "adder-on":
      return startAdder(variant, port, options.httpBasePort);
    case "adder-off":
      return startAdder(variant, port, options.httpBasePort + 1);
    case "plain-bun":
      return startPlain(variant, ["bun", join(here, "plain-server.ts")], port);
    case "plain-bun-otel":
      return startPlain(variant, ["bun", join(here, "otel-server.ts")], port, APP_TELEMETRY_ENV);
    case "plain-bun-sdk":
      return startPlain(variant, ["bun", join(here, "otel-server.ts")], port, {
        ...APP_TELEMETRY_ENV,
        OTEL_GRPC_INSTRUMENTATION: "off",
      });
    case "plain-node":
      if (!options.nodeBundle) throw new Error("plain-node needs the Node.js bundle");
      return startPlain(variant, ["node", options.nodeBundle], port);
  }
}
