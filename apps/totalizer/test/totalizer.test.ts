// The totalizer in-process against the real broker and PostgreSQL: one instance with its own
// topic and consumer group, fed SumMessages the way the adder produces them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { DLQ_HEADERS, type Kafka } from "@obs/kafka";
import { loadProto } from "@obs/proto";
import { ensureInfra, eventually } from "../../../test/support/infra.ts";
import type { Totalizer } from "../src/app.ts";
import {
  metricsText,
  migrateTestDatabase,
  newSum,
  produceSums,
  readTopic,
  restTotal,
  type Sum,
  sample,
  startTestTotalizer,
  sumValue,
  testKafka,
  totalOf,
  unique,
} from "./support.ts";

let app: Totalizer;
let kafka: Kafka;
let topic: string;
/** Everything counted so far on `topic`, to compare the total against. */
const counted: Sum[] = [];

beforeAll(async () => {
  await ensureInfra();
  await migrateTestDatabase();
  topic = unique("sums");
  kafka = await testKafka();
  app = await startTestTotalizer({ topic });
  await app.consumer.consumer.ready;
}, 600_000);

afterAll(async () => {
  await app?.stop();
  await kafka?.admin().then((admin) => admin.deleteTopics([topic, `${topic}.dlq`]));
  await kafka?.close();
}, 30_000);

/** Waits until the REST total shows exactly what `counted` adds up to. */
async function totalIsExact() {
  const want = { total: totalOf(counted).toString(), message_count: String(counted.length) };
  return eventually(
    `total ${want.total} over ${want.message_count} messages`,
    async () => {
      const now = await restTotal(app);
      return now.total === want.total && now.message_count === want.message_count ? now : undefined;
    },
    30_000,
  );
}

