// The outbox table, created in the schema of the app that owns it (ledger.outbox,
// accounts.outbox), so each app's drizzle-kit generates and migrates its own copy.
import { sql } from "drizzle-orm";
import {
  bigserial,
  customType,
  index,
  integer,
  jsonb,
  type PgSchema,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

/**
 * Keys hash into this many shards, fixed in the table (a generated column). A relay's lock
 * groups (`shards` of startOutboxRelay) are `shard % shards`, so one key is always in one
 * group, provided every relay of the table uses the same `shards`.
 */
export const OUTBOX_KEY_SHARDS = 1024;

/** drizzle-orm 0.45 has no bytea column; record values are raw bytes, not text. */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({
  dataType: () => "bytea",
});

/** Stored headers: W3C trace context of the writing request, content-type, anything else. */
export type OutboxHeaders = Record<string, string>;

export function outboxTable(schema: PgSchema) {
  return schema.table(
    "outbox",
    {
      id: bigserial("id", { mode: "bigint" }).primaryKey(),
      topic: text("topic").notNull(),
      key: text("key").notNull(),
      value: bytea("value").notNull(),
      headers: jsonb("headers").$type<OutboxHeaders>().notNull().default({}),
      // hashtext is Postgres' own stable hash, so every writer (any language) agrees on the
      // shard without sharing code; abs() of int4 min overflows, hence the mask.
      shard: integer("shard")
        .notNull()
        .generatedAlwaysAs(
          sql`((hashtext("key") & 2147483647) % ${sql.raw(String(OUTBOX_KEY_SHARDS))})`,
        ),
      createdAt: timestamp("created_at", { withTimezone: true, mode: "date" })
        .notNull()
        .defaultNow(),
      publishedAt: timestamp("published_at", { withTimezone: true, mode: "date" }),
    },
    (table) => [
      // The relay's claim query reads only pending rows, oldest first: a partial index stays
      // as small as the backlog however many published rows accumulate.
      index("outbox_pending_idx").on(table.id).where(sql`${table.publishedAt} is null`),
      // Pruning published rows scans by publication time.
      index("outbox_published_at_idx").on(table.publishedAt),
    ],
  );
}

export type OutboxTable = ReturnType<typeof outboxTable>;
