// Where the local infrastructure lives and which ports it uses. Every port can be moved with
// an environment variable; the defaults are the brief's (the apps own 9090–9095).
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { InfraError } from "./errors.ts";

export const REPO_ROOT = resolve(import.meta.dir, "..", "..");

/** Data dirs, logs and pid files: one ignored folder inside the checkout. */
export const STATE_DIR = process.env.OBS_STATE_DIR ?? join(REPO_ROOT, ".local");

/** Downloaded jars and built binaries, outside the repo so a fresh clone reuses them. */
export const CACHE_DIR =
  process.env.OBS_CACHE_DIR ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "observable-services");

export const CACHE_BIN = join(CACHE_DIR, "bin");

export const VERSIONS = {
  kafka: "4.1.2",
  /** Go module version of Jaeger v2.13.0; see infra/local/jaeger/go.mod for why not a commit. */
  jaeger: "v1.76.0",
  /** Collector core and the builder; contrib components pinned in builder-config.yaml. */
  otelcol: "v0.149.0",
  grpcurl: "v1.9.4",
  ghz: "v0.121.0",
  /** docker compose CLI plugin, only to validate infra/compose.yml where Docker has none. */
  compose: "v2.40.3",
} as const;

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new InfraError(`${name}=${raw} is not a TCP port`);
  }
  return value;
}

export const PORTS = {
  kafka: port("KAFKA_PORT", 19092),
  kafkaController: port("KAFKA_CONTROLLER_PORT", 19093),
  postgres: port("POSTGRES_PORT", 55432),
  jaegerQuery: port("JAEGER_QUERY_PORT", 16686),
  jaegerQueryGrpc: port("JAEGER_QUERY_GRPC_PORT", 16685),
  /** The Collector's OTLP ports, where the apps export. */
  otlpGrpc: port("OTLP_GRPC_PORT", 4317),
  otlpHttp: port("OTLP_HTTP_PORT", 4318),
  collectorHealth: port("OTELCOL_HEALTH_PORT", 13133),
  /** The Collector's own metrics, scraped by Prometheus. */
  collectorMetrics: port("OTELCOL_METRICS_PORT", 8888),
  /** Jaeger's own OTLP ports, behind the Collector. */
  jaegerOtlpGrpc: port("JAEGER_OTLP_GRPC_PORT", 14317),
  jaegerOtlpHttp: port("JAEGER_OTLP_HTTP_PORT", 14318),
  prometheus: port("PROMETHEUS_PORT", 9099),
} as const;

/**
 * Kafka nodes to run: 1 (the default, one broker+controller) or a KRaft cluster of combined
 * broker+controller nodes, every one a voter of the controller quorum.
 */
export const KAFKA_CLUSTER_SIZE = clusterSize(process.env.KAFKA_CLUSTER_SIZE);

function clusterSize(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 1;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 5)
    throw new InfraError(`KAFKA_CLUSTER_SIZE=${raw} is not a node count from 1 to 5`);
  return value;
}

export interface KafkaNodePorts {
  /** node.id, 1-based. */
  id: number;
  broker: number;
  controller: number;
}

/**
 * Node n listens on KAFKA_PORT + 2(n-1) and KAFKA_CONTROLLER_PORT + 2(n-1): with the defaults
 * 19092/19093, 19094/19095, 19096/19097 — node 1 keeps the single broker's ports, and moving
 * the two variables moves the whole cluster. Nothing else of ours is near them.
 */
export const KAFKA_NODES: readonly KafkaNodePorts[] = kafkaNodePorts(KAFKA_CLUSTER_SIZE);

function kafkaNodePorts(size: number): KafkaNodePorts[] {
  const nodes = Array.from({ length: size }, (_, i) => ({
    id: i + 1,
    broker: PORTS.kafka + 2 * i,
    controller: PORTS.kafkaController + 2 * i,
  }));
  const ports = nodes.flatMap((n) => [n.broker, n.controller]);
  if (new Set(ports).size !== ports.length || Math.max(...ports) > 65535) {
    throw new InfraError(
      `KAFKA_PORT=${PORTS.kafka} and KAFKA_CONTROLLER_PORT=${PORTS.kafkaController} give ${size} Kafka nodes overlapping ports (${ports.join(", ")}): keep them an odd distance apart, e.g. 19092 and 19093`,
    );
  }
  return nodes;
}

const kafkaBrokerList = KAFKA_NODES.map((node) => `127.0.0.1:${node.broker}`);

/** Addresses the apps and tests use to reach the local infrastructure. */
export const ENDPOINTS = {
  /** Every broker, comma-separated: what KAFKA_BROKERS and `kcat -b` take. */
  kafkaBrokers: kafkaBrokerList.join(","),
  /** The same as a list: what createKafka's `brokers` takes. */
  kafkaBrokerList,
  postgresUrl: (database = "postgres") =>
    `postgres://postgres@127.0.0.1:${PORTS.postgres}/${database}`,
  /** Where apps export: the Collector. */
  otlpHttp: `http://127.0.0.1:${PORTS.otlpHttp}`,
  /** Jaeger's OTLP receiver, straight (OTEL_EXPORTER_OTLP_ENDPOINT bypasses the Collector). */
  jaegerOtlpHttp: `http://127.0.0.1:${PORTS.jaegerOtlpHttp}`,
  jaegerQuery: `http://127.0.0.1:${PORTS.jaegerQuery}`,
  prometheus: `http://127.0.0.1:${PORTS.prometheus}`,
} as const;
