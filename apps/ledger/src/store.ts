// Postings in PostgreSQL. One transaction writes the entry, its lines, the new balances and
// the EntryPosted outbox row, so the event exists exactly when the posting does. The posting
// is the hot path, written in postgres.js directly; reads go through drizzle.
import { randomUUID } from "node:crypto";
import { closePool, createPool, pingPool, sqlStateOf } from "@obs/db";
import { enqueueSql } from "@obs/outbox";
import { eventCodec } from "@obs/proto";
import type { EntryPosted__Input } from "@obs/proto/gen/ledger/v1/EntryPosted.ts";
import { AppError } from "@obs/service";
import { asc, eq, inArray } from "drizzle-orm";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type postgres from "postgres";
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

const codec = eventCodec<EntryPosted__Input>("ledger.v1.EntryPosted");

export interface PostResult {
  entry: Entry;
  /** false when the same entry had been posted before (an idempotent retry). */
  created: boolean;
}

export interface Store {
  /** The request pool. */
  sql: postgres.Sql;
  /**
   * The outbox relay's own pool: a publishing backlog (or a broker outage holding claimed
   * rows' transactions open until the send times out) must not starve postings of connections.
   */
  relaySql: postgres.Sql;
  postEntry(entry: NewEntry, topic: string): Promise<PostResult>;
  getEntry(entryId: string): Promise<Entry | undefined>;
  getAccounts(accountIds: string[]): Promise<Account[]>;
  /** Throws when the database is unreachable; for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown inside the posting transaction to roll it back when the entry id is taken. */
const ENTRY_TAKEN = new Error("entry id taken");

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

/** The store's request pool, raw and through drizzle. */
export interface Pools {
  client: postgres.Sql;
  db: Db;
}

/**
 * One posting transaction in four round trips: BEGIN; the entry row, the accounts' rows and
 * their locks (pipelined); the balances, lines and outbox row (pipelined); COMMIT. Plain
 * postgres.js queries are prepared statements, which drizzle's unnamed queries are not.
 * undefined when the entry id was already taken: the caller reads what is stored.
 */
async function insertNew(
  { client }: Pools,
  entry: NewEntry,
  topic: string,
  print: string,
): Promise<Entry | undefined> {
  const currencies = firstCurrencies(entry.lines);
  // Accounts are created by their first posting and locked in account-id order, so two
  // postings touching the same accounts queue instead of deadlocking.
  const ids = [...currencies.keys()].sort();
  const posting = client.begin(async (tx) => {
    // The entry row first: a concurrent post of the same id waits here, then sees it.
    const [inserted, , locked] = await Promise.all([
      tx<{ posted_at: Date | string }[]>`
        insert into ledger.entries (entry_id, description, fingerprint)
        values (${entry.entryId}, ${entry.description}, ${print})
        on conflict do nothing returning posted_at`,
      tx`
        insert into ledger.accounts (account_id, currency)
        select * from unnest(${ids}::text[], ${ids.map((id) => currencies.get(id) ?? "")}::text[])
        on conflict do nothing`,
      tx<{ account_id: string; currency: string; balance_minor: string }[]>`
        select account_id, currency, balance_minor from ledger.accounts
        where account_id = any(${ids}::text[]) order by account_id for update`,
    ]);
    const [row] = inserted;
    // Rolled back: the account rows opened alongside must not outlive a refused posting.
    if (!row) throw ENTRY_TAKEN;
    const after = applyLines(
      new Map(
        locked.map((a) => [
          a.account_id,
          {
            accountId: a.account_id,
            currency: a.currency,
            balanceMinor: BigInt(a.balance_minor),
          },
        ]),
      ),
      entry.lines,
    );
    const balances = [...after.values()].sort((x, y) => (x.accountId < y.accountId ? -1 : 1));
    // drizzle has made the shared client return timestamps as text.
    const posted: Entry = { ...entry, postedAt: new Date(row.posted_at) };
    const lines = entry.lines;
    await Promise.all([
      tx`
        update ledger.accounts a set balance_minor = v.balance, updated_at = now()
        from unnest(${balances.map((b) => b.accountId)}::text[],
                    ${balances.map((b) => String(b.balanceMinor))}::bigint[]) as v(id, balance)
        where a.account_id = v.id`,
      tx`
        insert into ledger.entry_lines
          (entry_id, line_no, account_id, currency, amount_minor, min_balance_minor)
        select ${entry.entryId}::text, * from unnest(
          ${lines.map((_, i) => i)}::int[],
          ${lines.map((l) => l.accountId)}::text[],
          ${lines.map((l) => l.currency)}::text[],
          ${lines.map((l) => String(l.amountMinor))}::bigint[],
          ${lines.map((l) => (l.minBalanceMinor === null ? null : String(l.minBalanceMinor)))}::bigint[])`,
      enqueueSql(tx, outbox, {
        topic,
        // One account's events stay in order on one partition (seed 000's keying).
        key: lines[0]?.accountId ?? entry.entryId,
        value: codec.encode(entryPostedEvent(randomUUID(), posted, balances)),
        contentType: codec.contentType,
      }),
    ]);
    return posted;
  });
  return posting.catch((error: unknown) => {
    if (error === ENTRY_TAKEN) return undefined;
    throw error;
  });
}

async function post(pools: Pools, entry: NewEntry, topic: string): Promise<PostResult> {
  const print = fingerprint(entry);
  const posted = await insertNew(pools, entry, topic, print);
  if (posted) return { entry: posted, created: true };
  // Committed by the request that took the id (we waited for it on the entry row).
  const stored = await loadEntry(pools.db, entry.entryId);
  if (!stored) throw new Error(`entry ${entry.entryId} conflicted but is not there`);
  if (stored.fingerprint !== print)
    throw AppError.alreadyExists(`entry ${entry.entryId} already exists with different content`);
  const { fingerprint: _, ...same } = stored;
  return { entry: same, created: false };
}

/** A posting, run again once if PostgreSQL chose it as a deadlock victim. */
export async function postEntry(pools: Pools, entry: NewEntry, topic: string): Promise<PostResult> {
  try {
    return await post(pools, entry, topic);
  } catch (error) {
    // The lock order rules deadlocks out; should Postgres still pick this transaction as a
    // deadlock victim, it rolled back entirely, so running it again is safe.
    if (sqlStateOf(error) === "40P01") return post(pools, entry, topic);
    throw error;
  }
}

export async function getEntry({ db }: Pools, entryId: string): Promise<Entry | undefined> {
  const stored = await loadEntry(db, entryId);
  if (!stored) return undefined;
  const { fingerprint: _, ...entry } = stored;
  return entry;
}

export async function getAccounts({ db }: Pools, accountIds: string[]): Promise<Account[]> {
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
}

export function createStore(url: string, options: { maxConnections?: number } = {}): Store {
  // A posting holds its connection for four short round trips; 20 keeps a burst of
  // concurrent postings from queueing in the pool rather than in PostgreSQL's row locks.
  const client = createPool(url, options.maxConnections ?? 20);
  // The relay's pass, its LISTEN connection and the gauges' scrape-time query.
  const relaySql = createPool(url, 3);
  const pools: Pools = { client, db: drizzle(client, { schema }) };
  return {
    sql: client,
    relaySql,
    postEntry: (entry, topic) => postEntry(pools, entry, topic),
    getEntry: (entryId) => getEntry(pools, entryId),
    getAccounts: (accountIds) => getAccounts(pools, accountIds),
    ping: () => pingPool(client),
    async close() {
      await Promise.all([closePool(client), closePool(relaySql)]);
    },
  };
}
