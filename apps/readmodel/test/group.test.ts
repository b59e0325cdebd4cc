// Redelivery, ordering across partitions and the consumer group, against the real broker and
// PostgreSQL.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Kafka } from "@obs/kafka";
import { ensureInfra, eventually } from "../../../test/support/infra.ts";
import type { ReadModel } from "../src/app.ts";
import { decodeEntryPosted } from "../src/events.ts";
import { createStore } from "../src/store.ts";
import {
  allStatementLines,
  allTopics,
  balancesMatch,
  entryCodec,
  migrateTestDatabase,
  newAccountId,
  produceEntries,
  restBalance,
  startTestReadModel,
  TEST_DATABASE_URL,
  TestLedger,
  type TestTopics,
  testKafka,
  unique,
  uniqueTopics,
} from "./support.ts";

let kafka: Kafka;
const topics: TestTopics[] = [];
const running = new Set<ReadModel>();

beforeAll(async () => {
  await ensureInfra();
  await migrateTestDatabase();
  kafka = await testKafka();
}, 600_000);

afterAll(async () => {
  await Promise.all([...running].map((app) => app.stop()));
  const admin = await kafka?.admin();
  await admin?.deleteTopics(allTopics(topics));
  await kafka?.close();
}, 60_000);

async function newTopics(entryPartitions = 3): Promise<TestTopics> {
  const t = uniqueTopics();
  topics.push(t);
  const admin = await kafka.admin();
  await admin.createTopics([
    { topic: t.entries, partitions: entryPartitions },
    { topic: t.accounts, partitions: 1 },
  ]);
  return t;
}

async function start(t: TestTopics, groupId?: string): Promise<ReadModel> {
  const app = await startTestReadModel({ topics: t, ...(groupId ? { groupId } : {}) });
  running.add(app);
  await app.consumer.consumer.ready;
  return app;
}

async function stop(app: ReadModel): Promise<void> {
  await app.stop();
  running.delete(app);
}

/** Random transfers among `accounts`, never from an account to itself. */
function randomTransfers(ledger: TestLedger, accounts: string[], count: number) {
  return Array.from({ length: count }, () => {
    const from = Math.floor(Math.random() * accounts.length);
    const to = (from + 1 + Math.floor(Math.random() * (accounts.length - 1))) % accounts.length;
    return ledger.transfer(
      accounts[from] ?? "",
      accounts[to] ?? "",
      1 + Math.floor(Math.random() * 100_000),
    );
  });
}

async function groupCaughtUp(groupId: string, t: TestTopics): Promise<void> {
  const admin = await kafka.admin();
  await eventually(
    `group ${groupId} caught up`,
    async () => {
      const lag = await admin.lag(groupId, [t.entries]);
      // An empty partition (keys are accounts: few keys may miss one) never gets a commit.
      return lag.every((p) => p.lag === 0n) ? true : undefined;
    },
    60_000,
  );
}

