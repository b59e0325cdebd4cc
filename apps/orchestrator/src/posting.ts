// What the orchestrator asks of accounts and ledger, and what their answers mean for a
// transfer. Plain functions, tested directly.
import { AppError, GrpcStatus } from "@obs/service";
import type { TransferRequest } from "./transfer.ts";
import { type Account, isServiceError, type LedgerEntry } from "./upstream.ts";

/** Both accounts exist (checked by the caller) and hold the transfer's currency. */
export function checkCurrencies(request: TransferRequest, from: Account, to: Account): void {
  for (const [role, account] of [
    ["from", from],
    ["to", to],
  ] as const) {
    if (account.currency !== request.currency)
      throw AppError.failedPrecondition(
        `${role} account ${account.account_id} holds ${account.currency}, not ${request.currency}`,
      );
  }
}

/**
 * The balanced entry of a transfer. Its id is the transfer id, which makes a re-post after a
 * crash or a timeout idempotent at the ledger. The debit carries the from-account's limit,
 * which the ledger enforces in the same transaction as the posting (we cannot: the balance is
 * the ledger's).
 */
export function entryFor(
  transferId: string,
  request: TransferRequest,
  from: Account,
  description = `transfer ${transferId}`,
): LedgerEntry {
  const amount = request.amountMinor.toString();
  const debit = {
    account_id: request.fromAccountId,
    currency: request.currency,
    amount_minor: `-${amount}`,
    ...(from.min_balance_minor !== undefined ? { min_balance_minor: from.min_balance_minor } : {}),
  };
  return {
    entry_id: transferId,
    lines: [
      debit,
      { account_id: request.toAccountId, currency: request.currency, amount_minor: amount },
    ],
    description,
  };
}

/**
 * Whether an entry the ledger already holds under our id moves the transfer's money. Limits
 * are left out: the from-account's limit may have changed between a crashed attempt and its
 * resumption, and the posting that happened is the one that counts.
 */
export function entryMatches(entry: LedgerEntry, request: TransferRequest): boolean {
  const amounts = new Map(
    entry.lines.map((line) => [
      `${line.account_id}\u0000${line.currency}`,
      BigInt(line.amount_minor),
    ]),
  );
  return (
    entry.lines.length === 2 &&
    amounts.get(`${request.fromAccountId}\u0000${request.currency}`) === -request.amountMinor &&
    amounts.get(`${request.toAccountId}\u0000${request.currency}`) === request.amountMinor
  );
}

function unavailable(service: string, error: unknown): AppError {
  // The grpc-js details ("No connection established. Last error: …") stay in the log and the
  // span; the caller learns which dependency failed and that a retry is safe.
  const code = isServiceError(error) ? ` (${GrpcStatus[error.code]})` : "";
  return AppError.unavailable(
    `${service} is unavailable${code}; retry with the same idempotency_key`,
    error,
  );
}

/** A failed GetAccount: a missing account is the caller's problem, the rest is retryable. */
export function accountError(error: unknown, accountId: string): AppError {
  if (isServiceError(error)) {
    if (error.code === GrpcStatus.NOT_FOUND)
      return new AppError(GrpcStatus.NOT_FOUND, `account ${accountId} not found`, { cause: error });
    if (error.code === GrpcStatus.INVALID_ARGUMENT)
      return new AppError(GrpcStatus.INVALID_ARGUMENT, error.details, { cause: error });
  }
  return unavailable("accounts", error);
}

export type LedgerVerdict =
  /** The ledger refused the entry for good: the transfer fails with this error, stored. */
  | { kind: "rejected"; error: AppError }
  /** The ledger holds another entry with our id: ask it what was posted. */
  | { kind: "exists" }
  /** We cannot know whether it was posted: keep the transfer pending, the caller retries. */
  | { kind: "unknown"; error: AppError };

export function ledgerVerdict(error: unknown): LedgerVerdict {
  if (!isServiceError(error)) return { kind: "unknown", error: unavailable("ledger", error) };
  switch (error.code) {
    case GrpcStatus.ALREADY_EXISTS:
      return { kind: "exists" };
    case GrpcStatus.FAILED_PRECONDITION:
      return {
        kind: "rejected",
        error: new AppError(GrpcStatus.FAILED_PRECONDITION, error.details, { cause: error }),
      };
    case GrpcStatus.NOT_FOUND:
      return {
        kind: "rejected",
        error: new AppError(GrpcStatus.NOT_FOUND, error.details, { cause: error }),
      };
    case GrpcStatus.INVALID_ARGUMENT:
    case GrpcStatus.OUT_OF_RANGE:
      return {
        kind: "rejected",
        error: new AppError(GrpcStatus.INVALID_ARGUMENT, error.details, { cause: error }),
      };
    default:
      // UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL…: the entry may or may not be posted. Also
      // UNIMPLEMENTED or PERMISSION_DENIED: a deployment problem, not this transfer's fault, so
      // it must not be stored as the transfer's final answer either.
      return { kind: "unknown", error: unavailable("ledger", error) };
  }
}
