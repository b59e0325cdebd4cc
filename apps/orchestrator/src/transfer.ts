// A transfer request as the orchestrator understands it: validation (shared by gRPC and REST),
// the fingerprint that tells a retry from a reused idempotency key, and the one external shape
// of a transfer. Plain functions, tested directly.
import { createHash } from "node:crypto";
import { isCurrency, isInt64 } from "@obs/proto";
import { invalid } from "./errors.ts";

export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;
/** Account ids are opaque to us; the bound only keeps junk out of the database and logs. */
export const MAX_ACCOUNT_ID_LENGTH = 200;

const DECIMAL = /^\d+$/;

export interface TransferRequest {
  fromAccountId: string;
  toAccountId: string;
  amountMinor: bigint;
  currency: string;
  idempotencyKey: string;
}

/**
 * amount_minor from JSON (number or decimal string) or gRPC (int64 as a decimal string).
 * JSON numbers above 2^53 have already been rounded by the parser, so they are refused
 * rather than posted as a different amount.
 */
export function parseAmount(value: unknown): bigint {
  let amount: bigint;
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw invalid("amount_minor must be an integer (minor units)");
    if (!Number.isSafeInteger(value))
      throw invalid("amount_minor is too large for a JSON number; send it as a decimal string");
    amount = BigInt(value);
  } else if (typeof value === "string") {
    const trimmed = value.trim();
    if (trimmed.startsWith("-") && DECIMAL.test(trimmed.slice(1)))
      throw invalid("amount_minor must be positive");
    if (!DECIMAL.test(trimmed))
      throw invalid(`amount_minor must be a decimal integer, got "${value}"`);
    amount = BigInt(trimmed);
  } else if (value === undefined || value === null) {
    throw invalid("amount_minor is required");
  } else {
    throw invalid("amount_minor must be an integer or a decimal string");
  }
  if (amount <= 0n) throw invalid("amount_minor must be positive");
  if (!isInt64(amount)) throw invalid("amount_minor is out of the int64 range");
  return amount;
}

function requiredString(value: unknown, field: string, maxLength: number): string {
  if (value === undefined || value === null || value === "") throw invalid(`${field} is required`);
  if (typeof value !== "string") throw invalid(`${field} must be a string`);
  if (value.length > maxLength) throw invalid(`${field} must be at most ${maxLength} characters`);
  return value;
}

/** ISO 4217 alphabetic codes as the runtime knows them, upper case only (as accounts stores them). */
export function parseCurrency(value: unknown): string {
  if (value === undefined || value === null || value === "") throw invalid("currency is required");
  if (typeof value !== "string" || !/^[A-Z]{3}$/.test(value) || !isCurrency(value))
    throw invalid(`currency must be an ISO 4217 code like "USD", got ${JSON.stringify(value)}`);
  return value;
}

/**
 * A CreateTransferRequest (gRPC, snake_case) or REST body → a valid TransferRequest, or an
 * INVALID_ARGUMENT AppError naming the first bad field.
 */
export function parseTransferRequest(body: unknown): TransferRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw invalid(
      "body must be a JSON object with from_account_id, to_account_id, amount_minor, currency, idempotency_key",
    );
  const raw = body as Record<string, unknown>;
  const idempotencyKey = requiredString(
    raw.idempotency_key,
    "idempotency_key",
    MAX_IDEMPOTENCY_KEY_LENGTH,
  );
  const fromAccountId = requiredString(
    raw.from_account_id,
    "from_account_id",
    MAX_ACCOUNT_ID_LENGTH,
  );
  const toAccountId = requiredString(raw.to_account_id, "to_account_id", MAX_ACCOUNT_ID_LENGTH);
  if (fromAccountId === toAccountId)
    throw invalid("from_account_id and to_account_id must be different accounts");
  const amountMinor = parseAmount(raw.amount_minor);
  const currency = parseCurrency(raw.currency);
  return { fromAccountId, toAccountId, amountMinor, currency, idempotencyKey };
}

/**
 * Fingerprint of what the transfer does, not of how it was spelled: 5000 and "5000" are the
 * same request. The key itself is left out (it is the lookup), and the fields are joined with a
 * separator that cannot occur in any of them unescaped (JSON), so no two requests collide.
 */
export function requestHash(request: TransferRequest): string {
  const canonical = JSON.stringify([
    request.fromAccountId,
    request.toAccountId,
    request.amountMinor.toString(),
    request.currency,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

export interface Transfer {
  transferId: string;
  fromAccountId: string;
  toAccountId: string;
  amountMinor: bigint;
  currency: string;
  idempotencyKey: string;
  entryId: string;
  createdAt: Date;
}

/** REST's Transfer JSON: proto field names, int64 as a decimal string, RFC 3339 time. */
export interface TransferJson {
  transfer_id: string;
  from_account_id: string;
  to_account_id: string;
  amount_minor: string;
  currency: string;
  idempotency_key: string;
  entry_id: string;
  created_at: string;
}

export function transferJson(transfer: Transfer): TransferJson {
  return {
    transfer_id: transfer.transferId,
    from_account_id: transfer.fromAccountId,
    to_account_id: transfer.toAccountId,
    amount_minor: transfer.amountMinor.toString(),
    currency: transfer.currency,
    idempotency_key: transfer.idempotencyKey,
    entry_id: transfer.entryId,
    created_at: transfer.createdAt.toISOString(),
  };
}
