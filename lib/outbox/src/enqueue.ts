// Writing to the outbox: one row inside the caller's business transaction, so the event exists
// exactly when the change it describes was committed.
import { context, propagation } from "@opentelemetry/api";
import { sql } from "drizzle-orm";
import { getTableConfig, type PgDatabase, type PgQueryResultHKT } from "drizzle-orm/pg-core";
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

/**
 * Adds `message` to the outbox in transaction `tx` and wakes the relays when it commits
 * (NOTIFY is transactional: a rolled-back enqueue wakes nobody). Returns the row id.
 */
export async function enqueue(
  tx: OutboxWriter,
  table: OutboxTable,
  message: OutboxMessage,
): Promise<bigint> {
  const headers: OutboxHeaders = {
    "content-type": message.contentType ?? "application/octet-stream",
    ...traceHeaders(),
    ...message.headers,
  };
  const [row] = await tx
    .insert(table)
    .values({ topic: message.topic, key: message.key, value: message.value, headers })
    .returning({ id: table.id });
  // Postgres folds identical notifications of one transaction into one.
  await tx.execute(sql`select pg_notify(${notifyChannel(table)}, '')`);
  if (!row) throw new Error("outbox insert returned no row");
  return row.id;
}
