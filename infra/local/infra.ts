// The programmatic face of the local infrastructure, used by the CLI (`bun run infra:*`),
// `bun run dev` and the test runner. Chooses compose when a Docker engine answers, the
// native launcher otherwise (OBS_INFRA=native|docker forces one).
import { ENDPOINTS, PORTS } from "./config.ts";
import { composeDown, composeStatus, composeUp, dockerEngineAnswers } from "./docker.ts";
import { InfraError } from "./errors.ts";
import { ensureCliTools } from "./install.ts";
import { describeListener, isListening } from "./ports.ts";
import { forgetPid, logFile, runningPid, stopPid, tail } from "./process.ts";
import { reserveListeningPorts } from "./reserve-ports.ts";
import type { Service } from "./service.ts";
import { collector } from "./services/collector.ts";
import { jaeger } from "./services/jaeger.ts";
import { kafka } from "./services/kafka.ts";
import { postgres } from "./services/postgres.ts";
import { prometheus } from "./services/prometheus.ts";
import { waitUntil } from "./wait.ts";

export const SERVICES = { postgres, kafka, jaeger, collector, prometheus } as const;
export type ServiceName = keyof typeof SERVICES;
export const ALL: ServiceName[] = ["postgres", "kafka", "jaeger", "collector", "prometheus"];

export { ENDPOINTS, PORTS };

/**
 * The services to run locally: all of them, minus those the environment points elsewhere
 * (KAFKA_BROKERS, DATABASE_URL, OTEL_EXPORTER_OTLP_ENDPOINT).
 */
export function wantedServices(
  env: Record<string, string | undefined> = process.env,
): ServiceName[] {
  const external: Partial<Record<ServiceName, string | undefined>> = {
    kafka: env.KAFKA_BROKERS,
    postgres: env.DATABASE_URL,
    jaeger: env.OTEL_EXPORTER_OTLP_ENDPOINT,
    collector: env.OTEL_EXPORTER_OTLP_ENDPOINT,
  };
  return ALL.filter((name) => !external[name]);
}

export function mode(): "docker" | "native" {
  const forced = process.env.OBS_INFRA;
  if (forced === "docker" || forced === "native") return forced;
  return dockerEngineAnswers() ? "docker" : "native";
}

async function waitReady(service: Service): Promise<void> {
  await waitUntil(service.name, () => service.ready(), {
    timeoutMs: service.readyTimeoutSeconds * 1000,
  });
}

async function assertPortsFree(service: Service): Promise<void> {
  for (const port of service.ports()) {
    if (await isListening(port)) {
      throw new InfraError(
        `port ${port} (${service.name}) is taken by ${describeListener(port)}: stop it or move ${service.name} with its *_PORT variable`,
      );
    }
  }
}

async function startAndWait(service: Service): Promise<void> {
  const pid = await service.start();
  try {
    await waitReady(service);
  } catch (error) {
    await (service.stop ?? stopPid)(pid);
    forgetPid(service.name);
    const lines = tail(service.name, 5).replaceAll("\n", " | ");
    throw new InfraError(`${(error as Error).message}; ${logFile(service.name)}: ${lines}`);
  }
}

/**
 * Starts what is not running yet and waits until each service is really ready. Idempotent:
 * returns the names it started, so the caller can stop exactly those.
 */
export async function up(
  names: ServiceName[] = ALL,
  { quiet = false } = {},
): Promise<ServiceName[]> {
  if (names.length === 0) return [];
  if (mode() === "docker") {
    await composeUp(names);
    return [];
  }
  const log = (line: string) => quiet || console.log(`infra: ${line}`);
  reserveListeningPorts();
  const toStart: Service[] = [];
  for (const name of names) {
    const service: Service = SERVICES[name];
    if (runningPid(name) === undefined) {
      await assertPortsFree(service);
      toStart.push(service);
    }
  }
  // Installs and builds run one at a time and before any start: apt/dpkg must not race, and
  // a long first-run build must not eat into another service's readiness time-out.
  ensureCliTools();
  for (const service of toStart) await service.prepare();

  const started: ServiceName[] = [];
  const results = await Promise.allSettled(
    names.map(async (name) => {
      const service: Service = SERVICES[name];
      const t0 = performance.now();
      if (toStart.includes(service)) {
        await startAndWait(service);
        started.push(name);
        log(
          `${name.padEnd(10)} ready in ${((performance.now() - t0) / 1000).toFixed(1)}s  ${service.describe()}`,
        );
      } else {
        await waitReady(service);
        log(`${name.padEnd(10)} already running  ${service.describe()}`);
      }
    }),
  );
  const failures = results.flatMap((r) =>
    r.status === "rejected" ? [(r.reason as Error).message] : [],
  );
  if (failures.length > 0) {
    // Leave nothing half-up: stop what this call started.
    await down(started, { quiet: true });
    throw new InfraError(failures.join("; "));
  }
  return started;
}

/** Stops the services whose pid files this checkout recorded; never touches other processes. */
export async function down(names: ServiceName[] = ALL, { quiet = false } = {}): Promise<void> {
  if (mode() === "docker") {
    await composeDown();
    return;
  }
  // Reverse order: producers of telemetry before its receivers.
  await Promise.all(
    [...names].reverse().map(async (name) => {
      const pid = runningPid(name);
      if (pid === undefined) return;
      const service: Service = SERVICES[name];
      await (service.stop ?? stopPid)(pid);
      forgetPid(name);
      if (!quiet) console.log(`infra: ${name.padEnd(10)} stopped (pid ${pid})`);
    }),
  );
}

export interface ServiceStatus {
  name: ServiceName;
  pid: number | undefined;
  ready: boolean;
  endpoint: string;
}

export async function status(): Promise<ServiceStatus[]> {
  if (mode() === "docker") {
    composeStatus();
    return [];
  }
  return Promise.all(
    ALL.map(async (name) => {
      const service: Service = SERVICES[name];
      const ready = await service.ready().catch(() => false);
      return { name, pid: runningPid(name), ready, endpoint: service.describe() };
    }),
  );
}
