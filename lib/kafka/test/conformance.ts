// One conformance suite for every adapter, against a real broker. Written with node:test and
// node:assert so the same source runs under `bun test` (platformatic) and, bundled, under
// `node --test` (confluent, whose addon does not load on Bun).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { setTimeout as pause } from "node:timers/promises";
import {
  type AdapterName,
  type Admin,
  type Consumer,
  type ConsumerOptions,
  createKafka,
  type DeadLetterEvent,
  DLQ_HEADERS,
  headerText,
  type Kafka,
  type KafkaMessage,
  type Logger,
  type Producer,
  partitionForKey,
} from "../src/index.ts";
import { startBroker, stopBroker } from "./broker.ts";

const BROKERS = (process.env.KAFKA_BROKERS ?? "127.0.0.1:19092").split(",");
const PARTITIONS = 3;
const TEST_TIMEOUT_MS = 90_000;
/** Outages the suite rides out, in seconds (KAFKA_OUTAGES="5,30,120" by default). */
const OUTAGES_S = (process.env.KAFKA_OUTAGES ?? "5,30,120").split(",").map(Number);

const quietLogger: Logger = {
  info: () => {},
  warn: () => {},
  error: (msg, fields) => console.error(msg, fields),
};

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 45_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await pause(200);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

function text(buffer: Buffer | null): string | null {
  return buffer === null ? null : buffer.toString("utf8");
}

