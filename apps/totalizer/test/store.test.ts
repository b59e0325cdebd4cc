// The store against the real PostgreSQL: exactly-once in effect is a property of one
// transaction, so it is tested here directly, without Kafka.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { isPermanentDbError } from "@obs/db";
import { ensureInfra } from "../../../test/support/infra.ts";
import { createStore, type Store, type SumRecord } from "../src/store.ts";
import { migrateTestDatabase, TEST_DATABASE_URL, unique } from "./support.ts";

let store: Store;

beforeAll(async () => {
  await ensureInfra();
  await migrateTestDatabase();
  store = createStore(TEST_DATABASE_URL);
}, 600_000);

afterAll(() => store?.close());

let offset = 0n;
const record = (messageId: string, sum: bigint, partition = 0): SumRecord => ({
  messageId,
  sum,
  partition,
  offset: offset++,
});

describe("store", () => {
  test("an unknown topic has a zero total and no update time", async () => {
    expect(await store.getTotal(unique("empty"))).toEqual({
      total: 0n,
      messageCount: 0n,
      updatedAt: null,
    });
  });

  test("applies a batch and adds a later one", async () => {
    const topic = unique("store");
    expect(await store.applyBatch(topic, [record("a", 5n), record("b", -2n)])).toEqual({
      applied: 2,
      duplicates: 0,
    });
    await store.applyBatch(topic, [record("c", 10n)]);
    const total = await store.getTotal(topic);
    expect(total.total).toBe(13n);
    expect(total.messageCount).toBe(3n);
    expect(total.updatedAt).toBeInstanceOf(Date);
  });

  test("a redelivered batch adds nothing", async () => {
    const topic = unique("store");
    const batch = [record("a", 7n), record("b", 8n)];
    await store.applyBatch(topic, batch);
    // As after a crash between the database commit and the offset commit.
    expect(await store.applyBatch(topic, batch)).toEqual({ applied: 0, duplicates: 2 });
    expect(await store.getTotal(topic)).toMatchObject({ total: 15n, messageCount: 2n });
  });

  test("a message id twice in one batch counts once, whatever its offsets", async () => {
    const topic = unique("store");
    expect(
      await store.applyBatch(topic, [record("a", 3n), record("a", 3n), record("b", 1n)]),
    ).toEqual({ applied: 2, duplicates: 1 });
    expect(await store.getTotal(topic)).toMatchObject({ total: 4n, messageCount: 2n });
  });

  test("totals are per topic", async () => {
    const [one, two] = [unique("store"), unique("store")];
    await store.applyBatch(one, [record("same-id", 1n)]);
    await store.applyBatch(two, [record("same-id", 100n)]);
    expect((await store.getTotal(one)).total).toBe(1n);
    expect((await store.getTotal(two)).total).toBe(100n);
  });

  test("concurrent overlapping batches (two members during a rebalance) count each id once", async () => {
    const topic = unique("store");
    const ids = Array.from({ length: 200 }, (_, i) => `m${i}`);
    // Each member holds an overlapping half, in opposite orders: the store must neither
    // deadlock nor double count.
    const first = ids.slice(0, 140).map((id, i) => record(id, BigInt(i + 1)));
    const second = ids
      .slice(60)
      .reverse()
      .map((id) => record(id, BigInt(ids.indexOf(id) + 1)));
    const results = await Promise.all([
      store.applyBatch(topic, first),
      store.applyBatch(topic, second),
    ]);
    expect(results[0].applied + results[1].applied).toBe(200);
    expect(await store.getTotal(topic)).toMatchObject({
      total: BigInt((200 * 201) / 2),
      messageCount: 200n,
    });
  });

  test("a total that would leave int64 fails permanently and changes nothing", async () => {
    const topic = unique("store");
    await store.applyBatch(topic, [record("max", 2n ** 63n - 1n)]);
    const error = await store.applyBatch(topic, [record("one-more", 1n)]).catch((e) => e);
    expect(isPermanentDbError(error)).toBe(true);
    // The dedup row rolled back with the total: the message is not marked as counted.
    expect(await store.getTotal(topic)).toMatchObject({
      total: 2n ** 63n - 1n,
      messageCount: 1n,
    });
    expect(await store.applyBatch(topic, [record("small", -1n)])).toEqual({
      applied: 1,
      duplicates: 0,
    });
  });

  test("ping answers while the database is up", async () => {
    await store.ping();
    const down = createStore("postgres://postgres@127.0.0.1:1/none");
    try {
      await expect(down.ping()).rejects.toThrow();
    } finally {
      await down.close();
    }
  });
});
