// A three-node KRaft cluster as `KAFKA_CLUSTER_SIZE=3 bun run infra:up kafka` starts it, on
// ports of its own (29092–29097; KAFKA_CLUSTER_TEST_PORT moves them) and a state dir of its
// own, so the single broker on 19092 of this or another checkout is left alone. It checks the
// quorum, the replication of a topic the skeleton creates, and what an acks=all producer sees
// when the broker leading the most partitions is SIGKILLed and restarted; the figures it
// measures are printed. KEEP_CLUSTER_STATE=1 keeps the nodes' logs and data for a look after.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createKafka, type DeliveryReport, type Kafka } from "@obs/kafka";
import { startTelemetry } from "@obs/otel";
import { dlqTopic } from "@obs/proto";
import { defineApp, loadConfig, startApp } from "@obs/service";
import { kafkaTool } from "../../infra/local/services/kafka.ts";
import { kafkaMetadata } from "../../infra/local/services/kafka-metadata.ts";
import { eventually } from "../support/infra.ts";
import { busiestLeader, quorum as quorumOf, testCluster } from "../support/kafka-cluster.ts";

/** Brokers on BASE_PORT, +2, +4, controllers one above each; movable when 29092–29097 are taken. */
const BASE_PORT = Number(process.env.KAFKA_CLUSTER_TEST_PORT || 29092);
const cluster = testCluster(BASE_PORT, "kafka-cluster");
const { nodes: NODES, brokers: BROKERS, cli } = cluster;
const log = (line: string) => console.log(`kafka-cluster: ${line}`);

let kafka: Kafka | undefined;

beforeAll(async () => {
  const t0 = performance.now();
  const out = await cli("up", "kafka");
  log(`cluster of 3 up in ${((performance.now() - t0) / 1000).toFixed(1)} s (fresh data dirs)`);
  log(out.trim().replaceAll("\n", "\n  "));
  kafka = await createKafka({
    brokers: BROKERS,
    clientId: "cluster-test",
    adapter: "platformatic",
  });
}, 130_000);

afterAll(async () => {
  await kafka?.close().catch(() => {});
  await cluster.stop();
}, 60_000);

const quorum = () => quorumOf(BROKERS.join(","));

test("three brokers in the metadata, three voters in the controller quorum, each node in status", async () => {
  const metadata = await kafkaMetadata(BROKERS.join(","));
  expect(metadata?.brokers.sort()).toEqual([1, 2, 3]);
  const { voters, leader } = await quorum();
  expect(voters).toEqual([1, 2, 3]);
  expect(voters).toContain(leader);

  const status = await cli("status");
  expect(status).toMatch(/^kafka\s+ready \(3\/3 brokers\)/m);
  for (const { id, port } of NODES) {
    expect(status).toMatch(
      new RegExp(
        `^kafka-${id}\\s+ready \\(pid \\d+\\)\\s+node ${id}  broker 127\\.0\\.0\\.1:${port}  controller 127\\.0\\.0\\.1:${port + 1}`,
        "m",
      ),
    );
  }
}, 30_000);

/** A topic created the way apps create theirs: the skeleton's `topics`, with its DLQ. */
async function skeletonTopic(topic: string): Promise<void> {
  const telemetry = startTelemetry({
    serviceName: "cluster-test",
    spanProcessors: [],
    processMetrics: false,
    logger: { level: "silent" },
  });
  const app = defineApp({
    name: "totalizer",
    service: "totalizer.v1.Totalizer",
    async build(ctx) {
      await (await ctx.kafka()).topics([topic, dlqTopic(topic)]);
      return { handlers: {}, handle: {} };
    },
  });
  const config = loadConfig("totalizer", {
    KAFKA_BROKERS: BROKERS.join(","),
    DATABASE_URL: "postgres://nowhere:1/x",
  });
  const running = await startApp(app, { config, telemetry, grpcPort: 0, httpPort: 0 });
  await running.stop();
  await telemetry.shutdown();
}

const topic = `cluster.${crypto.randomUUID().slice(0, 8)}`;

test("a topic the skeleton creates, and its DLQ, have 3 replicas and min.insync.replicas=2", async () => {
  await skeletonTopic(topic);
  for (const name of [topic, dlqTopic(topic)]) {
    const described = await kafkaTool("org.apache.kafka.tools.TopicCommand", [
      "--bootstrap-server",
      BROKERS.join(","),
      "--describe",
      "--topic",
      name,
    ]);
    expect(described).toMatch(/PartitionCount: 3\s+ReplicationFactor: 3\s/);
    expect(described).toMatch(/Configs: .*min\.insync\.replicas=2/);
    const metadata = await kafkaMetadata(BROKERS.join(","), { topic: name });
    expect(metadata?.partitions.map((p) => p.isr.length)).toEqual([3, 3, 3]);
  }
}, 60_000);

/** The keys stored in `topic`, read from the start until every one of `wanted` came by (or 30 s). */
async function readKeys(kafka: Kafka, topic: string, wanted: Set<string>): Promise<Set<string>> {
  const seen = new Set<string>();
  const missing = new Set(wanted);
  const { promise, resolve } = Promise.withResolvers<void>();
  const consumer = kafka.consumer({
    groupId: `cluster-test.${crypto.randomUUID().slice(0, 8)}`,
    topics: [topic],
    deadLetterTopic: false,
    eachMessage: (_payload, message) => {
      const key = message.key?.toString() ?? "";
      seen.add(key);
      missing.delete(key);
      if (missing.size === 0) resolve();
    },
  });
  const timer = setTimeout(resolve, 30_000);
  try {
    await promise;
  } finally {
    clearTimeout(timer);
    await consumer.close();
  }
  return seen;
}

