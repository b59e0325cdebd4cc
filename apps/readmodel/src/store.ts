// The projection in PostgreSQL. A batch of events is applied in one statement: it records
// each event id, inserts the statement lines of the events that were new, and moves balances
// by the lines actually inserted. A redelivered event therefore changes nothing, and a crash
// between "applied" and "offset committed" cannot apply anything twice.
import { closePool, createPool, pingPool } from "@obs/db";
import { and, asc, eq, sql } from "drizzle-orm";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type postgres from "postgres";
import { compare, type ReadModelEvent } from "./events.ts";
import * as schema from "./schema.ts";
import { balances, statementLines } from "./schema.ts";

export interface EventRecord {
  event: ReadModelEvent;
  topic: string;
  partition: number;
  offset: bigint;
}

export interface ApplyResult {
  /** Events projected by this call. */
  applied: number;
  /** Events already projected before (or twice in this batch), skipped. */
  duplicates: number;
}

export interface BalanceRow {
  accountId: string;
  currency: string;
  balanceMinor: bigint;
  updatedAt: Date;
}

export interface StatementRow {
  entryId: string;
  accountId: string;
  currency: string;
  amountMinor: bigint;
  balanceAfterMinor: bigint;
  description: string;
  postedAt: Date;
}

/** Where a statement page resumes: strictly after this (posted_at, entry_id). */
export interface StatementCursor {
  postedAt: Date;
  entryId: string;
}

export interface Store {
  applyBatch(records: EventRecord[]): Promise<ApplyResult>;
  getBalance(accountId: string): Promise<BalanceRow | undefined>;
  /** Lines of one account in posting order (ties by entry id). */
  listStatements(
    accountId: string,
    page: { limit: number; after?: StatementCursor },
  ): Promise<StatementRow[]>;
  /** Throws when the database is unreachable; for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The store's connections: the pool for raw statements, and drizzle over it. */
export interface Pools {
  client: postgres.Sql;
  db: PostgresJsDatabase<typeof schema>;
}

export async function applyBatch({ client }: Pools, records: EventRecord[]): Promise<ApplyResult> {
  // First occurrence wins. Every insert below is sorted by its key, so concurrent batches
  // (two partitions, two members during a rebalance) take row locks in the same order and
  // cannot deadlock each other.
  const unique = [...new Map(records.map((r) => [r.event.eventId, r] as const)).values()].sort(
    (a, b) => compare(a.event.eventId, b.event.eventId),
  );
  if (unique.length === 0) return { applied: 0, duplicates: records.length };
  const events = unique.map((r) => ({
    event_id: r.event.eventId,
    topic: r.topic,
    part: r.partition,
    off: r.offset.toString(),
  }));
  const lines = unique
    .flatMap(({ event: e }) =>
      e.kind === "entry"
        ? e.lines.map((line) => ({
            entry_id: e.entryId,
            account_id: line.accountId,
            currency: line.currency,
            amount_minor: line.amountMinor.toString(),
            balance_after_minor: line.balanceAfterMinor.toString(),
            description: e.description,
            posted_at: e.postedAt.toISOString(),
            event_id: e.eventId,
          }))
        : [],
    )
    .sort((a, b) => compare(a.entry_id, b.entry_id) || compare(a.account_id, b.account_id));
  const opened = unique
    .flatMap(({ event: e }) =>
      e.kind === "account"
        ? [{ account_id: e.accountId, currency: e.currency, event_id: e.eventId }]
        : [],
    )
    .sort((a, b) => compare(a.account_id, b.account_id));
  // One statement — its own transaction, one round trip — instead of BEGIN, three or four
  // inserts and COMMIT per batch: record the event ids, insert the lines of the events
  // that were new, move each balance by the lines actually inserted (an entry seen before
  // under another event id adds no line and so no money), and create the balance rows of
  // newly opened accounts. Balances are one insert, so no row is touched twice in the
  // statement; an opening (delta 0) never updates a row that entries already created.
  // Every insert is ordered by its key, so concurrent batches lock rows in the same order.
  // The rows travel as JSON parameters: the same prepared statement for any batch size.
  const [row] = await client<{ applied: number }[]>`
    with new_events as (
      insert into readmodel.processed_events (event_id, topic, partition, "offset")
      select e.event_id, e.topic, e.part, e.off
      from jsonb_to_recordset(${JSON.stringify(events)}::jsonb)
        as e(event_id text, topic text, part int, off bigint)
      order by e.event_id
      on conflict do nothing
      returning event_id
    ),
    new_lines as (
      insert into readmodel.statement_lines
        (entry_id, account_id, currency, amount_minor, balance_after_minor, description,
         posted_at, event_id)
      select l.entry_id, l.account_id, l.currency, l.amount_minor, l.balance_after_minor,
             l.description, l.posted_at, l.event_id
      from jsonb_to_recordset(${JSON.stringify(lines)}::jsonb)
        as l(entry_id text, account_id text, currency text, amount_minor bigint,
             balance_after_minor bigint, description text, posted_at timestamptz,
             event_id text)
      where l.event_id in (select event_id from new_events)
      order by l.entry_id, l.account_id
      on conflict do nothing
      returning account_id, currency, amount_minor
    ),
    moves as (
      select account_id, min(currency) as currency, sum(amount_minor) as delta, true as moved
      from new_lines group by account_id
      union all
      select o.account_id, o.currency, 0, false
      from jsonb_to_recordset(${JSON.stringify(opened)}::jsonb)
        as o(account_id text, currency text, event_id text)
      where o.event_id in (select event_id from new_events)
        and o.account_id not in (select account_id from new_lines)
    ),
    balanced as (
      insert into readmodel.balances as b (account_id, currency, balance_minor)
      select account_id, currency, delta from moves order by account_id
      on conflict (account_id) do update set
        balance_minor = b.balance_minor + excluded.balance_minor,
        updated_at = now()
      where excluded.balance_minor <> 0
      returning 1
    )
    select count(*)::int as applied from new_events`;
  const applied = row?.applied ?? 0;
  return { applied, duplicates: records.length - applied };
}

export async function getBalance(
  { db }: Pools,
  accountId: string,
): Promise<BalanceRow | undefined> {
  const [row] = await db.select().from(balances).where(eq(balances.accountId, accountId));
  return row;
}

export async function listStatements(
  { db }: Pools,
  accountId: string,
  page: { limit: number; after?: StatementCursor },
): Promise<StatementRow[]> {
  const after = page.after
    ? sql`(${statementLines.postedAt}, ${statementLines.entryId}) > (${page.after.postedAt.toISOString()}::timestamptz, ${page.after.entryId})`
    : undefined;
  return db
    .select({
      entryId: statementLines.entryId,
      accountId: statementLines.accountId,
      currency: statementLines.currency,
      amountMinor: statementLines.amountMinor,
      balanceAfterMinor: statementLines.balanceAfterMinor,
      description: statementLines.description,
      postedAt: statementLines.postedAt,
    })
    .from(statementLines)
    .where(and(eq(statementLines.accountId, accountId), after))
    .orderBy(asc(statementLines.postedAt), asc(statementLines.entryId))
    .limit(page.limit);
}

export function createStore(url: string, options: { maxConnections?: number } = {}): Store {
  const client = createPool(url, options.maxConnections ?? 5);
  const pools: Pools = { client, db: drizzle(client, { schema }) };
  return {
    applyBatch: (records) => applyBatch(pools, records),
    getBalance: (accountId) => getBalance(pools, accountId),
    listStatements: (accountId, page) => listStatements(pools, accountId, page),
    ping: () => pingPool(client),
    close: () => closePool(client),
  };
}