export function conformance(adapter: AdapterName): void {
  describe(`kafka port conformance: ${adapter}`, () => {
    const run = `${adapter}-${Date.now()}-${randomUUID().slice(0, 8)}`;
    const topics: string[] = [];
    const consumers: Consumer[] = [];
    let kafka: Kafka;
    let producer: Producer;
    let admin: Admin;

    function name(label: string): string {
      const topic = `conf.${run}.${label}`;
      topics.push(topic, `${topic}.dlq`);
      return topic;
    }

    async function topic(label: string): Promise<string> {
      const created = name(label);
      await admin.createTopics([{ topic: created, partitions: PARTITIONS }]);
      return created;
    }

    function consume<T = KafkaMessage>(options: ConsumerOptions<T>): Consumer {
      const consumer = kafka.consumer(options);
      consumers.push(consumer);
      return consumer;
    }

    /** Collects every message of `topicName` with a fresh group, until `count` arrived. */
    async function drain(topicName: string, count: number): Promise<KafkaMessage[]> {
      const seen: KafkaMessage[] = [];
      const consumer = consume({
        groupId: `${topicName}.reader.${randomUUID().slice(0, 8)}`,
        topics: [topicName],
        eachMessage: (message) => {
          seen.push(message);
        },
      });
      await waitFor(`${count} messages on ${topicName}`, () =>
        seen.length >= count ? true : undefined,
      );
      await consumer.close();
      return seen;
    }

    async function totalLag(groupId: string, topicName: string): Promise<bigint> {
      const lags = await admin.lag(groupId, [topicName]);
      return lags.reduce((sum, p) => sum + p.lag, 0n);
    }

    before(async () => {
      kafka = await createKafka({
        brokers: BROKERS,
        clientId: `conformance-${run}`,
        adapter,
        logger: quietLogger,
      });
      assert.equal(kafka.adapter, adapter);
      producer = await kafka.producer();
      admin = await kafka.admin();
    });

    after(async () => {
      await Promise.allSettled(consumers.map((c) => c.close()));
      await admin.deleteTopics(topics).catch(() => {});
      await kafka.close();
    });

    it("admin creates topics idempotently, lists and deletes them", {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const created = await topic("admin");
      await admin.createTopics([{ topic: created, partitions: PARTITIONS }]);
      assert.ok((await admin.listTopics()).includes(created));
      assert.equal((await admin.partitionCounts([created])).get(created), PARTITIONS);
      await admin.deleteTopics([created]);
      await waitFor("topic deletion", async () =>
        (await admin.listTopics()).includes(created) ? undefined : true,
      );
      await admin.deleteTopics([created]);
    });

    it("batch produce returns a delivery report per message, in order", {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const t = await topic("reports");
      const messages = Array.from({ length: 12 }, (_, i) => ({
        topic: t,
        key: `key-${i}`,
        value: `value-${i}`,
      }));
      const reports = await producer.send(messages);
      assert.equal(reports.length, messages.length);
      for (const [i, report] of reports.entries()) {
        assert.equal(report.topic, t);
        assert.equal(report.partition, partitionForKey(`key-${i}`, PARTITIONS));
      }
      const received = await drain(t, messages.length);
      for (const [i, report] of reports.entries()) {
        const match = received.find((m) => text(m.key) === `key-${i}`);
        assert.ok(match, `message key-${i} consumed`);
        assert.equal(match.partition, report.partition);
        assert.equal(match.offset, report.offset);
        assert.equal(text(match.value), `value-${i}`);
      }
    });

    it("counts a send as pending until the broker answers, beneath a caller's deadline", {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const t = await topic("pending");
      // Its own client: the middleware gives up on every send at once, as a caller's deadline
      // does; the send itself goes on and must still count as pending until it is answered.
      const impatient = await createKafka({
        brokers: BROKERS,
        clientId: `conformance-${run}-pending`,
        adapter,
        logger: quietLogger,
      });
      try {
        impatient.use({
          produce: [
            (messages, next) => {
              next(messages).catch(() => {});
              return Promise.reject(new Error("caller deadline"));
            },
          ],
        });
        const p = await impatient.producer();
        await p.connect([t]);
        assert.deepEqual(p.pending(), { sends: 0, oldestMs: 0 });
        const sending = p.send([{ topic: t, key: "k", value: "v" }]);
        assert.equal(p.pending().sends, 1);
        await assert.rejects(sending, /caller deadline/);
        assert.equal(p.pending().sends, 1, "still unanswered right after the caller gave up");
        await waitFor("the send to settle", () => (p.pending().sends === 0 ? true : undefined));
        assert.deepEqual(p.pending(), { sends: 0, oldestMs: 0 });
        const [message] = await drain(t, 1);
        assert.equal(text(message?.value ?? null), "v");
      } finally {
        await impatient.close();
      }
    });

    it("keeps per-key order", { timeout: TEST_TIMEOUT_MS }, async () => {
      const t = await topic("order");
      const keys = ["alpha", "beta", "gamma", "delta"];
      const perKey = 15;
      // Several sends, interleaving keys, as a service would produce them.
      for (let round = 0; round < 3; round++) {
        const batch = [];
        for (let seq = round * 5; seq < round * 5 + 5; seq++) {
          for (const key of keys) batch.push({ topic: t, key, value: String(seq) });
        }
        await producer.send(batch);
      }
      const received = await drain(t, keys.length * perKey);
      for (const key of keys) {
        const values = received
          .filter((m) => text(m.key) === key)
          .map((m) => Number(text(m.value)));
        assert.deepEqual(
          values,
          Array.from({ length: perKey }, (_, i) => i),
          `order of ${key}`,
        );
        const partitions = new Set(
          received.filter((m) => text(m.key) === key).map((m) => m.partition),
        );
        assert.equal(partitions.size, 1, `${key} stays on one partition`);
      }
    });

    it("round-trips string and binary headers, null keys and tombstones", {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const t = await topic("headers");
      const binary = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f]);
      await producer.send([
        {
          topic: t,
          key: "with-headers",
          value: "payload",
          headers: { "x-text": "héllo wörld", "x-binary": binary, "x-empty": "" },
        },
        { topic: t, key: null, value: "no key" },
        { topic: t, key: "tombstone", value: null },
      ]);
      const received = await drain(t, 3);
      const withHeaders = received.find((m) => text(m.key) === "with-headers");
      assert.ok(withHeaders);
      assert.equal(headerText(withHeaders.headers, "x-text"), "héllo wörld");
      assert.deepEqual(withHeaders.headers["x-binary"], binary);
      assert.equal(headerText(withHeaders.headers, "x-empty"), "");
      const unkeyed = received.find((m) => text(m.value) === "no key");
      assert.ok(unkeyed);
      assert.equal(unkeyed.key, null);
      const tombstone = received.find((m) => text(m.key) === "tombstone");
      assert.ok(tombstone);
      assert.equal(tombstone.value, null);
    });

    it("commits only after the handler succeeded: a crashed consumer's message is redelivered", {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const t = await topic("commit");
      const groupId = `${t}.group`;
      const [report] = await producer.send([{ topic: t, key: "k", value: "only once?" }]);
      assert.ok(report);

      let firstSeen: KafkaMessage | undefined;
      const crashing = consume({
        groupId,
        topics: [t],
        closeTimeoutMs: 500,
        // Never finishes: the process "dies" mid-handler, before any commit.
        eachMessage: (message) => {
          firstSeen = message;
          return new Promise<void>(() => {});
        },
      });
      await waitFor("first delivery", () => firstSeen);
      await crashing.close();
      assert.equal(
        (await admin.lag(groupId, [t])).find((p) => p.partition === report.partition)?.committed,
        -1n,
      );

      let secondSeen: KafkaMessage | undefined;
      consume({
        groupId,
        topics: [t],
        eachMessage: (message) => {
          secondSeen = message;
        },
      });
      const redelivered = await waitFor("redelivery", () => secondSeen);
      assert.equal(redelivered.offset, report.offset);
      assert.equal(redelivered.partition, report.partition);
      assert.equal(text(redelivered.value), "only once?");
      await waitFor("commit after success", async () =>
        (await totalLag(groupId, t)) === 0n ? true : undefined,
      );
    });

    it("routes poison messages to <topic>.dlq with error headers and keeps consuming", {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const t = await topic("poison");
      const groupId = `${t}.group`;
      class RejectedOrder extends Error {
        override name = "RejectedOrder";
      }
      const deadLetters: DeadLetterEvent[] = [];
      kafka.use({ onDeadLetter: (event) => deadLetters.push(event) });

      // One key: one partition, so "later messages" really come after the poison ones.
      const sent = await producer.send([
        { topic: t, key: "order", value: JSON.stringify({ n: 1 }) },
        { topic: t, key: "order", value: "{not json", headers: { "x-origin": "test" } },
        { topic: t, key: "order", value: JSON.stringify({ n: 2, reject: true }) },
        { topic: t, key: "order", value: JSON.stringify({ n: 3 }) },
      ]);
      const processed: number[] = [];
      consume<{ n: number; reject?: boolean }>({
        groupId,
        topics: [t],
        decode: (message) => JSON.parse(text(message.value) ?? "null"),
        eachMessage: (payload) => {
          if (payload.reject) throw new RejectedOrder(`order ${payload.n} rejected`);
          processed.push(payload.n);
        },
      });
      await waitFor("good messages", () => (processed.length >= 2 ? true : undefined));
      assert.deepEqual(processed, [1, 3]);

      const dlq = await drain(`${t}.dlq`, 2);
      const decodeFailure = dlq.find(
        (m) => headerText(m.headers, DLQ_HEADERS.errorStage) === "decode",
      );
      const handlerFailure = dlq.find(
        (m) => headerText(m.headers, DLQ_HEADERS.errorStage) === "handler",
      );
      assert.ok(decodeFailure && handlerFailure);
      assert.equal(headerText(decodeFailure.headers, DLQ_HEADERS.errorType), "SyntaxError");
      assert.ok(headerText(decodeFailure.headers, DLQ_HEADERS.errorMessage));
      assert.equal(headerText(decodeFailure.headers, DLQ_HEADERS.originalTopic), t);
      assert.equal(
        headerText(decodeFailure.headers, DLQ_HEADERS.originalPartition),
        String(sent[1]?.partition),
      );
      assert.equal(
        headerText(decodeFailure.headers, DLQ_HEADERS.originalOffset),
        String(sent[1]?.offset),
      );
      assert.equal(headerText(decodeFailure.headers, DLQ_HEADERS.consumerGroup), groupId);
      assert.equal(headerText(decodeFailure.headers, "x-origin"), "test");
      assert.equal(text(decodeFailure.key), "order");
      assert.equal(text(decodeFailure.value), "{not json");
      assert.equal(headerText(handlerFailure.headers, DLQ_HEADERS.errorType), "RejectedOrder");
      assert.equal(
        headerText(handlerFailure.headers, DLQ_HEADERS.errorMessage),
        "order 2 rejected",
      );
      assert.equal(
        headerText(handlerFailure.headers, DLQ_HEADERS.originalOffset),
        String(sent[2]?.offset),
      );

      const mine = deadLetters.filter((e) => e.message.topic === t);
      assert.deepEqual(mine.map((e) => e.stage).sort(), ["decode", "handler"]);
      assert.ok(mine.every((e) => e.dlqTopic === `${t}.dlq` && e.groupId === groupId));
      await waitFor("poison committed", async () =>
        (await totalLag(groupId, t)) === 0n ? true : undefined,
      );
    });

    it("reports lag that grows while no consumer runs and returns to zero", {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const t = await topic("lag");
      const groupId = `${t}.group`;
      let count = 0;
      const options: ConsumerOptions<KafkaMessage> = {
        groupId,
        topics: [t],
        eachMessage: () => {
          count++;
        },
      };
      await producer.send(
        Array.from({ length: 4 }, (_, i) => ({ topic: t, key: `k${i}`, value: "a" })),
      );
      const first = consume(options);
      await waitFor("first round", () => (count >= 4 ? true : undefined));
      await waitFor("lag 0", async () => ((await totalLag(groupId, t)) === 0n ? true : undefined));
      await first.close();

      await producer.send(
        Array.from({ length: 7 }, (_, i) => ({ topic: t, key: `k${i}`, value: "b" })),
      );
      assert.equal(await totalLag(groupId, t), 7n);
      const lags = await admin.lag(groupId, [t]);
      assert.equal(lags.length, PARTITIONS);
      assert.ok(lags.every((p) => p.highWatermark >= p.committed));

      consume(options);
      await waitFor("second round", () => (count >= 11 ? true : undefined));
      await waitFor("lag back to 0", async () =>
        (await totalLag(groupId, t)) === 0n ? true : undefined,
      );
    });

    it("lets middleware inject headers before send and wrap each handler", {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const t = await topic("hooks");
      const groupId = `${t}.group`;
      const wrapped: {
        topic: string;
        partition: number;
        offset: bigint;
        group: string;
        trace?: string;
      }[] = [];
      let reportsSeen = 0;
      kafka.use({
        produce: [
          async (messages, next) => {
            const withTrace = messages.map((m) =>
              m.topic === t
                ? { ...m, headers: { ...m.headers, traceparent: "00-trace-span-01" } }
                : m,
            );
            const reports = await next(withTrace);
            reportsSeen += reports.length;
            return reports;
          },
        ],
        consume: [
          async (message, context, next) => {
            if (message.topic === t) {
              wrapped.push({
                topic: message.topic,
                partition: message.partition,
                offset: message.offset,
                group: context.groupId,
                trace: headerText(message.headers, "traceparent"),
              });
            }
            await next();
          },
        ],
      });
      const before = reportsSeen;
      const [report] = await producer.send([{ topic: t, key: "h", value: "v" }]);
      assert.ok(report);
      assert.equal(reportsSeen - before, 1);
      let handled = false;
      consume({
        groupId,
        topics: [t],
        eachMessage: () => {
          handled = true;
        },
      });
      await waitFor("handled", () => (handled ? true : undefined));
      assert.deepEqual(wrapped, [
        {
          topic: t,
          partition: report.partition,
          offset: report.offset,
          group: groupId,
          trace: "00-trace-span-01",
        },
      ]);
    });

    it("keeps consuming across bursts of produce calls with no pause between them", {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      // Regression: the platformatic adapter stopped fetching for good (no error, `done` pending,
      // lag stuck above 0) when a send's records arrived while the previous send's were still
      // being handled. Both handler styles, each in its own group, read every message; a short
      // await in the handlers keeps the "still being handled" window open.
      const t = await topic("bursts");
      const styles = ["eachMessage", "eachBatch"] as const;
      const seen = { eachMessage: new Set<string>(), eachBatch: new Set<string>() };
      const groupOf = (style: (typeof styles)[number]) => `${t}.${style}`;
      const started = [
        consume({
          groupId: groupOf("eachMessage"),
          topics: [t],
          eachMessage: async (message) => {
            await pause(2);
            seen.eachMessage.add(text(message.value) ?? "");
          },
        }),
        consume({
          groupId: groupOf("eachBatch"),
          topics: [t],
          eachBatch: async (batch) => {
            await pause(5);
            for (const { message } of batch) seen.eachBatch.add(text(message.value) ?? "");
          },
        }),
      ];
      await Promise.all(started.map((c) => c.ready));

      let sent = 0;
      const send = (count: number) => {
        const values = Array.from({ length: count }, () => String(sent++));
        return producer.send(values.map((value) => ({ topic: t, key: `k${value}`, value })));
      };
      const consumed = async (what: string, count: number, timeoutMs: number) => {
        try {
          await waitFor(
            what,
            () => (styles.every((style) => seen[style].size >= count) ? true : undefined),
            timeoutMs,
          );
        } catch (error) {
          const counts = styles.map((style) => `${style} ${seen[style].size}`).join(", ");
          throw new Error(`${String(error)} (of ${count}: ${counts})`);
        }
      };

      // The reported shape: one send, both consumers idle again, then sends 0 ms apart.
      await send(6);
      await consumed("the first send", 6, 20_000);
      await send(1);
      await send(2);
      await pause(0);
      await send(3);
      // Back-to-back sends, none awaited before the next one starts.
      await Promise.all([send(2), send(1), send(4), send(1)]);
      // Then a burst with pauses of 0 to 20 ms.
      for (const [size, ms] of [
        [1, 0],
        [5, 0],
        [1, 10],
        [2, 0],
        [7, 20],
        [1, 0],
        [3, 5],
      ] as const) {
        await send(size);
        await pause(ms);
      }

      await consumed(`all ${sent} messages`, sent, 20_000);
      for (const style of styles) {
        assert.deepEqual(
          [...seen[style]].map(Number).sort((a, b) => a - b),
          Array.from({ length: sent }, (_, i) => i),
          `${style} saw every message`,
        );
      }
      await waitFor("lag back to 0 in both groups", async () => {
        const lags = await Promise.all(styles.map((style) => totalLag(groupOf(style), t)));
        return lags.every((lag) => lag === 0n) ? true : undefined;
      });
    });

    it("dead-letters only the messages a batch handler cannot apply; their batch-mates are applied", {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      // The handler is all-or-nothing, as a database transaction is: one bad message fails its
      // whole batch. The port must find the bad ones (halving the batch) and apply the rest.
      const t = await topic("isolate");
      const groupId = `${t}.group`;
      const values = ["1", "2", "bad-3", "4", "5", "6", "bad-7", "8", "9"];
      // One key: one partition, so the messages arrive as one batch (or a few, in order).
      const sent = await producer.send(values.map((value) => ({ topic: t, key: "same", value })));
      const applied: string[] = [];
      let calls = 0;
      consume({
        groupId,
        topics: [t],
        eachBatch: (batch) => {
          calls++;
          const payloads = batch.map(({ message }) => text(message.value) ?? "");
          const bad = payloads.find((value) => value.startsWith("bad"));
          if (bad) throw new Error(`cannot apply ${bad}`);
          applied.push(...payloads);
        },
      });
      await waitFor("the good messages", () => (applied.length >= 7 ? true : undefined));
      assert.deepEqual(applied, ["1", "2", "4", "5", "6", "8", "9"]);
      const dlq = await drain(`${t}.dlq`, 2);
      const byOffset = dlq
        .map((m) => ({
          value: text(m.value),
          stage: headerText(m.headers, DLQ_HEADERS.errorStage),
          error: headerText(m.headers, DLQ_HEADERS.errorMessage),
          offset: headerText(m.headers, DLQ_HEADERS.originalOffset),
        }))
        .sort((a, b) => Number(a.offset) - Number(b.offset));
      assert.deepEqual(byOffset, [
        {
          value: "bad-3",
          stage: "handler",
          error: "cannot apply bad-3",
          offset: String(sent[2]?.offset),
        },
        {
          value: "bad-7",
          stage: "handler",
          error: "cannot apply bad-7",
          offset: String(sent[6]?.offset),
        },
      ]);
      assert.ok(calls > 1, "the batch was handled again in parts");
      await waitFor("isolated batch committed", async () =>
        (await totalLag(groupId, t)) === 0n ? true : undefined,
      );
    });

    it("runs batch handlers per partition and commits after them", {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const t = await topic("batch");
      const groupId = `${t}.group`;
      await producer.send(
        Array.from({ length: 9 }, (_, i) => ({ topic: t, key: `b${i}`, value: String(i) })),
      );
      const seen: string[] = [];
      consume({
        groupId,
        topics: [t],
        eachBatch: (batch, context) => {
          for (const { message } of batch) {
            assert.equal(message.partition, context.partition);
            seen.push(text(message.value) ?? "");
          }
        },
      });
      await waitFor("batches", () => (seen.length >= 9 ? true : undefined));
      assert.deepEqual([...seen].sort(), ["0", "1", "2", "3", "4", "5", "6", "7", "8"]);
      await waitFor("batch committed", async () =>
        (await totalLag(groupId, t)) === 0n ? true : undefined,
      );
    });
    it(`keeps consuming across broker outages of ${OUTAGES_S.join(", ")} s, resuming from committed offsets`, {
      timeout: OUTAGES_S.reduce((sum, s) => sum + s * 1000 + 150_000, 60_000),
    }, async () => {
      // The real broker process is stopped and started again (not a proxy cut), with messages
      // in flight: sent just before the stop (some handled but not committed), during the outage
      // (the producer retries) and after it. Both handler styles, each in its own group, must
      // apply every acknowledged message — exactly once in effect, deduplicated by value as the
      // apps do by event id — and be running again, without anyone restarting them.
      const t = await topic("outage");
      const styles = ["eachMessage", "eachBatch"] as const;
      const applied = { eachMessage: new Set<string>(), eachBatch: new Set<string>() };
      const groupOf = (style: (typeof styles)[number]) => `${t}.${style}`;
      const started = {
        eachMessage: consume({
          groupId: groupOf("eachMessage"),
          topics: [t],
          eachMessage: async (message) => {
            await pause(1);
            applied.eachMessage.add(text(message.value) ?? "");
          },
        }),
        eachBatch: consume({
          groupId: groupOf("eachBatch"),
          topics: [t],
          eachBatch: async (batch) => {
            await pause(2);
            for (const { message } of batch) applied.eachBatch.add(text(message.value) ?? "");
          },
        }),
      };
      await Promise.all(Object.values(started).map((c) => c.ready));

      let sent = 0;
      const send = (count: number) => {
        const values = Array.from({ length: count }, () => String(sent++));
        return producer.send(values.map((value) => ({ topic: t, key: `k${value}`, value })));
      };
      const allApplied = async (what: string, timeoutMs: number) => {
        const want = sent;
        try {
          await waitFor(
            what,
            () => (styles.every((style) => applied[style].size >= want) ? true : undefined),
            timeoutMs,
          );
        } catch (error) {
          const counts = styles.map((style) => `${style} ${applied[style].size}`).join(", ");
          throw new Error(`${String(error)} (of ${want}: ${counts})`);
        }
      };

      await send(20);
      await allApplied("the first messages", 30_000);
      for (const seconds of OUTAGES_S) {
        // In flight as the broker goes: sent, maybe fetched, not all committed.
        const before = send(200);
        await before;
        await stopBroker();
        const stoppedAt = Date.now();
        // Sent while the broker is away: acknowledged once it is back.
        const during = send(10);
        during.catch(() => {});
        await pause(seconds * 1000);
        await startBroker();
        const upAt = Date.now();
        await during;
        await send(10);
        await allApplied(`every message after a ${seconds} s outage`, 120_000);
        const recoveredMs = Date.now() - upAt;
        for (const style of styles) {
          const status = started[style].status();
          assert.equal(status.state, "running", `${style} consumer running after ${seconds} s`);
          assert.ok(status.assignment.length > 0, `${style} consumer holds partitions again`);
        }
        await waitFor(
          "lag back to 0 in both groups",
          async () => {
            const lags = await Promise.all(styles.map((style) => totalLag(groupOf(style), t)));
            return lags.every((lag) => lag === 0n) ? true : undefined;
          },
          60_000,
        );
        console.log(
          `# ${adapter}: ${seconds} s outage (broker down ${((upAt - stoppedAt) / 1000).toFixed(1)} s): ` +
            `every message applied ${(recoveredMs / 1000).toFixed(1)} s after the broker was back; ` +
            `restarts ${styles.map((s) => `${s} ${started[s].status().restarts}`).join(", ")}`,
        );
      }
      for (const style of styles) {
        assert.deepEqual(
          [...applied[style]].map(Number).sort((a, b) => a - b),
          Array.from({ length: sent }, (_, i) => i),
          `${style} applied every message`,
        );
      }
    });

    it("keeps consuming when the broker goes away while the group makes it rejoin", {
      timeout: 240_000,
    }, async () => {
      // A member is told to rejoin (a newcomer arrived) while another member is frozen, so the
      // coordinator holds the rejoin until the frozen member's session expires; the broker is
      // stopped in that window and the rejoin fails. @platformatic/kafka 2.12.1 reports that
      // as an 'error' event on its consumer, and an EventEmitter 'error' nobody listens to is
      // thrown: a totalizer replica died of it when a cluster's coordinator was killed.
      const t = await topic("rejoin");
      const groupId = `${t}.group`;
      const applied = new Set<string>();
      const member = consume({
        groupId,
        topics: [t],
        eachMessage: (message) => {
          applied.add(text(message.value) ?? "");
        },
      });
      await member.ready;
      await producer.send([{ topic: t, key: "k", value: "before" }]);
      await waitFor("the message sent before", () => (applied.has("before") ? true : undefined));
      const kcat = (sessionMs: number) =>
        spawn(
          "kcat",
          [
            "-b",
            BROKERS.join(","),
            "-q",
            "-G",
            groupId,
            "-X",
            `session.timeout.ms=${sessionMs}`,
            t,
          ],
          { stdio: "ignore" },
        );
      const others = [kcat(30_000)];
      try {
        await waitFor("a second member in the group", async () =>
          (await admin.groupMembers(groupId)) === 2 && member.status().assignment.length > 0
            ? true
            : undefined,
        );
        // Let the rebalance that admitted it finish before freezing it.
        await pause(3_000);
        others[0]?.kill("SIGSTOP");
        others.push(kcat(6_000));
        // Once the newcomer is in, the member's next heartbeat (every 2 s) answers
        // REBALANCE_IN_PROGRESS and it rejoins; that rejoin waits for the frozen member.
        await waitFor("the newcomer in the group", async () =>
          (await admin.groupMembers(groupId)) === 3 ? true : undefined,
        );
        await pause(4_000);
        await stopBroker();
      } finally {
        for (const other of others) other.kill("SIGKILL");
      }
      await pause(3_000);
      await startBroker();
      await producer.send([{ topic: t, key: "k", value: "after" }]);
      await waitFor(
        "the message sent after the broker came back",
        () => (applied.has("after") ? true : undefined),
        150_000,
      );
      assert.equal(member.status().state, "running");
    });
  });
}
