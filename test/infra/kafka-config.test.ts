// How a Kafka node is configured, without starting one: the single broker's properties are
// the file's with this machine's ports, a cluster node's add its id, the quorum and the
// replication defaults; kcat's metadata text is read into brokers and ISRs.
import { expect, test } from "bun:test";
import type { KafkaNodePorts } from "../../infra/local/config.ts";
import { parseKcatMetadata } from "../../infra/local/services/kafka-metadata.ts";
import { renderServerProperties } from "../../infra/local/services/kafka-properties.ts";

const nodes: KafkaNodePorts[] = [1, 2, 3].map((id) => ({
  id,
  broker: 29090 + 2 * id,
  controller: 29091 + 2 * id,
}));

function properties(text: string): Map<string, string> {
  return new Map(
    text
      .split("\n")
      .filter((line) => line.includes("=") && !line.startsWith("#"))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

test("a single broker keeps one replica of everything", () => {
  const [first] = nodes as [KafkaNodePorts];
  const single = properties(renderServerProperties(first, [first], "/data"));
  expect(single.get("node.id")).toBe("1");
  expect(single.get("controller.quorum.voters")).toBe("1@127.0.0.1:29093");
  expect(single.get("offsets.topic.replication.factor")).toBe("1");
  expect(single.has("default.replication.factor")).toBe(false);
  expect(single.has("min.insync.replicas")).toBe(false);
});

test("a cluster node has its own id, ports and data dir, every node as a voter, RF 3 / ISR 2", () => {
  const second = properties(renderServerProperties(nodes[1] as KafkaNodePorts, nodes, "/d2"));
  expect(Object.fromEntries(second)).toMatchObject({
    "node.id": "2",
    "process.roles": "broker,controller",
    "controller.quorum.voters": "1@127.0.0.1:29093,2@127.0.0.1:29095,3@127.0.0.1:29097",
    listeners: "PLAINTEXT://127.0.0.1:29094,CONTROLLER://127.0.0.1:29095",
    "advertised.listeners": "PLAINTEXT://127.0.0.1:29094",
    "log.dirs": "/d2",
    "default.replication.factor": "3",
    "min.insync.replicas": "2",
    "offsets.topic.replication.factor": "3",
    "transaction.state.log.replication.factor": "3",
    "transaction.state.log.min.isr": "2",
    "unclean.leader.election.enable": "false",
  });
});

test("kcat's metadata text gives the brokers and each partition's leader, replicas and ISR", () => {
  const metadata = parseKcatMetadata(`Metadata for all topics (from broker 1: 127.0.0.1:29092/1):
 3 brokers:
  broker 1 at 127.0.0.1:29092 (controller)
  broker 2 at 127.0.0.1:29094
  broker 3 at 127.0.0.1:29096
 1 topics:
  topic "cluster.x" with 2 partitions:
    partition 0, leader 2, replicas: 2,3,1, isrs: 2,3
    partition 1, leader -1, replicas: 3,1,2, isrs: , offline
`);
  expect(metadata.brokers).toEqual([1, 2, 3]);
  expect(metadata.partitions).toEqual([
    { topic: "cluster.x", partition: 0, leader: 2, replicas: [2, 3, 1], isr: [2, 3] },
    { topic: "cluster.x", partition: 1, leader: -1, replicas: [3, 1, 2], isr: [] },
  ]);
});