describe("redelivery", () => {
  test("a member that crashed after its database commit but before its offset commit: the redelivery changes nothing", async () => {
    const t = await newTopics();
    const accounts = Array.from({ length: 4 }, newAccountId);
    const ledger = new TestLedger();
    const events = randomTransfers(ledger, accounts, 50);
    const reports = await produceEntries(kafka, t.entries, events);
    // The crashed member's last act: the first 30 events projected, no offset committed.
    const store = createStore(TEST_DATABASE_URL);
    try {
      await store.applyBatch(
        events.slice(0, 30).map((event, i) => ({
          event: decodeEntryPosted(entryCodec.encode(event)),
          topic: t.entries,
          partition: reports[i]?.partition ?? 0,
          offset: reports[i]?.offset ?? 0n,
        })),
      );
    } finally {
      await store.close();
    }
    const groupId = unique("group");
    // The group has no committed offset, so the next member reads all 50 again.
    const admin = await kafka.admin();
    const lagBefore = await admin.lag(groupId, [t.entries]);
    expect(lagBefore.reduce((n, p) => n + p.lag, 0n)).toBe(50n);
    const app = await start(t, groupId);
    await balancesMatch(app, ledger.balances);
    await groupCaughtUp(groupId, t);
    for (const account of accounts) {
      expect((await restBalance(app, account)).body.balance_minor).toBe(
        String(ledger.balances.get(account)),
      );
      expect(await allStatementLines(app, account)).toHaveLength(
        ledger.statements.get(account)?.length ?? -1,
      );
    }
    await stop(app);
  }, 120_000);

  test("a whole topic redelivered (a new group reading from the start) changes nothing", async () => {
    const t = await newTopics();
    const accounts = Array.from({ length: 3 }, newAccountId);
    const ledger = new TestLedger();
    const first = await start(t);
    await produceEntries(kafka, t.entries, randomTransfers(ledger, accounts, 40));
    await balancesMatch(first, ledger.balances);
    await stop(first);

    const replayGroup = unique("group");
    const replay = await start(t, replayGroup);
    await groupCaughtUp(replayGroup, t);
    for (const account of accounts)
      expect((await restBalance(replay, account)).body.balance_minor).toBe(
        String(ledger.balances.get(account)),
      );
    await stop(replay);
  }, 120_000);
});

describe("ordering", () => {
  test("entries arriving out of order across partitions give the same balances and statements", async () => {
    const t = await newTopics(3);
    const accounts = Array.from({ length: 4 }, newAccountId);
    const ledger = new TestLedger();
    const events = randomTransfers(ledger, accounts, 60);
    // Later postings first, spread over the partitions round-robin: every account's entries
    // arrive reversed and interleaved across partitions.
    await produceEntries(kafka, t.entries, [...events].reverse(), [0, 1, 2]);
    const app = await start(t);
    await balancesMatch(app, ledger.balances);
    for (const account of accounts) {
      const lines = await allStatementLines(app, account, 7);
      // The statement is in posting order whatever the arrival order, with the ledger's
      // running balance on each line.
      expect(lines.map((l) => [l.entry_id, l.amount_minor, l.balance_after_minor])).toEqual(
        (ledger.statements.get(account) ?? []).map((l) => [
          l.entryId,
          l.amount.toString(),
          l.after.toString(),
        ]),
      );
    }
    await stop(app);
  }, 120_000);
});

describe("consumer group", () => {
  test("two instances in one group split the partitions and keep a burst of 500 exact", async () => {
    const t = await newTopics(4);
    const groupId = unique("group");
    const a = await start(t, groupId);
    const b = await start(t, groupId);
    // b's join rebalanced a; wait for the group to settle before the burst.
    await Bun.sleep(2000);
    // Records are keyed by account: 40 keys all but surely reach each of the 4 partitions.
    const accounts = Array.from({ length: 40 }, newAccountId);
    const ledger = new TestLedger();
    await produceEntries(kafka, t.entries, randomTransfers(ledger, accounts, 500));
    await balancesMatch(a, ledger.balances, 90_000);
    for (const account of accounts)
      expect((await restBalance(b, account)).body).toEqual((await restBalance(a, account)).body);
    const total = [...ledger.balances.values()].reduce((n, v) => n + v, 0n);
    expect(total).toBe(0n);
    const entryPartitions = (app: ReadModel) =>
      app.consumer
        .partitions()
        .filter((p) => p.startsWith(`${t.entries}:`))
        .map((p) => Number(p.slice(t.entries.length + 1)));
    const [pa, pb] = [entryPartitions(a), entryPartitions(b)];
    expect(pa.length).toBeGreaterThan(0);
    expect(pb.length).toBeGreaterThan(0);
    expect([...new Set([...pa, ...pb])].sort()).toEqual([0, 1, 2, 3]);
    expect(pa.filter((p) => pb.includes(p))).toEqual([]);
    await Promise.all([stop(a), stop(b)]);
  }, 180_000);
});
