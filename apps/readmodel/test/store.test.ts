// The projection against the real PostgreSQL: "applied once per event id" and "order does not
// matter" are properties of one transaction, so they are tested here directly, without Kafka.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { isPermanentDbError } from "@obs/db";
import { ensureInfra } from "../../../test/support/infra.ts";
import { decodeAccountOpened, decodeEntryPosted } from "../src/events.ts";
import { createStore, type EventRecord, type Store } from "../src/store.ts";
import {
  accountCodec,
  accountOpened,
  entryCodec,
  migrateTestDatabase,
  newAccountId,
  TEST_DATABASE_URL,
  TestLedger,
} from "./support.ts";

let store: Store;

beforeAll(async () => {
  await ensureInfra();
  await migrateTestDatabase();
  store = createStore(TEST_DATABASE_URL);
}, 600_000);

afterAll(() => store?.close());

let offset = 0n;
const entryRecord = (event: Parameters<typeof entryCodec.encode>[0]): EventRecord => ({
  event: decodeEntryPosted(entryCodec.encode(event)),
  topic: "entries",
  partition: 0,
  offset: offset++,
});
const openRecord = (accountId: string, currency = "USD"): EventRecord => ({
  event: decodeAccountOpened(accountCodec.encode(accountOpened(accountId, currency))),
  topic: "accounts",
  partition: 0,
  offset: offset++,
});

const balanceOf = async (account: string) => (await store.getBalance(account))?.balanceMinor;

