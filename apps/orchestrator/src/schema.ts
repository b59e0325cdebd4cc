// The orchestrator's tables, in its own PostgreSQL schema. drizzle-kit generates the migrations
// in ../drizzle from this file (`bun run db:generate`); `bun run migrate` applies them.
import { sql } from "drizzle-orm";
import { bigint, check, pgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const orchestratorSchema = pgSchema("orchestrator");

export const TRANSFER_STATUSES = ["pending", "completed", "failed"] as const;
export type TransferStatus = (typeof TRANSFER_STATUSES)[number];

/**
 * One row per idempotency key. The row is committed as `pending` before the ledger is called,
 * so the transfer id (= the ledger's entry id) survives a crash and a retry posts the same
 * entry again, which the ledger deduplicates. `request_hash` tells a retry (same body) from a
 * reuse of the key (different body). `claim_token` / `claimed_until` are the lease of the
 * attempt that is posting the transfer: a lock that needs no open transaction (and so no
 * pooled connection) across the remote calls, and that a crashed holder loses when it expires.
 */
export const transfers = orchestratorSchema.table(
  "transfers",
  {
    transferId: uuid("transfer_id").primaryKey(),
    idempotencyKey: text("idempotency_key").notNull().unique(),
    requestHash: text("request_hash").notNull(),
    fromAccountId: text("from_account_id").notNull(),
    toAccountId: text("to_account_id").notNull(),
    amountMinor: bigint("amount_minor", { mode: "bigint" }).notNull(),
    currency: text("currency").notNull(),
    status: text("status", { enum: TRANSFER_STATUSES }).notNull().default("pending"),
    entryId: uuid("entry_id").notNull(),
    // A failed transfer keeps the error it failed with, so a replay answers the same.
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    completedAt: timestamp("completed_at", { withTimezone: true, mode: "date" }),
    claimToken: uuid("claim_token"),
    claimedUntil: timestamp("claimed_until", { withTimezone: true, mode: "date" }),
  },
  (table) => [
    check("transfers_status_check", sql`${table.status} in ('pending', 'completed', 'failed')`),
    check("transfers_amount_positive", sql`${table.amountMinor} > 0`),
  ],
);

export type TransferRow = typeof transfers.$inferSelect;
