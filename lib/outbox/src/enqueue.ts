// Writing to the outbox: one row inside the caller's business transaction, so the event exists
// exactly when the change it describes was committed.
import { context, propagation } from "@opentelemetry/api";
import { sql } from "drizzle-orm";
import { getTableConfig, type PgDatabase, type PgQueryResultHKT } from "drizzle-orm/pg-core";
import type postgres from "postgres";
import type { OutboxHeaders, OutboxTable } from "./table.ts";

export interface OutboxMessage {
  topic: string;
  /** Kafka key: per-key order is kept, and it picks the relay's lock shard. */
  key: string;
  value: Buffer;
  /** Extra headers. Trace context and content-type are added unless given here. */
  headers?: OutboxHeaders;
  /** Default application/octet-stream; event codecs say application/json. */
  contentType?: string;
}

/** A drizzle transaction (or database, though that defeats the purpose) on postgres.js. */
export type OutboxWriter = Pick<PgDatabase<PgQueryResultHKT>, "insert" | "execute">;

/** LISTEN/NOTIFY channel of a table; the relay listens on the same name. */
export function notifyChannel(table: OutboxTable): string {
  const { schema, name } = getTableConfig(table);
  return `outbox:${schema ?? "public"}.${name}`;
}

/**
 * The W3C trace context of the active span (traceparent, tracestate, baggage), so the relay's
 * publish continues the trace of the request that wrote the row, however late it runs.
 */
export function traceHeaders(): OutboxHeaders {
  const carrier: OutboxHeaders = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

function headersOf(message: OutboxMessage): OutboxHeaders {
  return {
    "content-type": message.contentType ?? "application/octet-stream",
    ...traceHeaders(),
    ...message.headers,
  };
}

/**
 * Adds `message` to the outbox in transaction `tx` and wakes the relays when it commits
 * (NOTIFY is transactional: a rolled-back enqueue wakes nobody). Returns the row id.
 */
export async function enqueue(
  tx: OutboxWriter,
  table: OutboxTable,
  message: OutboxMessage,
): Promise<bigint> {
  // The NOTIFY rides on the insert's RETURNING: one statement, one round trip. Postgres folds
  // identical notifications of one transaction into one.
  const [row] = await tx
    .insert(table)
    .values({
      topic: message.topic,
      key: message.key,
      value: message.value,
      headers: headersOf(message),
    })
    .returning({ id: table.id, notified: sql`pg_notify(${notifyChannel(table)}, '')` });
  if (!row) throw new Error("outbox insert returned no row");
  return row.id;
}

/**
 * enqueue() for a postgres.js transaction (`sql.begin`), for writers that use postgres.js
 * directly: the statement is prepared once per connection, and it can be pipelined with the
 * transaction's other statements.
 */
export async function enqueueSql(
  tx: postgres.TransactionSql,
  table: OutboxTable,
  message: OutboxMessage,
): Promise<bigint> {
  const { schema, name } = getTableConfig(table);
  const [row] = await tx<{ id: string }[]>`
    insert into ${tx(`${schema ?? "public"}.${name}`)} (topic, key, value, headers)
    values (${message.topic}, ${message.key}, ${message.value}, ${JSON.stringify(headersOf(message))}::jsonb)
    returning id, pg_notify(${notifyChannel(table)}, '')`;
  if (!row) throw new Error("outbox insert returned no row");
  return BigInt(row.id);
}
