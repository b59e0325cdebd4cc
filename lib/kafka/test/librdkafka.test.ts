// The librdkafka adapter (bun:ffi) against the real broker: the whole conformance suite, then
// what only this producer has — librdkafka's errors as the port's, its queue limit, purging at
// close, its statistics, and the fallback when the library is missing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import {
  type Admin,
  createKafka,
  type Kafka,
  KafkaProduceError,
  type LibrdkafkaStatistics,
  type Logger,
} from "../src/index.ts";
import { loadLibrdkafka } from "../src/librdkafka/library.ts";
import { createLibrdkafkaProducer } from "../src/librdkafka/producer.ts";
import { conformance } from "./conformance.ts";

conformance("librdkafka");

const BROKERS = (process.env.KAFKA_BROKERS ?? "127.0.0.1:19092").split(",");
const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };

function library() {
  const loaded = loadLibrdkafka();
  if (!loaded.ok) throw new Error(`librdkafka does not load: ${loaded.reason}`);
  return loaded.library;
}

describe("librdkafka producer", () => {
  const run = randomUUID().slice(0, 8);
  const topics: string[] = [];
  let kafka: Kafka;
  let admin: Admin;
  const statistics: LibrdkafkaStatistics[] = [];

  async function topic(label: string, config?: Record<string, string>): Promise<string> {
    const name = `rdk.${run}.${label}`;
    topics.push(name);
    await admin.createTopics([{ topic: name, partitions: 3, config }]);
    return name;
  }

  beforeAll(async () => {
    kafka = await createKafka({
      brokers: BROKERS,
      clientId: `rdk-${run}`,
      adapter: "librdkafka",
      logger: quiet,
      hooks: { onStatistics: (s) => statistics.push(s) },
      librdkafka: { "statistics.interval.ms": "200", "queue.buffering.max.messages": "500" },
    });
    admin = await kafka.admin();
  });

  afterAll(async () => {
    await admin.deleteTopics(topics).catch(() => {});
    await kafka.close();
  });

  test("says which libraries it runs", () => {
    expect(kafka.adapter).toBe("librdkafka");
    expect(kafka.client.producer).toMatch(/^librdkafka 2\.\d+\.\d+$/);
    expect(kafka.client.consumer).toMatch(/^@platformatic\/kafka /);
  });

  test("a message the broker refuses fails with its Kafka error, not retriable", async () => {
    const t = await topic("too-large", { "max.message.bytes": "2048" });
    const producer = await kafka.producer();
    const error = await producer
      .send([
        { topic: t, key: "small", value: "fits" },
        { topic: t, key: "big", value: Buffer.alloc(16 * 1024, 1) },
      ])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(KafkaProduceError);
    const failure = error as KafkaProduceError;
    expect(failure.code).toBe("MSG_SIZE_TOO_LARGE");
    expect(failure.retriable).toBe(false);
    expect(failure.topic).toBe(t);
    expect(failure.message).toContain(t);
    // The producer goes on: the next send is acknowledged.
    const [report] = await producer.send([{ topic: t, key: "after", value: "ok" }]);
    expect(report?.offset).toBeGreaterThanOrEqual(0n);
  });

  test("a partition the topic does not have fails at once", async () => {
    const t = await topic("no-partition");
    const producer = await kafka.producer();
    const started = performance.now();
    const error = await producer.send([{ topic: t, value: "x", partition: 7 }]).catch((e) => e);
    expect(error).toBeInstanceOf(KafkaProduceError);
    expect((error as KafkaProduceError).code).toBe("_UNKNOWN_PARTITION");
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  test("more messages than librdkafka's queue holds wait for room, in order", async () => {
    // queue.buffering.max.messages is 500 here: 5,000 in one send, and three sends at once.
    const t = await topic("backpressure");
    const producer = await kafka.producer();
    const sends = [0, 1, 2].map((s) =>
      producer.send(
        Array.from({ length: 5_000 }, (_, i) => ({ topic: t, key: "one-key", value: `${s}:${i}` })),
      ),
    );
    const reports = (await Promise.all(sends)).flat();
    expect(reports).toHaveLength(15_000);
    const partition = reports[0]?.partition;
    expect(reports.every((r) => r.partition === partition)).toBe(true);
    // One key, one partition: offsets follow the order of the calls and of each call's messages.
    const offsets = reports.map((r) => r.offset);
    expect(offsets).toEqual(offsets.toSorted((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(offsets).size).toBe(15_000);
  });

  test("reports its statistics, per broker", async () => {
    const t = await topic("statistics");
    const producer = await kafka.producer();
    await producer.send([{ topic: t, value: "x" }]);
    const deadline = Date.now() + 5_000;
    while (!statistics.some((s) => s.txmsgs > 0) && Date.now() < deadline) await Bun.sleep(50);
    const latest = statistics.findLast((s) => s.txmsgs > 0);
    expect(latest?.type).toBe("producer");
    expect(latest?.client_id).toBe(`rdk-${run}`);
    const brokers = Object.values(latest?.brokers ?? {}).filter((b) => b.nodeid >= 0);
    expect(brokers.length).toBeGreaterThan(0);
    expect(brokers.some((b) => b.state === "UP")).toBe(true);
  });

  test("close purges what no broker acknowledged, as retriable errors, within its timeout", async () => {
    const logged: string[] = [];
    const producer = createLibrdkafkaProducer(library(), {
      // Nothing listens there: messages wait in librdkafka's queue.
      brokers: ["127.0.0.1:1"],
      clientId: `rdk-${run}-nowhere`,
      logger: { ...quiet, warn: (m) => logged.push(m) },
      flushTimeoutMs: 500,
    });
    const pending = producer.send([{ topic: "nowhere", value: "lost?" }]).catch((e) => e);
    const started = performance.now();
    await producer.close();
    expect(performance.now() - started).toBeLessThan(3_000);
    const error = await pending;
    expect(error).toBeInstanceOf(KafkaProduceError);
    expect((error as KafkaProduceError).code).toMatch(/^_PURGE_QUEUE|_DESTROY$/);
    expect((error as KafkaProduceError).retriable).toBe(true);
    expect(logged.some((m) => m.includes("purging"))).toBe(true);
    await expect(producer.send([{ topic: "nowhere", value: "x" }])).rejects.toThrow(/closed/);
  });

  test("close flushes: a send not awaited before close is delivered", async () => {
    const t = await topic("flush");
    const other = await createKafka({
      brokers: BROKERS,
      clientId: `rdk-${run}-flush`,
      adapter: "librdkafka",
      logger: quiet,
    });
    const producer = await other.producer();
    const sent = producer.send(
      Array.from({ length: 1_000 }, (_, i) => ({ topic: t, key: `k${i}`, value: String(i) })),
    );
    await other.close();
    expect(await sent).toHaveLength(1_000);
    const lags = await admin.lag(`rdk-${run}-none`, [t]);
    expect(lags.reduce((sum, p) => sum + p.highWatermark, 0n)).toBe(1_000n);
  });

  test("an unknown librdkafka property is refused with its name", async () => {
    const bad = await createKafka({
      brokers: BROKERS,
      clientId: `rdk-${run}-bad`,
      adapter: "librdkafka",
      logger: quiet,
      librdkafka: { "linger.mss": "5" },
    });
    await expect(bad.producer()).rejects.toThrow(/linger\.mss/);
    await bad.close();
  });
});

describe("without librdkafka", () => {
  test("one log line says so and the platformatic producer takes over", async () => {
    // A child process, so the library this process loaded cannot hide the fallback.
    const script = join(import.meta.dir, "fixtures", "produce-once.ts");
    const child = Bun.spawn(["bun", script, BROKERS.join(",")], {
      env: { ...process.env, LIBRDKAFKA_PATH: "/nonexistent/librdkafka.so.1" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out, err, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    expect(err).toBe("");
    expect(code).toBe(0);
    const lines = out.trim().split("\n");
    const selected = lines.filter((l) => l.includes("kafka client selected"));
    expect(selected).toHaveLength(1);
    const record = JSON.parse(selected[0] as string);
    expect(record.adapter).toBe("platformatic");
    expect(record.reason).toContain("/nonexistent/librdkafka.so.1");
    expect(lines.at(-1)).toMatch(/^delivered to .* offset \d+$/);
  });
});