interface Send {
  partition: number;
  startedAt: number;
  endedAt: number;
  ok: boolean;
  key: string;
}

test("acks=all sends ride out a SIGKILL of the busiest leader; the restarted node rejoins the ISR", async () => {
  if (!kafka) throw new Error("no cluster");
  const before = await kafkaMetadata(BROKERS.join(","), { topic });
  const partitions = before?.partitions ?? [];
  expect(partitions).toHaveLength(3);
  const leads = (id: number) => partitions.filter((p) => p.leader === id).length;
  const controller = (await quorum()).leader;
  const victim = busiestLeader(partitions, [1, 2, 3], controller).id;
  const victimPid = cluster.pidOf(victim);

  const producer = await kafka.producer();
  await producer.connect([topic]);
  // One sequential sender per partition, so a stalled partition does not hide the others.
  const sends: Send[] = [];
  let sending = true;
  let seq = 0;
  const senders = partitions.map(async ({ partition }) => {
    while (sending) {
      const key = `k${seq++}`;
      const startedAt = performance.now();
      const ok = await producer
        .send([{ topic, partition, key, value: key }])
        .then((reports: DeliveryReport[]) => reports.length === 1)
        .catch(() => false);
      sends.push({ partition, startedAt, endedAt: performance.now(), ok, key });
      if (!ok) await Bun.sleep(100);
    }
  });

  try {
    await Bun.sleep(3_000);
    const killedAt = performance.now();
    process.kill(victimPid, "SIGKILL");
    log(
      `SIGKILL kafka-${victim} (pid ${victimPid}), leader of ${leads(victim)} of 3 partitions${victim === controller ? " and the active controller" : ""}`,
    );

    // Every partition acknowledged again by the remaining two, with a new leader.
    await eventually(
      "a send acknowledged on every partition after the kill",
      async () =>
        partitions.every(({ partition }) =>
          sends.some((s) => s.partition === partition && s.ok && s.startedAt > killedAt + 1),
        )
          ? true
          : undefined,
      45_000,
    );
    await Bun.sleep(2_000);
    const after = sends.filter((s) => s.endedAt > killedAt);
    const failed = after.filter((s) => !s.ok).length;
    const slowest = Math.max(...after.map((s) => s.endedAt - s.startedAt));
    // Per partition, the longest it went without an acknowledgement, counted from the kill.
    const stalls = partitions.map(({ partition, leader }) => {
      const acks = [
        killedAt,
        ...after.filter((s) => s.partition === partition && s.ok).map((s) => s.endedAt),
      ].sort((a, b) => a - b);
      const stall = Math.max(...acks.slice(1).map((t, i) => t - (acks[i] ?? t)));
      return `p${partition}${leader === victim ? " (its leader)" : ""} ${(stall / 1000).toFixed(1)} s`;
    });
    log(
      `after the kill: sends stalled ${stalls.join(", ")}; slowest send ${(slowest / 1000).toFixed(1)} s; ${failed} of ${after.length} sends failed`,
    );
    const moved = await kafkaMetadata(BROKERS.join(","), { topic });
    expect(moved?.brokers.sort()).toEqual([1, 2, 3].filter((id) => id !== victim));
    for (const p of moved?.partitions ?? []) {
      expect(p.leader).not.toBe(victim);
      expect(p.isr).not.toContain(victim);
    }

    // Watched from the moment of the restart, not from when `up` returns.
    const restartAt = performance.now();
    const rejoined = eventually(
      `kafka-${victim} back in the ISR of every partition`,
      async () => {
        const now = await kafkaMetadata(BROKERS.join(","), { topic });
        const back =
          now?.partitions.length === 3 && now.partitions.every((p) => p.isr.includes(victim));
        return back ? performance.now() - restartAt : undefined;
      },
      60_000,
      100,
    );
    rejoined.catch(() => {}); // awaited below; only a failed `up` leaves it unwatched
    await cli("up", `kafka-${victim}`);
    const readyAfter = performance.now() - restartAt;
    const isrAfter = await rejoined;
    log(
      `kafka-${victim} restarted: ready (registered, unfenced) in ${(readyAfter / 1000).toFixed(1)} s, in the ISR of all 3 partitions after ${(isrAfter / 1000).toFixed(1)} s`,
    );
    await Bun.sleep(1_000);
  } finally {
    sending = false;
    await Promise.all(senders);
    await producer.close();
  }

  // acks=all with min.insync.replicas=2: nothing acknowledged is lost to the kill.
  const acked = new Set(sends.filter((s) => s.ok).map((s) => s.key));
  const stored = await readKeys(kafka, topic, acked);
  const lost = [...acked].filter((k) => !stored.has(k));
  log(`${acked.size} acknowledged sends, ${stored.size} stored, ${lost.length} lost`);
  expect(lost).toEqual([]);
  expect(acked.size).toBeGreaterThan(100);
}, 120_000);
