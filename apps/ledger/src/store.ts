// Postings in PostgreSQL. One transaction writes the entry, its lines, the new balances and
// the EntryPosted outbox row, so the event exists exactly when the posting does.
import { randomUUID } from "node:crypto";
import { enqueue } from "@obs/outbox";
import { eventCodec } from "@obs/proto";
import { AppError } from "@obs/service";
import { asc, eq, inArray, sql } from "drizzle-orm";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import {
  type Account,
  applyLines,
  type Entry,
  entryPostedEvent,
  fingerprint,
  firstCurrencies,
  type NewEntry,
} from "./entry.ts";
import * as schema from "./schema.ts";
import { accounts, entries, entryLines, outbox } from "./schema.ts";

const codec = eventCodec<ReturnType<typeof entryPostedEvent>>("ledger.v1.EntryPosted");

export interface PostResult {
  entry: Entry;
  /** false when the same entry had been posted before (an idempotent retry). */
  created: boolean;
}

export interface Store {
  /** The pool, shared with the outbox relay. */
  sql: postgres.Sql;
  postEntry(entry: NewEntry, topic: string): Promise<PostResult>;
  getEntry(entryId: string): Promise<Entry | undefined>;
  getAccounts(accountIds: string[]): Promise<Account[]>;
  /** Throws when the database is unreachable; for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

type Db = PostgresJsDatabase<typeof schema>;
type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

async function loadEntry(
  db: Db | Tx,
  entryId: string,
): Promise<(Entry & { fingerprint: string }) | undefined> {
  const [row] = await db.select().from(entries).where(eq(entries.entryId, entryId));
  if (!row) return undefined;
  const lines = await db
    .select()
    .from(entryLines)
    .where(eq(entryLines.entryId, entryId))
    .orderBy(asc(entryLines.lineNo));
  return {
    entryId: row.entryId,
    description: row.description,
    postedAt: row.postedAt,
    fingerprint: row.fingerprint,
    lines: lines.map((l) => ({
      accountId: l.accountId,
      currency: l.currency,
      amountMinor: l.amountMinor,
      minBalanceMinor: l.minBalanceMinor,
    })),
  };
}

export function createStore(url: string, options: { maxConnections?: number } = {}): Store {
  const client = postgres(url, {
    max: options.maxConnections ?? 10,
    onnotice: () => {},
    // A dead database must fail /readyz and requests quickly, not hang them.
    connect_timeout: 5,
  });
  const db: Db = drizzle(client, { schema });

  async function post(entry: NewEntry, topic: string): Promise<PostResult> {
    const print = fingerprint(entry);
    return db.transaction(async (tx) => {
      // The entry row first: a concurrent post of the same id waits here, then sees it.
      const [inserted] = await tx
        .insert(entries)
        .values({ entryId: entry.entryId, description: entry.description, fingerprint: print })
        .onConflictDoNothing()
        .returning({ postedAt: entries.postedAt });
      if (!inserted) {
        const stored = await loadEntry(tx, entry.entryId);
        if (!stored) throw new Error(`entry ${entry.entryId} conflicted but is not there`);
        if (stored.fingerprint !== print)
          throw AppError.alreadyExists(
            `entry ${entry.entryId} already exists with different content`,
          );
        const { fingerprint: _, ...same } = stored;
        return { entry: same, created: false };
      }

      // Accounts are created by their first posting and locked in account-id order, so two
      // postings touching the same accounts queue instead of deadlocking.
      const currencies = firstCurrencies(entry.lines);
      const ids = [...currencies.keys()].sort();
      await tx
        .insert(accounts)
        .values(ids.map((accountId) => ({ accountId, currency: currencies.get(accountId) ?? "" })))
        .onConflictDoNothing();
      const locked = await tx
        .select()
        .from(accounts)
        .where(inArray(accounts.accountId, ids))
        .orderBy(asc(accounts.accountId))
        .for("update");
      const after = applyLines(new Map(locked.map((a) => [a.accountId, a])), entry.lines);

      for (const account of after.values())
        await tx
          .update(accounts)
          .set({ balanceMinor: account.balanceMinor, updatedAt: sql`now()` })
          .where(eq(accounts.accountId, account.accountId));
      await tx
        .insert(entryLines)
        .values(entry.lines.map((line, lineNo) => ({ entryId: entry.entryId, lineNo, ...line })));

      const posted: Entry = { ...entry, postedAt: inserted.postedAt };
      const balances = [...after.values()].sort((a, b) => (a.accountId < b.accountId ? -1 : 1));
      await enqueue(tx, outbox, {
        topic,
        // One account's events stay in order on one partition (seed 000's keying).
        key: entry.lines[0]?.accountId ?? entry.entryId,
        value: codec.encode(entryPostedEvent(randomUUID(), posted, balances)),
        contentType: codec.contentType,
      });
      return { entry: posted, created: true };
    });
  }

  return {
    sql: client,
    async postEntry(entry, topic) {
      try {
        return await post(entry, topic);
      } catch (error) {
        // The lock order rules deadlocks out; should Postgres still pick this transaction as a
        // deadlock victim, it rolled back entirely, so running it again is safe.
        if ((error as { code?: string }).code === "40P01") return post(entry, topic);
        throw error;
      }
    },
    async getEntry(entryId) {
      const stored = await loadEntry(db, entryId);
      if (!stored) return undefined;
      const { fingerprint: _, ...entry } = stored;
      return entry;
    },
    async getAccounts(accountIds) {
      if (accountIds.length === 0) return [];
      return db
        .select({
          accountId: accounts.accountId,
          currency: accounts.currency,
          balanceMinor: accounts.balanceMinor,
        })
        .from(accounts)
        .where(inArray(accounts.accountId, accountIds))
        .orderBy(asc(accounts.accountId));
    },
    async ping() {
      await db.execute(sql`select 1`);
    },
    close: () => client.end({ timeout: 5 }),
  };
}
