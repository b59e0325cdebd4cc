// The programmatic face of the local infrastructure, used by the CLI (`bun run infra:*`),
// `bun run dev` and the test runner. Chooses compose when a Docker engine answers, the
// native launcher otherwise (OBS_INFRA=native|docker forces one).
import { ENDPOINTS, KAFKA_CLUSTER_SIZE, PORTS } from "./config.ts";
import { composeDown, composeStatus, composeUp, dockerEngineAnswers } from "./docker.ts";
import { InfraError } from "./errors.ts";
import { ensureCliTools } from "./install.ts";
import { describeListener, isListening } from "./ports.ts";
import {
  forgetPid,
  isAlive,
  logFile,
  recordedNames,
  runningPid,
  stopPid,
  tail,
} from "./process.ts";
import { reserveListeningPorts } from "./reserve-ports.ts";
import type { Service } from "./service.ts";
import { collector } from "./services/collector.ts";
import { jaeger } from "./services/jaeger.ts";
import {
  isKafkaNodeName,
  type KafkaNodeName,
  kafkaClusterReady,
  kafkaNode,
  kafkaUnits,
  otherKafkaTopology,
} from "./services/kafka.ts";
import { postgres } from "./services/postgres.ts";
import { prometheus } from "./services/prometheus.ts";
import { waitUntil } from "./wait.ts";

/** Services other than Kafka: one process each. */
const SINGLE_PROCESS = { postgres, jaeger, collector, prometheus } as const;
export type ServiceName = keyof typeof SINGLE_PROCESS | "kafka";
export const ALL: ServiceName[] = ["postgres", "kafka", "jaeger", "collector", "prometheus"];
/**
 * What up, down and status take: a service (`kafka` is every node of a cluster), or one node
 * of the Kafka cluster (`kafka-2`), so a fault test can stop and start it alone.
 */
export type UnitName = ServiceName | KafkaNodeName;

export { ENDPOINTS, KAFKA_CLUSTER_SIZE, PORTS };

export function isUnitName(name: string): name is UnitName {
  return (ALL as string[]).includes(name) || isKafkaNodeName(name);
}

/** The processes a name stands for, each a Service of its own. */
function unitsOf(name: UnitName): readonly Service[] {
  if (name === "kafka") return kafkaUnits();
  if (isKafkaNodeName(name)) return [kafkaNode(name)];
  return [SINGLE_PROCESS[name]];
}

/** The units of `names`, each once, in the order named. */
function expand(names: UnitName[]): Service[] {
  const units = new Map<string, Service>();
  for (const name of names) for (const unit of unitsOf(name)) units.set(unit.name, unit);
  return [...units.values()];
}

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

