// Apache Kafka in KRaft mode on the machine's Java 17, from the jars Maven Central serves (no
// tarball, no Docker): one combined broker+controller by default, or KAFKA_CLUSTER_SIZE of
// them. Each node is a process of its own (kafka-1, kafka-2, …) with its own ports, data dir,
// log and pid file, so a fault test can stop and start one node while the others run.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ENDPOINTS,
  KAFKA_CLUSTER_SIZE,
  KAFKA_NODES,
  type KafkaNodePorts,
  REPO_ROOT,
  STATE_DIR,
} from "../config.ts";
import { InfraError } from "../errors.ts";
import { ensureAptPackages, ensureKafkaJars, requireJava17 } from "../install.ts";
import { capture, recordedNames, startDetached } from "../process.ts";
import type { Service } from "../service.ts";
import { kafkaMetadata } from "./kafka-metadata.ts";
import { renderServerProperties } from "./kafka-properties.ts";

// Any fixed base64 UUID will do for a throwaway local cluster; every node must share it.
const CLUSTER_ID = "4L6g3nShT-eMCtK--X86sw";

/** One node of a cluster, as `infra:up kafka-2` / `infra:down kafka-2` name it. */
export type KafkaNodeName = `kafka-${number}`;

/** The JVMs' heaps: a single broker gets room; three of them share 2 cores and the apps' RAM. */
const HEAP = KAFKA_CLUSTER_SIZE === 1 ? ["-Xms256m", "-Xmx1g"] : ["-Xms128m", "-Xmx512m"];

let toolchain: { java: string; libs: string } | undefined;

/** A broker logs INFO to its log file; a tool keeps log4j's default (errors only), so its stdout is its answer. */
function javaCommand(
  mainClass: string,
  args: string[],
  { heap = HEAP, tool = false } = {},
): string[] {
  if (!toolchain) throw new Error("kafka: prepare() was not called");
  return [
    toolchain.java,
    ...heap,
    "-XX:+UseG1GC",
    "-Djava.awt.headless=true",
    ...(tool
      ? []
      : [`-Dlog4j2.configurationFile=${join(REPO_ROOT, "infra/kafka/log4j2.properties")}`]),
    "-cp",
    `${toolchain.libs}/*`,
    mainClass,
    ...args,
  ];
}

/**
 * Runs one of Kafka's command-line tools (org.apache.kafka.tools.TopicCommand,
 * kafka.admin.ConfigCommand, …) from the cached jars, for tests and troubleshooting.
 */
export async function kafkaTool(mainClass: string, args: string[]): Promise<string> {
  toolchain ??= { java: requireJava17(), libs: ensureKafkaJars() };
  const {
    code,
    stdout: out,
    stderr: err,
  } = await capture(javaCommand(mainClass, args, { heap: ["-Xmx256m"], tool: true }));
  if (code !== 0) {
    const last = `${out}${err}`.trim().split("\n").slice(-2).join(" | ");
    throw new InfraError(`${mainClass.split(".").pop()} failed (exit ${code}): ${last}`);
  }
  return out;
}

async function formatStorage(propertiesFile: string): Promise<void> {
  const proc = Bun.spawn(
    javaCommand("kafka.tools.StorageTool", ["format", "-t", CLUSTER_ID, "-c", propertiesFile], {
      heap: ["-Xmx256m"],
    }),
    { stdout: "pipe", stderr: "pipe" },
  );
  const [code, err] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) {
    throw new InfraError(
      `kafka storage format failed: ${err.trim().split("\n").slice(-2).join(" | ")}`,
    );
  }
}

/** The single broker keeps the name, data dir and log it always had. */
function nodeService(node: KafkaNodePorts, nodes: readonly KafkaNodePorts[]): Service {
  const single = nodes.length === 1;
  const name = single ? "kafka" : `kafka-${node.id}`;
  // Per cluster size: a node formatted for one quorum must not start in another.
  const home = single
    ? join(STATE_DIR, "kafka")
    : join(STATE_DIR, `kafka-cluster-${nodes.length}`, `node-${node.id}`);
  const dataDir = join(home, "data");
  const propertiesFile = join(home, "server.properties");
  const address = `127.0.0.1:${node.broker}`;
  return {
    name,
    // Three JVMs starting at once on two cores take longer than one.
    readyTimeoutSeconds: single ? 90 : 120,
    describe: () =>
      single
        ? ENDPOINTS.kafkaBrokers
        : `node ${node.id}  broker ${address}  controller 127.0.0.1:${node.controller}`,
    ports: () => [node.broker, node.controller],

    // Ready means this broker answers a metadata request that lists it (registered with the
    // quorum and not fenced), not merely that its port is open.
    async ready() {
      const metadata = await kafkaMetadata(address);
      return metadata?.brokers.includes(node.id) ?? false;
    },

    async prepare() {
      const java = toolchain?.java ?? requireJava17();
      ensureAptPackages([{ bin: "kcat", pkg: "kcat" }]);
      toolchain ??= { java, libs: ensureKafkaJars() };
    },

    async start() {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(propertiesFile, renderServerProperties(node, nodes, dataDir));
      if (!existsSync(join(dataDir, "meta.properties"))) await formatStorage(propertiesFile);
      return startDetached(name, javaCommand("kafka.Kafka", [propertiesFile]));
    },
  };
}

const NODES: readonly Service[] = KAFKA_NODES.map((node) => nodeService(node, KAFKA_NODES));

/** What `kafka` stands for: the one broker, or every node of the cluster. */
export function kafkaUnits(): readonly Service[] {
  return NODES;
}

export function isKafkaNodeName(name: string): name is KafkaNodeName {
  return /^kafka-\d+$/.test(name);
}

/** One node by name; a name that is not a node of this cluster is a one-line error. */
export function kafkaNode(name: KafkaNodeName): Service {
  const unit = NODES.find((n) => n.name === name);
  if (unit) return unit;
  throw new InfraError(
    KAFKA_CLUSTER_SIZE === 1
      ? `${name} names a node of a Kafka cluster, but KAFKA_CLUSTER_SIZE is 1: set it to the cluster's size`
      : `${name} is not a node of this cluster: kafka-1 … kafka-${KAFKA_CLUSTER_SIZE}`,
  );
}

/**
 * The cluster as a whole: every node ready and the metadata, asked through the brokers'
 * list, sees them all. `seen` says how many it saw.
 */
export async function kafkaClusterReady(): Promise<{ ready: boolean; seen: number }> {
  const [nodesReady, metadata] = await Promise.all([
    Promise.all(NODES.map((n) => n.ready().catch(() => false))),
    kafkaMetadata(ENDPOINTS.kafkaBrokers),
  ]);
  const seen = metadata?.brokers.length ?? 0;
  return { ready: nodesReady.every(Boolean) && seen === NODES.length, seen };
}

/**
 * Kafka processes recorded in this checkout that the current KAFKA_CLUSTER_SIZE would not
 * start: a cluster's nodes while one broker is wanted, or the reverse.
 */
export function otherKafkaTopology(): string[] {
  const mine = new Set(NODES.map((n) => n.name));
  return recordedNames().filter(
    (name) => (name === "kafka" || isKafkaNodeName(name)) && !mine.has(name),
  );
}
