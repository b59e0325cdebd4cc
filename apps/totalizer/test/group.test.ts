// Redelivery and the consumer group, against the real broker and PostgreSQL.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Kafka } from "@obs/kafka";
import { ensureInfra, eventually } from "../../../test/support/infra.ts";
import type { Totalizer } from "../src/app.ts";
import { createStore } from "../src/store.ts";
import {
  migrateTestDatabase,
  newSum,
  produceSums,
  restTotal,
  startTestTotalizer,
  TEST_DATABASE_URL,
  testKafka,
  totalOf,
  unique,
} from "./support.ts";

let kafka: Kafka;
const topics: string[] = [];
const running = new Set<Totalizer>();

beforeAll(async () => {
  await ensureInfra();
  await migrateTestDatabase();
  kafka = await testKafka();
}, 600_000);

afterAll(async () => {
  await Promise.all([...running].map((app) => app.stop()));
  const admin = await kafka?.admin();
  await admin?.deleteTopics(topics.flatMap((t) => [t, `${t}.dlq`]));
  await kafka?.close();
}, 60_000);

async function start(topic: string, groupId?: string): Promise<Totalizer> {
  const app = await startTestTotalizer({ topic, ...(groupId ? { groupId } : {}) });
  running.add(app);
  await app.consumer.consumer.ready;
  return app;
}

async function stop(app: Totalizer): Promise<void> {
  await app.stop();
  running.delete(app);
}

const exactly = (app: Totalizer, total: bigint, count: number, timeoutMs = 60_000) =>
  eventually(
    `total ${total} over ${count}`,
    async () => {
      const now = await restTotal(app);
      return now.total === total.toString() && now.message_count === String(count)
        ? now
        : undefined;
    },
    timeoutMs,
  );

describe("redelivery", () => {
  test("a member that crashed after its database commit but before its offset commit: the redelivery counts once", async () => {
    const topic = unique("crash");
    topics.push(topic);
    const admin = await kafka.admin();
    await admin.createTopics([{ topic, partitions: 3 }]);
    const sums = Array.from({ length: 50 }, (_, i) => newSum(i * 7 - 100));
    const reports = await produceSums(kafka, topic, sums);
    // The crashed member's last act: the first 30 sums applied in Postgres, no offset committed.
    const store = createStore(TEST_DATABASE_URL);
    try {
      await store.applyBatch(
        topic,
        sums.slice(0, 30).map((s, i) => ({
          messageId: s.messageId,
          sum: s.sum,
          partition: reports[i]?.partition ?? 0,
          offset: reports[i]?.offset ?? 0n,
        })),
      );
    } finally {
      await store.close();
    }
    const groupId = unique("group");
    // The group has no committed offset, so the next member reads all 50 again.
    const lagBefore = await admin.lag(groupId, [topic]);
    expect(lagBefore.reduce((n, p) => n + p.lag, 0n)).toBe(50n);
    const app = await start(topic, groupId);
    await exactly(app, totalOf(sums), sums.length);
    await eventually("group caught up", async () => {
      const lag = await admin.lag(groupId, [topic]);
      return lag.every((p) => p.lag === 0n) ? true : undefined;
    });
    expect(await restTotal(app)).toMatchObject({
      total: totalOf(sums).toString(),
      message_count: "50",
    });
    await stop(app);
  }, 120_000);

  test("a whole topic redelivered (a new group reading from the start) adds nothing", async () => {
    const topic = unique("replay");
    topics.push(topic);
    const sums = Array.from({ length: 40 }, (_, i) => newSum(i + 1));
    const first = await start(topic);
    await produceSums(kafka, topic, sums);
    await exactly(first, totalOf(sums), sums.length);
    await stop(first);

    const replayGroup = unique("group");
    const replay = await start(topic, replayGroup);
    const admin = await kafka.admin();
    await eventually(
      "replay group read every record",
      async () => {
        const lag = await admin.lag(replayGroup, [topic]);
        return lag.every((p) => p.committed >= 0n && p.lag === 0n) ? true : undefined;
      },
      60_000,
    );
    expect(await restTotal(replay)).toMatchObject({
      total: totalOf(sums).toString(),
      message_count: String(sums.length),
    });
    await stop(replay);
  }, 120_000);
});

describe("consumer group", () => {
  test("two instances in one group split the partitions and keep a burst of 500 exact", async () => {
    const topic = unique("group");
    topics.push(topic);
    const admin = await kafka.admin();
    await admin.createTopics([{ topic, partitions: 4 }]);
    const groupId = unique("group");
    const a = await start(topic, groupId);
    const b = await start(topic, groupId);
    // b's join rebalanced a; wait for the group to settle before the burst.
    await Bun.sleep(2000);
    const sums = Array.from({ length: 500 }, (_, i) => newSum((i % 2 ? -1 : 1) * (i * 1_000 + 1)));
    await produceSums(kafka, topic, sums);
    await exactly(a, totalOf(sums), 500, 90_000);
    expect(await restTotal(b)).toEqual(await restTotal(a));
    const [pa, pb] = [a.consumer.partitions(), b.consumer.partitions()];
    expect(pa.length).toBeGreaterThan(0);
    expect(pb.length).toBeGreaterThan(0);
    expect([...new Set([...pa, ...pb])].sort()).toEqual([0, 1, 2, 3]);
    expect(pa.filter((p) => pb.includes(p))).toEqual([]);
    await Promise.all([stop(a), stop(b)]);
  }, 180_000);
});
