// The external shapes of a balance and a statement line: REST JSON and gRPC messages, built
// from the same rows so the two transports cannot disagree. int64 is a decimal string in both
// (JSON numbers lose precision above 2^53; the gRPC loader uses strings for longs).

import { timestampOf } from "@obs/proto";
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
  return { ...balanceJson(row), updated_at: timestampOf(row.updatedAt) };
}

export function statementLineMessage(row: StatementRow) {
  return { ...statementLineJson(row), posted_at: timestampOf(row.postedAt) };
}