describe("store", () => {
  test("an unknown account has no balance and no statement", async () => {
    const account = newAccountId();
    expect(await store.getBalance(account)).toBeUndefined();
    expect(await store.listStatements(account, { limit: 10 })).toEqual([]);
  });

  test("applies entries: balances, and statement lines with the ledger's balance_after", async () => {
    const [a, b] = [newAccountId(), newAccountId()];
    const ledger = new TestLedger("EUR");
    const first = ledger.transfer(a, b, 5000);
    const second = ledger.transfer(b, a, 1200);
    expect(await store.applyBatch([entryRecord(first), entryRecord(second)])).toEqual({
      applied: 2,
      duplicates: 0,
    });
    expect(await store.getBalance(a)).toMatchObject({ currency: "EUR", balanceMinor: -3800n });
    expect(await balanceOf(b)).toBe(3800n);
    const lines = await store.listStatements(a, { limit: 10 });
    expect(lines.map((l) => [l.entryId, l.amountMinor, l.balanceAfterMinor, l.currency])).toEqual([
      [String(first.entry?.entry_id), -5000n, -5000n, "EUR"],
      [String(second.entry?.entry_id), 1200n, -3800n, "EUR"],
    ]);
    expect(lines[0]?.description).toBe("test entry");
    expect(lines[0]?.postedAt).toBeInstanceOf(Date);
  });

  test("a redelivered batch changes nothing", async () => {
    const [a, b] = [newAccountId(), newAccountId()];
    const ledger = new TestLedger();
    const batch = [entryRecord(ledger.transfer(a, b, 7)), entryRecord(ledger.transfer(a, b, 8))];
    await store.applyBatch(batch);
    const before = await store.getBalance(a);
    // As after a crash between the database commit and the offset commit.
    expect(await store.applyBatch(batch)).toEqual({ applied: 0, duplicates: 2 });
    expect(await store.getBalance(a)).toEqual(before);
    expect(before?.balanceMinor).toBe(-15n);
    expect(await store.listStatements(a, { limit: 10 })).toHaveLength(2);
  });

  test("an event id twice in one batch counts once", async () => {
    const [a, b] = [newAccountId(), newAccountId()];
    const event = new TestLedger().transfer(a, b, 42);
    expect(await store.applyBatch([entryRecord(event), entryRecord(event)])).toEqual({
      applied: 1,
      duplicates: 1,
    });
    expect(await balanceOf(b)).toBe(42n);
  });

  test("an entry re-published under a new event id adds no money", async () => {
    const [a, b] = [newAccountId(), newAccountId()];
    const event = new TestLedger().transfer(a, b, 10);
    await store.applyBatch([entryRecord(event)]);
    await store.applyBatch([entryRecord({ ...event, event_id: crypto.randomUUID() })]);
    expect(await balanceOf(a)).toBe(-10n);
    expect(await store.listStatements(a, { limit: 10 })).toHaveLength(1);
  });

  test("the order events arrive in does not change balances or statements", async () => {
    // Two isomorphic sets of accounts fed the same postings, one in posting order and one
    // reversed and split over several batches.
    const one = [newAccountId(), newAccountId(), newAccountId()];
    const two = [newAccountId(), newAccountId(), newAccountId()];
    const [ledger1, ledger2] = [new TestLedger(), new TestLedger()];
    const pairs = Array.from({ length: 30 }, (_, i) => [i % 3, (i + 1) % 3, (i + 1) * 97] as const);
    const events1 = pairs.map(([f, t, n]) => ledger1.transfer(one[f] ?? "", one[t] ?? "", n));
    const events2 = pairs.map(([f, t, n]) => ledger2.transfer(two[f] ?? "", two[t] ?? "", n));
    await store.applyBatch(events1.map(entryRecord));
    const reversed = events2.reverse().map(entryRecord);
    for (let i = 0; i < reversed.length; i += 7) await store.applyBatch(reversed.slice(i, i + 7));
    for (const [i, account] of one.entries()) {
      const expected = ledger1.balances.get(account);
      expect(expected).not.toBe(0n);
      expect(await balanceOf(account)).toBe(expected as bigint);
      expect(await balanceOf(two[i] ?? "")).toBe(expected as bigint);
      const statement1 = await store.listStatements(account, { limit: 100 });
      const statement2 = await store.listStatements(two[i] ?? "", { limit: 100 });
      expect(statement2.map((l) => [l.amountMinor, l.balanceAfterMinor])).toEqual(
        statement1.map((l) => [l.amountMinor, l.balanceAfterMinor]),
      );
      // In posting order, each line's balance_after is the running balance.
      let running = 0n;
      for (const line of statement2) {
        running += line.amountMinor;
        expect(line.balanceAfterMinor).toBe(running);
      }
    }
  });

  test("AccountOpened makes a zero balance, and never resets one entries already moved", async () => {
    const [fresh, early, other] = [newAccountId(), newAccountId(), newAccountId()];
    await store.applyBatch([openRecord(fresh, "GBP")]);
    expect(await store.getBalance(fresh)).toMatchObject({ currency: "GBP", balanceMinor: 0n });
    // The entry overtook the account's AccountOpened (another topic, another partition).
    await store.applyBatch([entryRecord(new TestLedger().transfer(other, early, 300))]);
    await store.applyBatch([openRecord(early)]);
    expect(await balanceOf(early)).toBe(300n);
  });

  test("concurrent overlapping batches (two members during a rebalance) apply each event once", async () => {
    const accounts = Array.from({ length: 5 }, newAccountId);
    const ledger = new TestLedger();
    // The offset 1..4 never makes a transfer from an account to itself.
    const events = Array.from({ length: 200 }, (_, i) =>
      ledger.transfer(accounts[i % 5] ?? "", accounts[(i + 1 + (i % 4)) % 5] ?? "", i + 1),
    );
    const records = events.map(entryRecord);
    // Each member holds an overlapping part, in opposite orders: the store must neither
    // deadlock nor apply twice.
    const results = await Promise.all([
      store.applyBatch(records.slice(0, 140)),
      store.applyBatch(records.slice(60).reverse()),
    ]);
    expect(results[0].applied + results[1].applied).toBe(records.length);
    for (const account of accounts)
      expect(await balanceOf(account)).toBe(ledger.balances.get(account) ?? 0n);
  });

  test("keyset pages follow posting order, then entry id", async () => {
    const [a, b] = [newAccountId(), newAccountId()];
    const ledger = new TestLedger();
    const events = Array.from({ length: 5 }, (_, i) => ledger.transfer(a, b, i + 1));
    await store.applyBatch(events.map(entryRecord));
    const firstPage = await store.listStatements(a, { limit: 2 });
    const last = firstPage.at(-1);
    if (!last) throw new Error("empty page");
    const rest = await store.listStatements(a, { limit: 10, after: last });
    expect([...firstPage, ...rest].map((l) => l.entryId)).toEqual(
      events.map((e) => String(e.entry?.entry_id)),
    );
  });

  test("a balance that would leave int64 fails permanently and changes nothing", async () => {
    const [a, b] = [newAccountId(), newAccountId()];
    const ledger = new TestLedger();
    await store.applyBatch([entryRecord(ledger.transfer(a, b, 2n ** 63n - 1n))]);
    // The ledger would never publish this; its balances_after is patched to stay encodable.
    const overflow = ledger.transfer(a, b, 1);
    for (const balance of overflow.balances_after ?? []) balance.balance_minor = "0";
    const error = await store.applyBatch([entryRecord(overflow)]).catch((e) => e);
    expect(isPermanentDbError(error)).toBe(true);
    // The dedup row and the line rolled back with the balance: nothing is marked applied.
    expect(await balanceOf(b)).toBe(2n ** 63n - 1n);
    expect(await store.listStatements(b, { limit: 10 })).toHaveLength(1);
    // Not recorded as processed either: a retry fails the same way instead of being skipped.
    const retry = await store.applyBatch([entryRecord(overflow)]).catch((e) => e);
    expect(isPermanentDbError(retry)).toBe(true);
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
