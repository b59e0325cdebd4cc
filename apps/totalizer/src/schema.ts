// The totalizer's tables, in its own PostgreSQL schema. drizzle-kit generates the migrations in
// ../drizzle from this file (`bun run db:generate`); `bun run migrate` applies them.
import { sql } from "drizzle-orm";
import { bigint, index, integer, pgSchema, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

export const totalizerSchema = pgSchema("totalizer");

/**
 * One running total per source topic. Keyed by topic rather than a single row so that a
 * totalizer pointed at another topic (tests, a replay topic) never mixes into the real total.
 */
export const totals = totalizerSchema.table("totals", {
  topic: text("topic").primaryKey(),
  // int64 as the API promises; the sum of int64 sums that overflows is refused by Postgres.
  total: bigint("total", { mode: "bigint" }).notNull().default(sql`0`),
  messageCount: bigint("message_count", { mode: "bigint" }).notNull().default(sql`0`),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

/**
 * Every SumMessage already counted, by the producer's idempotency key. A row is written in the
 * same transaction as the total it moved, so "counted" and "recorded here" can never disagree:
 * a redelivered message (consumer crash before the offset commit, rebalance, producer retry
 * that landed at another offset) finds its row and adds nothing.
 */
export const processedMessages = totalizerSchema.table(
  "processed_messages",
  {
    topic: text("topic").notNull(),
    messageId: text("message_id").notNull(),
    // Where it was first read from: for tracing a number back to a record with kcat.
    partition: integer("partition").notNull(),
    offset: bigint("offset", { mode: "bigint" }).notNull(),
    sum: bigint("sum", { mode: "bigint" }).notNull(),
    processedAt: timestamp("processed_at", { withTimezone: true, mode: "date" })
      .notNull()
      .defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.topic, table.messageId] }),
    // Pruning deduplication rows older than the topic's retention scans by age.
    index("processed_messages_processed_at_idx").on(table.processedAt),
  ],
);
