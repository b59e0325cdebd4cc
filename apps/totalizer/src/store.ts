// The running total in PostgreSQL. A batch of sums is applied in one transaction that records
// each message id and moves the total by what was new, so a redelivered message adds nothing
// and a crash between "applied" and "offset committed" cannot double count.
import { closePool, createPool, pingPool, sqlStateOf } from "@obs/db";
import { eq } from "drizzle-orm";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type postgres from "postgres";
import * as schema from "./schema.ts";
import { totals } from "./schema.ts";

export interface SumRecord {
  /** The producer's idempotency key. */
  messageId: string;
  sum: bigint;
  partition: number;
  offset: bigint;
}

export interface TotalSnapshot {
  total: bigint;
  messageCount: bigint;
  /** null until the first message was counted. */
  updatedAt: Date | null;
}

export interface ApplyResult {
  /** Messages counted by this call. */
  applied: number;
  /** Messages already counted before (or twice in this batch), skipped. */
  duplicates: number;
}

/**
 * The running total is an int64 (as the API promises): a sum that would take it beyond
 * ±9223372036854775807 cannot be counted. The consumer isolates the message (its batch-mates
 * are counted) and dead-letters it with this reason; it can be replayed from the DLQ once the
 * total has room.
 */
export class TotalOverflowError extends Error {
  override name = "TotalOverflowError";
  readonly code = "TOTAL_OVERFLOW";
}

/** numeric_value_out_of_range: the only value this statement can overflow is the total. */
const NUMERIC_OUT_OF_RANGE = "22003";

export interface Store {
  applyBatch(topic: string, records: SumRecord[]): Promise<ApplyResult>;
  getTotal(topic: string): Promise<TotalSnapshot>;
  /** Throws when the database is unreachable; for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The store's connections: the pool for raw statements, and drizzle over it. */
export interface Pools {
  client: postgres.Sql;
  db: PostgresJsDatabase<typeof schema>;
}

export async function applyBatch(
  { client }: Pools,
  topic: string,
  records: SumRecord[],
): Promise<ApplyResult> {
  // First occurrence wins; sorted so concurrent batches lock unique-index keys in the same
  // order and cannot deadlock each other.
  const unique = [...new Map(records.map((r) => [r.messageId, r] as const)).values()].sort(
    (a, b) => (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0),
  );
  if (unique.length === 0) return { applied: 0, duplicates: records.length };
  // One statement, so one round trip and its own transaction: record the new message ids,
  // then move the total by exactly what was new. It replaced BEGIN + INSERT + UPSERT +
  // COMMIT (four round trips per batch, on the delivery path). The totals row is still
  // locked last, after the dedup rows, in every batch. The rows travel as one JSON
  // parameter, so the statement text (and postgres.js's prepared statement) is the same
  // for any batch size; int64s go as strings, which PostgreSQL parses exactly.
  const rows = unique.map((r) => ({
    id: r.messageId,
    part: r.partition,
    off: r.offset.toString(),
    sum: r.sum.toString(),
  }));
  const [row] = await client<{ applied: number }[]>`
    with new_rows as (
      insert into totalizer.processed_messages (topic, message_id, partition, "offset", sum)
      select ${topic}, m.id, m.part, m.off, m.sum
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as m(id text, part int, off bigint, sum bigint)
      on conflict do nothing
      returning sum
    ),
    counted as (
      select count(*)::int as applied, coalesce(sum(sum), 0) as delta from new_rows
    ),
    moved as (
      insert into totalizer.totals as t (topic, total, message_count)
      select ${topic}, delta, applied from counted where applied > 0
      on conflict (topic) do update set
        total = t.total + excluded.total,
        message_count = t.message_count + excluded.message_count,
        updated_at = now()
      returning 1
    )
    select applied from counted`.catch((error: unknown) => {
    if (sqlStateOf(error) !== NUMERIC_OUT_OF_RANGE) throw error;
    const only = unique.length === 1 ? unique[0] : undefined;
    throw new TotalOverflowError(
      only
        ? `sum ${only.sum} of message ${only.messageId} would take the total beyond the int64 range`
        : `the ${unique.length} sums of this batch would take the total beyond the int64 range`,
      { cause: error },
    );
  });
  const applied = row?.applied ?? 0;
  return { applied, duplicates: records.length - applied };
}

export async function getTotal({ db }: Pools, topic: string): Promise<TotalSnapshot> {
  const [row] = await db.select().from(totals).where(eq(totals.topic, topic));
  return row
    ? { total: row.total, messageCount: row.messageCount, updatedAt: row.updatedAt }
    : { total: 0n, messageCount: 0n, updatedAt: null };
}

export function createStore(url: string, options: { maxConnections?: number } = {}): Store {
  const client = createPool(url, options.maxConnections ?? 5);
  const pools: Pools = { client, db: drizzle(client, { schema }) };
  return {
    applyBatch: (topic, records) => applyBatch(pools, topic, records),
    getTotal: (topic) => getTotal(pools, topic),
    ping: () => pingPool(client),
    close: () => closePool(client),
  };
}
