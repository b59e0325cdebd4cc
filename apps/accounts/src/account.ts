// The rules of opening an account, shared by the gRPC and REST ports, and the shapes an
// account takes on the wire (gRPC message, REST JSON, AccountOpened event).

import { isCurrency, isInt64, timestampOf } from "@obs/proto";
import { AppError } from "@obs/service";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface Account {
  accountId: string;
  currency: string;
  /** null = no limit. */
  minBalanceMinor: bigint | null;
  openedAt: Date;
}

export interface OpenAccount {
  currency: string;
  minBalanceMinor: bigint | null;
}

/**
 * Uppercase only: "usd" is refused rather than fixed up, so the stored code is exactly what
 * the ledger and the orchestrator compare against.
 */
export function parseCurrency(value: unknown): string {
  if (typeof value !== "string" || value === "")
    throw AppError.invalidArgument("currency is required (an ISO 4217 code such as USD)");
  if (!/^[A-Z]{3}$/.test(value) || !isCurrency(value))
    throw AppError.invalidArgument(`currency ${JSON.stringify(value)} is not an ISO 4217 code`);
  return value;
}

/**
 * int64 minor units: a decimal string (as grpc-js and the REST contract carry int64), or a
 * JSON number when it is a safe integer. Absent (undefined/null) means no limit.
 */
export function parseMinBalance(value: unknown): bigint | null {
  if (value === undefined || value === null) return null;
  const text = typeof value === "number" && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== "string" || !/^-?\d{1,19}$/.test(text))
    throw AppError.invalidArgument("min_balance_minor must be an integer number of minor units");
  const n = BigInt(text);
  if (!isInt64(n)) throw AppError.invalidArgument("min_balance_minor is out of int64 range");
  return n;
}

export function parseOpenAccount(request: {
  currency?: unknown;
  min_balance_minor?: unknown;
}): OpenAccount {
  return {
    currency: parseCurrency(request.currency),
    minBalanceMinor: parseMinBalance(request.min_balance_minor),
  };
}

/** Only a UUID can name an account; anything else is simply not one of ours. */
export function isAccountId(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

export const accountNotFound = (id: unknown) =>
  AppError.notFound(`account ${JSON.stringify(String(id ?? ""))} not found`);

/** accounts.v1.Account as grpc-js and the event codec take it. */
export function accountMessage(account: Account) {
  return {
    account_id: account.accountId,
    currency: account.currency,
    ...(account.minBalanceMinor === null
      ? {}
      : { min_balance_minor: account.minBalanceMinor.toString() }),
    opened_at: timestampOf(account.openedAt),
  };
}

/** The REST body: int64 as a decimal string, time as RFC 3339. */
export function accountJson(account: Account) {
  return {
    account_id: account.accountId,
    currency: account.currency,
    min_balance_minor: account.minBalanceMinor?.toString() ?? null,
    opened_at: account.openedAt.toISOString(),
  };
}

export const ACCOUNT_OPENED_SCHEMA_VERSION = 1;
