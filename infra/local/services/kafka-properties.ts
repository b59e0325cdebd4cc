// A node's server.properties: infra/kafka/server.properties (which compose mounts as is, for
// one broker) with this machine's ports and data dir, and for a cluster the node's id, the
// quorum and the replication every topic gets by default.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { minInsyncReplicas } from "../../../lib/service/src/replication.ts";
import { type KafkaNodePorts, REPO_ROOT } from "../config.ts";

/**
 * What a cluster changes beyond ports and the quorum: the same replication rule the apps' topic creation
 * follows (lib/service/src/replication.ts), so internal topics, auto-created topics and
 * dead-letter topics made on demand are replicated like the apps' own.
 */
function clusterOverrides(nodes: readonly KafkaNodePorts[]): Record<string, string> {
  const replication = Math.min(3, nodes.length);
  const minIsr = minInsyncReplicas(replication);
  return {
    "default.replication.factor": String(replication),
    "min.insync.replicas": String(minIsr),
    "offsets.topic.replication.factor": String(replication),
    "transaction.state.log.replication.factor": String(replication),
    "transaction.state.log.min.isr": String(minIsr),
    "share.coordinator.state.topic.replication.factor": String(replication),
    "share.coordinator.state.topic.min.isr": String(minIsr),
    // A replica that missed writes must never become leader: acknowledged data would vanish.
    "unclean.leader.election.enable": "false",
  };
}

export function renderServerProperties(
  node: KafkaNodePorts,
  nodes: readonly KafkaNodePorts[],
  dataDir: string,
): string {
  const overrides: Record<string, string> = {
    ...(nodes.length > 1 ? { "node.id": String(node.id), ...clusterOverrides(nodes) } : {}),
    // Every node is a voter: the quorum survives losing any minority of them.
    "controller.quorum.voters": nodes.map((n) => `${n.id}@127.0.0.1:${n.controller}`).join(","),
    listeners: `PLAINTEXT://127.0.0.1:${node.broker},CONTROLLER://127.0.0.1:${node.controller}`,
    "advertised.listeners": `PLAINTEXT://127.0.0.1:${node.broker}`,
    "log.dirs": dataDir,
  };
  const base = readFileSync(join(REPO_ROOT, "infra/kafka/server.properties"), "utf8");
  const unused = new Set(Object.keys(overrides));
  const lines = base.split("\n").map((line) => {
    const key = line.split("=", 1)[0]?.trim() ?? "";
    if (line.startsWith("#") || !(key in overrides)) return line;
    unused.delete(key);
    return `${key}=${overrides[key]}`;
  });
  if (unused.size === 0) return lines.join("\n");
  // Settings the single-node file leaves to Kafka's defaults go after it, where they win.
  const extra = [...unused].map((key) => `${key}=${overrides[key]}`);
  return [
    ...lines,
    `# Cluster of ${nodes.length} (infra/local/services/kafka-properties.ts)`,
    ...extra,
    "",
  ].join("\n");
}
