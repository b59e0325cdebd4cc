// The ledger's rules, as plain functions: validating a posting request and applying an
// entry's lines to account balances. The store runs them inside its transaction.
import { createHash } from "node:crypto";
import { isCurrency, isInt64, timestampOf } from "@obs/proto";
import type { EntryPosted__Input } from "@obs/proto/gen/ledger/v1/EntryPosted.ts";
import { AppError } from "@obs/service";

/** Ids end up in Kafka keys, logs and URLs: bounded (control characters never reach here). */
const MAX_ID_LENGTH = 128;

export interface EntryLine {
  accountId: string;
  currency: string;
  /** Negative debits the account, positive credits it. */
  amountMinor: bigint;
  /** Lowest balance this line may leave the account at; null = no limit. */
  minBalanceMinor: bigint | null;
}

export interface NewEntry {
  entryId: string;
  description: string;
  lines: EntryLine[];
}

export interface Entry extends NewEntry {
  postedAt: Date;
}

export interface Account {
  accountId: string;
  currency: string;
  balanceMinor: bigint;
}

const invalid = (message: string) => AppError.invalidArgument(message);

function parseId(value: unknown, what: string): string {
  if (typeof value !== "string" || value.trim() === "") throw invalid(`${what} is required`);
  if (value.length > MAX_ID_LENGTH) throw invalid(`${what} is longer than ${MAX_ID_LENGTH}`);
  return value;
}

/** int64 from a decimal string (the wire's form) or a JSON number that is a safe integer. */
export function parseInt64(value: unknown, what: string): bigint {
  let parsed: bigint;
  if (typeof value === "string" && /^-?\d{1,20}$/.test(value.trim())) parsed = BigInt(value.trim());
  else if (typeof value === "number" && Number.isSafeInteger(value)) parsed = BigInt(value);
  else throw invalid(`${what} must be an integer number of minor units`);
  if (!isInt64(parsed)) throw invalid(`${what} is out of int64 range`);
  return parsed;
}

/**
 * A PostEntryRequest (gRPC object or REST JSON, snake_case) as a valid entry, or
 * INVALID_ARGUMENT: ≥ 2 lines, each with an account, an ISO 4217 currency and a non-zero
 * integer amount, summing to zero per currency.
 */
export function parseEntry(request: unknown): NewEntry {
  if (typeof request !== "object" || request === null || Array.isArray(request))
    throw invalid("the request must be an object");
  const body = request as Record<string, unknown>;
  const entryId = parseId(body.entry_id, "entry_id");
  const description = body.description ?? "";
  if (typeof description !== "string") throw invalid("description must be a string");
  if (!Array.isArray(body.lines) || body.lines.length < 2)
    throw invalid("an entry needs at least 2 lines");

  const lines = body.lines.map((raw: unknown, i): EntryLine => {
    const at = `lines[${i}]`;
    if (typeof raw !== "object" || raw === null) throw invalid(`${at} must be an object`);
    const line = raw as Record<string, unknown>;
    const accountId = parseId(line.account_id, `${at}.account_id`);
    const currency = line.currency;
    if (typeof currency !== "string" || !isCurrency(currency))
      throw invalid(`${at}.currency must be an ISO 4217 code, got ${JSON.stringify(currency)}`);
    const amountMinor = parseInt64(line.amount_minor, `${at}.amount_minor`);
    if (amountMinor === 0n) throw invalid(`${at}.amount_minor must not be zero`);
    const min = line.min_balance_minor;
    const minBalanceMinor =
      min === undefined || min === null ? null : parseInt64(min, `${at}.min_balance_minor`);
    return { accountId, currency, amountMinor, minBalanceMinor };
  });

  const sums = new Map<string, bigint>();
  for (const line of lines)
    sums.set(line.currency, (sums.get(line.currency) ?? 0n) + line.amountMinor);
  for (const [currency, sum] of sums)
    if (sum !== 0n) throw invalid(`lines in ${currency} sum to ${sum}, not zero`);
  return { entryId, description, lines };
}

/** Identity of an entry's content, to tell a retry (same) from a conflicting reuse of its id. */
export function fingerprint(entry: NewEntry): string {
  return createHash("sha256")
    .update(
      JSON.stringify([
        entry.description,
        entry.lines.map((l) => [
          l.accountId,
          l.currency,
          String(l.amountMinor),
          l.minBalanceMinor === null ? null : String(l.minBalanceMinor),
        ]),
      ]),
    )
    .digest("hex");
}

/**
 * Applies the lines in order to `accounts` (every touched account, new ones with balance 0
 * and the currency of their first line) and returns the balances after the entry, or
 * FAILED_PRECONDITION: an account in another currency, or a debit that takes an account below
 * its line's min_balance_minor.
 */
export function applyLines(
  accounts: ReadonlyMap<string, Account>,
  lines: readonly EntryLine[],
): Map<string, Account> {
  const after = new Map<string, Account>();
  for (const line of lines) {
    const account = after.get(line.accountId) ?? accounts.get(line.accountId);
    if (!account) throw new Error(`account ${line.accountId} was not loaded`);
    if (account.currency !== line.currency)
      throw AppError.failedPrecondition(
        `account ${line.accountId} holds ${account.currency}, not ${line.currency}`,
      );
    const balance = account.balanceMinor + line.amountMinor;
    if (!isInt64(balance))
      throw AppError.failedPrecondition(`account ${line.accountId}: balance would overflow int64`);
    if (line.amountMinor < 0n && line.minBalanceMinor !== null && balance < line.minBalanceMinor)
      throw AppError.failedPrecondition(
        `insufficient funds: account ${line.accountId} would go to ${balance}, below its minimum ${line.minBalanceMinor}`,
      );
    after.set(line.accountId, { ...account, balanceMinor: balance });
  }
  return after;
}

/** The currency each account gets if this entry opens it: that of its first line. */
export function firstCurrencies(lines: readonly EntryLine[]): Map<string, string> {
  const currencies = new Map<string, string>();
  for (const line of lines)
    if (!currencies.has(line.accountId)) currencies.set(line.accountId, line.currency);
  return currencies;
}

/** ledger.v1.Line as the loader and the event codec expect it (int64 as strings). */
function lineMessage(line: EntryLine) {
  return {
    account_id: line.accountId,
    currency: line.currency,
    amount_minor: String(line.amountMinor),
    ...(line.minBalanceMinor === null ? {} : { min_balance_minor: String(line.minBalanceMinor) }),
  };
}

/** ledger.v1.Entry for gRPC replies and the event. */
export function entryMessage(entry: Entry) {
  return {
    entry_id: entry.entryId,
    lines: entry.lines.map(lineMessage),
    description: entry.description,
    posted_at: timestampOf(entry.postedAt),
  };
}

/** The REST shape: the same fields, posted_at as RFC 3339. */
export function entryJson(entry: Entry) {
  return { ...entryMessage(entry), posted_at: entry.postedAt.toISOString() };
}

/** ledger.v1.EntryPosted, schema_version 1. */
export function entryPostedEvent(
  eventId: string,
  entry: Entry,
  balancesAfter: Iterable<Account>,
): EntryPosted__Input {
  return {
    event_id: eventId,
    schema_version: 1,
    entry: entryMessage(entry),
    balances_after: [...balancesAfter].map((a) => ({
      account_id: a.accountId,
      currency: a.currency,
      balance_minor: String(a.balanceMinor),
    })),
    occurred_at: timestampOf(entry.postedAt),
  };
}
