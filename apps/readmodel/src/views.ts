// The external shapes of a balance and a statement line: REST JSON and gRPC messages, built
// from the same rows so the two transports cannot disagree. int64 is a decimal string in both
// (JSON numbers lose precision above 2^53; the gRPC loader uses strings for longs).
import type { BalanceRow, StatementRow } from "./store.ts";

export interface BalanceJson {
  account_id: string;
  currency: string;
  balance_minor: string;
  /** RFC 3339. */
  updated_at: string;
}

export interface StatementLineJson {
  entry_id: string;
  account_id: string;
  currency: string;
  amount_minor: string;
  balance_after_minor: string;
  description: string;
  posted_at: string;
}

export interface StatementsJson {
  lines: StatementLineJson[];
  next_page_token: string;
}

/** google.protobuf.Timestamp as the loader hands it out: int64 seconds as a string. */
export interface TimestampMessage {
  seconds: string;
  nanos: number;
}

export function timestamp(date: Date): TimestampMessage {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1e6 };
}

export function balanceJson(row: BalanceRow): BalanceJson {
  return {
    account_id: row.accountId,
    currency: row.currency,
    balance_minor: row.balanceMinor.toString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export function statementLineJson(row: StatementRow): StatementLineJson {
  return {
    entry_id: row.entryId,
    account_id: row.accountId,
    currency: row.currency,
    amount_minor: row.amountMinor.toString(),
    balance_after_minor: row.balanceAfterMinor.toString(),
    description: row.description,
    posted_at: row.postedAt.toISOString(),
  };
}

export function balanceMessage(row: BalanceRow) {
  return { ...balanceJson(row), updated_at: timestamp(row.updatedAt) };
}

export function statementLineMessage(row: StatementRow) {
  return { ...statementLineJson(row), posted_at: timestamp(row.postedAt) };
}