describe("totalizer", () => {
  test("totals the SumMessages produced on its topic", async () => {
    const sums = [5, -3, 0, 1_000_000, 9_007_199_254_740_993n, -42].map((n) => newSum(n));
    await produceSums(kafka, topic, sums);
    counted.push(...sums);
    const total = await totalIsExact();
    expect(total.total).toBe("9007199255740953");
    expect(total.updated_at).not.toBeNull();
  }, 60_000);

  test("a message produced twice with the same message_id counts once", async () => {
    const twice = newSum(1234);
    const after = newSum(1);
    // The second copy lands at a later offset: deduplication by offset would miss it.
    // One send: two sends in quick succession can stall the platformatic consumer of
    // lib/kafka (reported to lib/kafka; the stall is reproduced without the totalizer).
    const reports = await produceSums(kafka, topic, [twice, twice, after]);
    expect(reports[1]?.offset).not.toBe(reports[0]?.offset);
    counted.push(twice, after);
    await totalIsExact();
    // Give a wrongly counted duplicate time to show up before concluding.
    await Bun.sleep(1000);
    expect((await restTotal(app)).message_count).toBe(String(counted.length));
  }, 60_000);

  test("poison messages go to <topic>.dlq with error headers, are counted, and later sums are totalled", async () => {
    const bare = await testKafka({ hooks: false });
    const poison = [
      "this is not a SumMessage",
      JSON.stringify({ a: 1, b: 2 }),
      JSON.stringify({ sum: "5", produced_at: { seconds: "1700000000" } }),
    ];
    const after = newSum(77);
    try {
      const producer = await bare.producer();
      // The good sum goes last, on the same partition: it must not be held up by the poison.
      await producer.send([
        ...poison.map((value) => ({ topic, key: "poison", value })),
        { topic, key: "poison", value: sumValue(after) },
      ]);
    } finally {
      await bare.close();
    }
    counted.push(after);
    await totalIsExact();

    const dead = await readTopic(kafka, `${topic}.dlq`, poison.length);
    expect(dead.map((m) => m.value?.toString()).sort()).toEqual([...poison].sort());
    for (const message of dead) {
      expect(message.headers[DLQ_HEADERS.errorType]?.toString()).toBe("PoisonMessageError");
      expect(message.headers[DLQ_HEADERS.errorStage]?.toString()).toBe("decode");
      expect(message.headers[DLQ_HEADERS.originalTopic]?.toString()).toBe(topic);
      expect(message.headers[DLQ_HEADERS.consumerGroup]?.toString()).toBe(app.groupId);
      expect(message.headers[DLQ_HEADERS.errorMessage]?.toString()).toContain("SumMessage");
    }
    const errors = sample(await metricsText(app), "kafka_consumer_errors_total", {
      topic,
      error_type: "PoisonMessageError",
    });
    expect(errors).toBe(poison.length);
  }, 60_000);

  test("a sum the total cannot take is dead-lettered alone; its batch-mates are counted", async () => {
    // Reported: 5, 9223372036854775807, 7 in one batch on one partition moved the total by
    // nothing and sent all three to the DLQ ("bigint out of range").
    const sums = [newSum(5), newSum(2n ** 63n - 1n), newSum(7)];
    const producer = await kafka.producer();
    const reports = await producer.send(
      sums.map((s) => ({ topic, partition: 0, key: s.messageId, value: sumValue(s) })),
    );
    expect(new Set(reports.map((r) => r.partition))).toEqual(new Set([0]));
    counted.push(sums[0] as Sum, sums[2] as Sum);
    await totalIsExact();

    const dead = await eventually(
      "the overflowing sum on the DLQ",
      async () => {
        const all = await readTopic(kafka, `${topic}.dlq`, 4, 5_000);
        return all.find((m) => m.headers[DLQ_HEADERS.errorType]?.toString() === "TOTAL_OVERFLOW");
      },
      30_000,
    );
    expect(dead.value?.toString()).toContain('"sum":"9223372036854775807"');
    expect(dead.headers[DLQ_HEADERS.errorStage]?.toString()).toBe("handler");
    expect(dead.headers[DLQ_HEADERS.errorMessage]?.toString()).toBe(
      `sum 9223372036854775807 of message ${sums[1]?.messageId} would take the total beyond the int64 range`,
    );
    expect(dead.headers[DLQ_HEADERS.originalOffset]?.toString()).toBe(String(reports[1]?.offset));
    expect(
      sample(await metricsText(app), "kafka_consumer_errors_total", {
        topic,
        error_type: "TOTAL_OVERFLOW",
      }),
    ).toBe(1);
  }, 60_000);

  test("GetTotal over gRPC and GET /v1/total agree", async () => {
    const { grpc: proto } = loadProto("totalizer");
    const client = new proto.totalizer.v1.Totalizer(
      `127.0.0.1:${app.grpcPort}`,
      grpc.credentials.createInsecure(),
    );
    try {
      const reply = await new Promise<{
        total: string;
        message_count: string;
        updated_at: { seconds: string; nanos: number } | null;
      }>((resolve, reject) =>
        client.GetTotal({}, (error, response) =>
          error || !response ? reject(error) : resolve(response),
        ),
      );
      const rest = await restTotal(app);
      expect(reply.total).toBe(totalOf(counted).toString());
      expect({ total: reply.total, message_count: reply.message_count }).toEqual({
        total: rest.total,
        message_count: rest.message_count,
      });
      const at = reply.updated_at;
      if (!at || !rest.updated_at) throw new Error("no updated_at");
      expect(Number(at.seconds) * 1000 + Math.floor(at.nanos / 1e6)).toBe(
        Date.parse(rest.updated_at),
      );
    } finally {
      client.close();
    }
  }, 30_000);

  test("/metrics has the delivery latency histogram and the consumer lag", async () => {
    const metrics = await eventually(
      "kafka_consumer_lag at 0 for the group",
      async () => {
        const text = await metricsText(app);
        const lag = sample(text, "kafka_consumer_lag", { consumer_group: app.groupId, topic });
        return lag === 0 ? text : undefined;
      },
      20_000,
    );
    expect(metrics).toMatch(
      new RegExp(
        `^kafka_message_delivery_latency_bucket\\{[^}]*topic="${topic}"[^}]*le="500"`,
        "m",
      ),
    );
    // Every consumed record was measured, the poison ones included (they were delivered too).
    const consumed = sample(metrics, "kafka_messages_consumed_total", { topic });
    const measured = sample(metrics, "kafka_message_delivery_latency_count", { topic });
    expect(measured).toBeGreaterThanOrEqual(counted.length);
    expect(consumed).toBeGreaterThanOrEqual(counted.length);
  }, 30_000);

  test("a record without the produced_at header is measured from the body's produced_at", async () => {
    const before =
      sample(await metricsText(app), "kafka_message_delivery_latency_count", { topic }) ?? 0;
    const bare = await testKafka({ hooks: false });
    const sum = newSum(10);
    try {
      const producer = await bare.producer();
      // Produced two seconds ago by the body's clock: the observation must land in a bucket
      // above 1000 ms, which a measurement from "now" could not.
      await producer.send([
        { topic, key: sum.messageId, value: sumValue(sum, new Date(Date.now() - 2000)) },
      ]);
    } finally {
      await bare.close();
    }
    counted.push(sum);
    await totalIsExact();
    const text = await metricsText(app);
    expect(sample(text, "kafka_message_delivery_latency_count", { topic })).toBe(before + 1);
    const under1s = sample(text, "kafka_message_delivery_latency_bucket", { topic, le: "1000" });
    const under2_5s = sample(text, "kafka_message_delivery_latency_bucket", { topic, le: "2500" });
    expect((under2_5s ?? 0) - (under1s ?? 0)).toBeGreaterThanOrEqual(1);
  }, 60_000);

  test("/readyz reports Kafka and PostgreSQL reachable", async () => {
    const response = await fetch(`http://127.0.0.1:${app.httpPort}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: "ready",
      checks: { postgres: "ok", kafka: "ok", consumer: "ok" },
    });
  });
});
