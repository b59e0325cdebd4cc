// The read model's tables, in its own PostgreSQL schema. drizzle-kit generates the migrations
// in ../drizzle from this file (`bun run db:generate`); `bun run migrate` applies them.
import { sql } from "drizzle-orm";
import { bigint, index, integer, pgSchema, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

export const readmodelSchema = pgSchema("readmodel");

/**
 * Every event already projected, by its producer's event_id. Written in the same transaction
 * as the rows it moved, so "applied" and "recorded here" cannot disagree: a redelivery (crash
 * before the offset commit, rebalance, a relay that published a row twice) finds its row and
 * changes nothing.
 */
export const processedEvents = readmodelSchema.table(
  "processed_events",
  {
    eventId: text("event_id").primaryKey(),
    // Where it was first read from: to trace a balance back to a record with kcat.
    topic: text("topic").notNull(),
    partition: integer("partition").notNull(),
    offset: bigint("offset", { mode: "bigint" }).notNull(),
    processedAt: timestamp("processed_at", { withTimezone: true, mode: "date" })
      .notNull()
      .defaultNow(),
  },
  // Pruning deduplication rows older than the topics' retention scans by age.
  (table) => [index("processed_events_processed_at_idx").on(table.processedAt)],
);

/**
 * One row per account: created empty by AccountOpened or by the account's first entry,
 * whichever arrives first, and moved only by adding deltas, which commute, so the order in
 * which partitions are consumed cannot change a balance.
 */
export const balances = readmodelSchema.table("balances", {
  accountId: text("account_id").primaryKey(),
  currency: text("currency").notNull(),
  balanceMinor: bigint("balance_minor", { mode: "bigint" }).notNull().default(sql`0`),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

/**
 * An account's share of one ledger entry (several lines of one entry on the same account are
 * netted). The key doubles as a second guard: an entry re-published under a new event_id
 * inserts no line, and balances move only by the lines actually inserted.
 */
export const statementLines = readmodelSchema.table(
  "statement_lines",
  {
    entryId: text("entry_id").notNull(),
    accountId: text("account_id").notNull(),
    currency: text("currency").notNull(),
    amountMinor: bigint("amount_minor", { mode: "bigint" }).notNull(),
    // As the ledger computed it when posting; arrival order here does not affect it.
    balanceAfterMinor: bigint("balance_after_minor", { mode: "bigint" }).notNull(),
    description: text("description").notNull().default(""),
    postedAt: timestamp("posted_at", { withTimezone: true, mode: "date" }).notNull(),
    eventId: text("event_id").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.entryId, table.accountId] }),
    // A statement page: one account, in posting order, resumed after (posted_at, entry_id).
    index("statement_lines_account_posted_idx").on(table.accountId, table.postedAt, table.entryId),
  ],
);