async function waitReady(service: Service, pid?: number): Promise<void> {
  await waitUntil(service.name, () => service.ready(), {
    timeoutMs: service.readyTimeoutSeconds * 1000,
    // A process that died (a port grabbed in the meantime, a bad config) is not waited for.
    gaveUp: () =>
      pid === undefined || isAlive(pid) ? undefined : `exited (pid ${pid}) before it was ready`,
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
    await waitReady(service, pid);
  } catch (error) {
    await (service.stop ?? stopPid)(pid);
    forgetPid(service.name);
    const lines = tail(service.name, 5).replaceAll("\n", " | ");
    throw new InfraError(`${(error as Error).message}; ${logFile(service.name)}: ${lines}`);
  }
}

/** A cluster and a single broker share ports and names: one must stop before the other starts. */
function assertKafkaTopology(units: Service[]): void {
  if (!units.some((u) => u.name === "kafka" || isKafkaNodeName(u.name))) return;
  const other = otherKafkaTopology();
  if (other.length > 0) {
    throw new InfraError(
      `Kafka runs here as ${other.join(", ")} (another KAFKA_CLUSTER_SIZE than ${KAFKA_CLUSTER_SIZE}): stop it first with \`bun run infra:down kafka\``,
    );
  }
}

/**
 * Starts what is not running yet and waits until each service is really ready; a Kafka
 * cluster, until its metadata lists every node. Idempotent: returns the names it started
 * (a cluster's node by node), so the caller can stop exactly those.
 */
export async function up(names: UnitName[] = ALL, { quiet = false } = {}): Promise<UnitName[]> {
  if (names.length === 0) return [];
  const units = expand(names);
  if (mode() === "docker") {
    if (KAFKA_CLUSTER_SIZE > 1)
      throw new InfraError("KAFKA_CLUSTER_SIZE > 1 runs natively only: set OBS_INFRA=native");
    await composeUp(names);
    return [];
  }
  const log = (line: string) => quiet || console.log(`infra: ${line}`);
  assertKafkaTopology(units);
  reserveListeningPorts();
  const toStart: Service[] = [];
  for (const unit of units) {
    if (runningPid(unit.name) === undefined) {
      await assertPortsFree(unit);
      toStart.push(unit);
    }
  }
  // Installs and builds run one at a time and before any start: apt/dpkg must not race, and
  // a long first-run build must not eat into another service's readiness time-out.
  ensureCliTools();
  for (const unit of toStart) await unit.prepare();

  // All at once: a cluster's nodes cannot be ready before a majority of them runs.
  const started: UnitName[] = [];
  const results = await Promise.allSettled(
    units.map(async (unit) => {
      const t0 = performance.now();
      if (toStart.includes(unit)) {
        await startAndWait(unit);
        started.push(unit.name as UnitName);
        log(`${unit.name.padEnd(10)} ready in ${seconds(t0)}  ${unit.describe()}`);
      } else {
        await waitReady(unit);
        log(`${unit.name.padEnd(10)} already running  ${unit.describe()}`);
      }
    }),
  );
  const failures = results.flatMap((r) =>
    r.status === "rejected" ? [(r.reason as Error).message] : [],
  );
  if (failures.length === 0 && KAFKA_CLUSTER_SIZE > 1 && names.includes("kafka")) {
    const t0 = performance.now();
    await waitUntil(`kafka cluster (${KAFKA_CLUSTER_SIZE} brokers in the metadata)`, async () => {
      return (await kafkaClusterReady()).ready;
    }).then(
      () => log(`${"kafka".padEnd(10)} cluster of ${KAFKA_CLUSTER_SIZE} ready in ${seconds(t0)}`),
      (error: Error) => failures.push(error.message),
    );
  }
  if (failures.length > 0) {
    // Leave nothing half-up: stop what this call started.
    await down(started, { quiet: true });
    throw new InfraError(failures.join("; "));
  }
  return started;
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)}s`;
}

/**
 * Stops the processes this checkout recorded for `names`; never touches other processes.
 * `kafka` stops every Kafka node recorded, whatever KAFKA_CLUSTER_SIZE says now, so a cluster
 * is never left behind by a shell that lacks the variable.
 */
export async function down(names: UnitName[] = ALL, { quiet = false } = {}): Promise<void> {
  if (mode() === "docker") {
    await composeDown();
    return;
  }
  const units = new Map<string, Service | undefined>(expand(names).map((u) => [u.name, u]));
  if (names.includes("kafka")) {
    for (const name of recordedNames())
      if (name === "kafka" || isKafkaNodeName(name)) units.set(name, units.get(name));
  }
  // Reverse order: producers of telemetry before its receivers.
  await Promise.all(
    [...units].reverse().map(async ([name, unit]) => {
      const pid = runningPid(name);
      if (pid === undefined) return;
      await (unit?.stop ?? stopPid)(pid);
      forgetPid(name);
      if (!quiet) console.log(`infra: ${name.padEnd(10)} stopped (pid ${pid})`);
    }),
  );
}

export interface ServiceStatus {
  name: string;
  pid: number | undefined;
  ready: boolean;
  endpoint: string;
  /** Said instead of the usual state, for a row that is not one process (a whole cluster). */
  state?: string;
}

async function unitStatus(unit: Service): Promise<ServiceStatus> {
  const ready = await unit.ready().catch(() => false);
  return { name: unit.name, pid: runningPid(unit.name), ready, endpoint: unit.describe() };
}

/** One row per process, and for a cluster one for the whole of it first. */
async function kafkaStatus(): Promise<ServiceStatus[]> {
  const nodes = await Promise.all(kafkaUnits().map(unitStatus));
  const strays = otherKafkaTopology().map((name) => ({
    name,
    pid: runningPid(name),
    ready: false,
    endpoint: "started with another KAFKA_CLUSTER_SIZE: `bun run infra:down kafka` stops it",
    state: "running elsewhere",
  }));
  if (KAFKA_CLUSTER_SIZE === 1) return [...nodes, ...strays];
  const { ready, seen } = await kafkaClusterReady();
  const cluster: ServiceStatus = {
    name: "kafka",
    pid: undefined,
    ready,
    endpoint: ENDPOINTS.kafkaBrokers,
    state: `${ready ? "ready" : "not ready"} (${seen}/${KAFKA_CLUSTER_SIZE} brokers)`,
  };
  return [cluster, ...nodes, ...strays];
}

export async function status(): Promise<ServiceStatus[]> {
  if (mode() === "docker") {
    composeStatus();
    return [];
  }
  const rows = await Promise.all(
    ALL.map((name) =>
      name === "kafka" ? kafkaStatus() : unitStatus(SINGLE_PROCESS[name]).then((r) => [r]),
    ),
  );
  return rows.flat();
}
