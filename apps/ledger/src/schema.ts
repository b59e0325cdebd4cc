// The ledger's tables, in its own PostgreSQL schema. drizzle-kit generates the migrations in
// ../drizzle from this file (`bun run db:generate`); `bun run migrate` applies them.
import { outboxTable } from "@obs/outbox";
import { sql } from "drizzle-orm";
import { bigint, index, integer, pgSchema, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

export const ledgerSchema = pgSchema("ledger");

/**
 * One row per account, created by its first posting. The balance is kept here (not summed
 * from lines) so a posting locks and checks exactly the rows it touches.
 */
export const accounts = ledgerSchema.table("accounts", {
  accountId: text("account_id").primaryKey(),
  // Fixed by the first posting: every later line must be in it.
  currency: text("currency").notNull(),
  balanceMinor: bigint("balance_minor", { mode: "bigint" }).notNull().default(sql`0`),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

export const entries = ledgerSchema.table("entries", {
  // Client-chosen: the idempotency key of PostEntry.
  entryId: text("entry_id").primaryKey(),
  description: text("description").notNull().default(""),
  // sha256 of the content, so a retry is told from a conflicting reuse of the id.
  fingerprint: text("fingerprint").notNull(),
  postedAt: timestamp("posted_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

export const entryLines = ledgerSchema.table(
  "entry_lines",
  {
    entryId: text("entry_id")
      .notNull()
      .references(() => entries.entryId),
    lineNo: integer("line_no").notNull(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.accountId),
    currency: text("currency").notNull(),
    amountMinor: bigint("amount_minor", { mode: "bigint" }).notNull(),
    minBalanceMinor: bigint("min_balance_minor", { mode: "bigint" }),
  },
  (table) => [
    primaryKey({ columns: [table.entryId, table.lineNo] }),
    // An account's statement.
    index("entry_lines_account_idx").on(table.accountId),
  ],
);

/** EntryPosted events, written with the entry and published by the relay. */
export const outbox = outboxTable(ledgerSchema);
