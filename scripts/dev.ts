// bun run dev: the whole system on one machine. Brings up the infrastructure (unless the
// environment points elsewhere), applies migrations, starts the six apps — or those named,
// `--replicas N` times each — with prefixed logs, and on Ctrl-C stops every app and every
// piece of infrastructure it started.
import { join } from "node:path";
import { InfraError } from "../infra/local/errors.ts";
import { down, ENDPOINTS, up, wantedServices } from "../infra/local/infra.ts";
import { databaseUrlFor } from "../lib/db/src/index.ts";
import { ensureConfluentBuild } from "../lib/kafka/scripts/build-confluent.ts";
import { loadLibrdkafka } from "../lib/kafka/src/librdkafka/library.ts";
import { APPS } from "../lib/service/src/apps.ts";
import { startApp, stopApps } from "./app-process.ts";
import { DevArgsError, parseDevArgs } from "./dev-args.ts";
import { migrateAll } from "./migrate.ts";
import { type AppInstance, instanceEnv, planInstances } from "./replicas.ts";
import { removeScrapeTargets, writeScrapeTargets } from "./scrape-targets.ts";
import { type Supervised, supervise } from "./supervise.ts";

const repo = join(import.meta.dir, "..");
const { apps, replicas } = (() => {
  try {
    return parseDevArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof DevArgsError)) throw error;
    console.error(`dev: ${error.message}`);
    process.exit(2);
  }
})();
const instances = planInstances(apps, replicas);
/** "6 apps", or "2×6 apps" with replicas. */
const count = replicas > 1 ? `${replicas}×${apps.length}` : String(apps.length);

function appEnv(instance: AppInstance): Record<string, string> {
  const env = process.env;
  return {
    KAFKA_BROKERS: env.KAFKA_BROKERS || ENDPOINTS.kafkaBrokers,
    DATABASE_URL: databaseUrlFor(instance.app),
    OTEL_EXPORTER_OTLP_ENDPOINT: env.OTEL_EXPORTER_OTLP_ENDPOINT || ENDPOINTS.otlpHttp,
    ...instanceEnv(instance, instances),
  };
}

let startedInfra: Awaited<ReturnType<typeof up>> = [];
let running: Supervised[] = [];
let stopping: Promise<never> | undefined;

/**
 * Stops apps, then the infrastructure this run started. Idempotent: a Ctrl-C reaches this
 * process twice (from the terminal and forwarded by `bun run`), and the second must not cut
 * the first short.
 */
function stopAll(code: number): Promise<never> {
  stopping ??= (async () => {
    console.log("\ndev: stopping apps");
    for (const app of running) app.release();
    await stopApps(running.map((app) => app.current()));
    removeScrapeTargets();
    if (startedInfra.length > 0) {
      console.log(`dev: stopping infrastructure this run started (${startedInfra.join(", ")})`);
      await down(startedInfra);
    }
    process.exit(code);
  })();
  return stopping;
}

process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));

/**
 * The apps produce through librdkafka (bun:ffi) where it loads: the one the Confluent client's
 * build makes (once, cached), else the system's. Without either they fall back to the
 * platformatic producer, and each app's log and kafka_client_info say so.
 */
function ensureLibrdkafka(): void {
  if (loadLibrdkafka().ok) return;
  try {
    ensureConfluentBuild();
  } catch (error) {
    console.warn(`dev: librdkafka could not be built (${String(error)}); apps use platformatic`);
  }
}

try {
  startedInfra = await up(wantedServices());
  await migrateAll();
  ensureLibrdkafka();
} catch (error) {
  console.error(`dev: ${error instanceof InfraError ? error.message : (error as Error).stack}`);
  await stopAll(1);
}

const width = 2 + Math.max(...instances.map((i) => i.label.length));
// An app that dies is started again (with backoff), as its Deployment would be.
running = instances.map((instance) =>
  supervise(() =>
    startApp(instance.app, {
      cwd: repo,
      env: appEnv(instance),
      label: instance.label,
      width,
    }),
  ),
);
writeScrapeTargets(instances);

const httpPorts = instances.map((i) => i.httpPort);
console.log(`
dev: ${count} apps starting. Ctrl-C stops everything this command started.
  gRPC       grpcurl -plaintext localhost:${APPS.adder.grpcPort} list
  metrics    curl localhost:${APPS.adder.httpPort}/metrics   (apps: ${httpPorts.join(", ")})
  kafka      curl -s localhost:${APPS.adder.httpPort}/metrics | grep kafka_client_info
  traces     ${ENDPOINTS.jaegerQuery}/api/traces?service=adder
  prometheus ${ENDPOINTS.prometheus}/targets
`);

// Ready means each app's dependencies answer, its consumers joined their groups and its
// producers are connected: from then on the first request is as fast as the rest.
const startedAt = Date.now();
const pending = new Set(instances);
while (pending.size > 0 && !stopping && Date.now() - startedAt < 120_000) {
  await Promise.all(
    [...pending].map(async (instance) => {
      const ready = await fetch(`http://127.0.0.1:${instance.httpPort}/readyz`, {
        signal: AbortSignal.timeout(2_000),
      }).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) pending.delete(instance);
    }),
  );
  if (pending.size > 0) await Bun.sleep(250);
}
if (!stopping) {
  const took = ((Date.now() - startedAt) / 1000).toFixed(1);
  console.log(
    pending.size === 0
      ? `dev: all ${count} apps ready (${took} s)`
      : `dev: not ready after ${took} s: ${[...pending].map((i) => i.label).join(", ")} (see their /readyz)`,
  );
}
