// Transfers.Create, shared by gRPC and REST: validate, answer a known idempotency key from
// its record, otherwise check both accounts, record the transfer as pending (claimed by this
// request) and post its entry to the ledger under that claim.
import { randomUUID } from "node:crypto";
import { isTransientDbError } from "@obs/db";
import { inSpan, type Logger } from "@obs/otel";
import { AppError, GrpcStatus } from "@obs/service";
import type { Histogram, Meter } from "@opentelemetry/api";
import { codeName, outcomeOf, storedError } from "./errors.ts";
import { accountError, checkCurrencies, entryFor, entryMatches, ledgerVerdict } from "./posting.ts";
import type { ClaimedTransfer, Store, TransferRow } from "./store.ts";
import {
  parseTransferRequest,
  requestHash,
  type Transfer,
  type TransferRequest,
} from "./transfer.ts";
import type { Account, Upstreams } from "./upstream.ts";

const SCOPE = "@obs/orchestrator";

export interface CreateResult {
  transfer: Transfer;
  /** The answer of an earlier request with the same key; nothing was posted by this one. */
  replayed: boolean;
}

export interface Transfers {
  /**
   * Creates the transfer a request body asks for (a promise of one too: a REST body that cannot
   * be read is a failed transfer request like any other, timed and counted here).
   */
  create(body: unknown): Promise<CreateResult>;
}

export const TRANSFER_LATENCY_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

function transferLatencyHistogram(meter: Meter): Histogram {
  return meter.createHistogram("transfer_latency_seconds", {
    description:
      "Duration of transfer requests (gRPC and REST), by outcome: created, replayed, or the error code.",
    unit: "s",
    advice: { explicitBucketBoundaries: TRANSFER_LATENCY_BUCKETS_SECONDS },
  });
}

export interface TransfersDeps {
  store: Store;
  upstreams: Upstreams;
  /** transfer_latency_seconds is made here, where it is recorded. */
  meter: Meter;
  logger: Logger;
  /** How long a request waits for another request with its key to settle; default 30 s. */
  waitLimitMs?: number;
}

function transferOf(row: TransferRow): Transfer {
  const { transferId, entryId, createdAt } = row;
  return { ...requestOf(row), transferId, entryId, createdAt };
}

function requestOf(row: TransferRow): TransferRequest {
  const { fromAccountId, toAccountId, amountMinor, currency, idempotencyKey } = row;
  return { fromAccountId, toAccountId, amountMinor, currency, idempotencyKey };
}

/** A settled row as the answer it stands for. */
function answerOf(row: TransferRow, replayed: boolean): CreateResult {
  if (row.status === "completed") return { transfer: transferOf(row), replayed };
  if (row.status === "failed") throw storedError(row.errorCode, row.errorMessage);
  throw new Error(`transfer ${row.transferId} is still pending`);
}

/** What the steps below work with. */
interface Deps {
  store: Store;
  upstreams: Upstreams;
  logger: Logger;
  waitLimitMs: number;
}

/** Both accounts, fetched in parallel; the first failure (in from, to order) wins. */
export async function accountsOf(
  upstreams: Pick<Upstreams, "getAccount">,
  request: TransferRequest,
): Promise<[Account, Account]> {
  const [from, to] = await Promise.allSettled([
    upstreams.getAccount(request.fromAccountId),
    upstreams.getAccount(request.toAccountId),
  ]);
  if (from.status === "rejected") throw accountError(from.reason, request.fromAccountId);
  if (to.status === "rejected") throw accountError(to.reason, request.toAccountId);
  checkCurrencies(request, from.value, to.value);
  return [from.value, to.value];
}

/**
 * Posts a claimed transfer and settles it under the claim. A settle that finds the claim gone
 * (it expired and another attempt took over) answers with whatever that attempt left.
 */
async function postClaimed(
  deps: Deps,
  claimed: ClaimedTransfer,
  checked?: [Account, Account],
): Promise<CreateResult> {
  const { upstreams } = deps;
  const transferId = claimed.row.transferId;
  const request = requestOf(claimed.row);
  const settled = (row: TransferRow | undefined) =>
    row ? answerOf(row, false) : post(deps, transferId);
  let from: Account;
  try {
    [from] = checked ?? (await accountsOf(upstreams, request));
  } catch (error) {
    // Resuming a crashed attempt: an account that is gone for good settles the transfer.
    if (error instanceof AppError && error.code !== GrpcStatus.UNAVAILABLE)
      return settled(await claimed.fail(codeName(error.code), error.message));
    await claimed.release().catch(() => {});
    throw error;
  }
  try {
    await upstreams.postEntry(entryFor(transferId, request, from));
    return settled(await claimed.complete());
  } catch (error) {
    const verdict = ledgerVerdict(error);
    if (verdict.kind === "unknown") {
      // Logged by create(), with the ledger's error as the cause. The row stays pending and
      // free, so the caller's retry (or a concurrent request) can post again at once.
      await claimed.release().catch(() => {});
      throw verdict.error;
    }
    if (verdict.kind === "rejected")
      return settled(await claimed.fail(codeName(verdict.error.code), verdict.error.message));
    return settled(await settleExisting(deps, claimed, request));
  }
}

/**
 * The ledger already holds an entry under our id (an earlier attempt posted, with a limit that
 * has changed since, say): if it moved this transfer's money, the transfer is done.
 */
async function settleExisting(
  { upstreams, logger }: Deps,
  claimed: ClaimedTransfer,
  request: TransferRequest,
): Promise<TransferRow | undefined> {
  const transferId = claimed.row.transferId;
  let existing: Awaited<ReturnType<Upstreams["getEntry"]>>;
  try {
    existing = await upstreams.getEntry(transferId);
  } catch (cause) {
    await claimed.release().catch(() => {});
    throw ledgerVerdict(cause).kind === "unknown"
      ? AppError.unavailable("ledger is unavailable", cause)
      : cause;
  }
  if (entryMatches(existing, request)) return claimed.complete();
  logger.error(
    { transferId, existing },
    "the ledger holds a different entry under this transfer's id",
  );
  return claimed.fail("INTERNAL", "the ledger holds a different entry for this transfer");
}

/**
 * Claims a pending transfer and posts it. While another attempt holds the claim this waits for
 * it to settle (or for its lease to run out, should it have crashed), so the ledger sees one
 * post at a time and both requests get the same answer.
 */
async function post(deps: Deps, transferId: string): Promise<CreateResult> {
  const deadline = performance.now() + deps.waitLimitMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    const claim = await deps.store.claim(transferId);
    if (claim.kind === "claimed") return postClaimed(deps, claim.claimed);
    // Settled while we waited: the other request's answer is ours.
    if (claim.row.status !== "pending") return answerOf(claim.row, true);
    if (performance.now() > deadline)
      throw AppError.unavailable(
        "another request with this idempotency_key is still in progress; retry later",
      );
    await Bun.sleep(delay);
  }
}

/** An existing record of the key: the same request gets its answer, another is refused. */
function answerExisting(deps: Deps, row: TransferRow, hash: string): Promise<CreateResult> {
  if (row.requestHash !== hash)
    throw AppError.alreadyExists(
      `idempotency_key "${row.idempotencyKey}" was already used for a different transfer`,
    );
  if (row.status === "pending") return post(deps, row.transferId);
  return Promise.resolve(answerOf(row, true));
}

/** What the idempotency claim found: a new key, now claimed by this request, or its record. */
type KeyClaim =
  | { kind: "new"; claimed: ClaimedTransfer; accounts: [Account, Account] }
  | { kind: "known"; row: TransferRow };

/**
 * The idempotency claim: the key's record if it has one, otherwise (once both accounts check
 * out) a new pending row claimed by this request; a request that loses the insert race reads
 * the winner's.
 */
async function claimKey(
  deps: Deps,
  request: TransferRequest,
  hash: string,
  checking: Promise<[Account, Account]>,
): Promise<KeyClaim> {
  const existing = await deps.store.find(request.idempotencyKey);
  if (existing) return { kind: "known", row: existing };
  // Checked before anything is written: an unknown account or a currency mismatch leaves no
  // record, so the key can be used again once the caller has fixed the request.
  const accounts = await checking;
  const inserted = await deps.store.insertClaimed(request, hash, randomUUID());
  if (inserted) return { kind: "new", claimed: inserted, accounts };
  const winner = await deps.store.find(request.idempotencyKey);
  if (!winner) throw new Error(`idempotency_key ${request.idempotencyKey} vanished`);
  return { kind: "known", row: winner };
}

/** One transfer request, from its body to its answer (the use case, without its telemetry). */
export async function createTransfer(deps: Deps, body: unknown): Promise<CreateResult> {
  const request = parseTransferRequest(await body);
  const hash = requestHash(request);
  // The accounts are asked while the key is looked up: a new key (the usual case) needs them,
  // and a known key's answer ignores them, whatever they say.
  const checking = accountsOf(deps.upstreams, request);
  checking.catch(() => {});
  const key = await inSpan(SCOPE, "idempotency claim", async (span) => {
    const found = await claimKey(deps, request, hash, checking);
    span.setAttribute("transfer.idempotency_key.state", found.kind);
    return found;
  });
  return key.kind === "new"
    ? postClaimed(deps, key.claimed, key.accounts)
    : answerExisting(deps, key.row, hash);
}

/** A failure as the caller gets it: its own status, UNAVAILABLE for a database away, else INTERNAL. */
function failureOf(error: unknown, logger: Logger): AppError {
  if (error instanceof AppError) {
    if (error.code === GrpcStatus.UNAVAILABLE)
      logger.warn({ err: error.cause ?? error }, error.message);
    return error;
  }
  if (isTransientDbError(error)) {
    logger.warn({ err: error }, "transfer database unavailable");
    return AppError.unavailable(
      "transfer database is unavailable; retry with the same idempotency_key",
      error,
    );
  }
  logger.error({ err: error }, "transfer failed unexpectedly");
  return new AppError(GrpcStatus.INTERNAL, "internal error", { cause: error });
}

export function createTransfers({
  meter,
  waitLimitMs = 30_000,
  ...rest
}: TransfersDeps): Transfers {
  const deps: Deps = { ...rest, waitLimitMs };
  const latency = transferLatencyHistogram(meter);
  return {
    async create(body) {
      const startedAt = performance.now();
      const observe = (outcome: string) =>
        latency.record((performance.now() - startedAt) / 1000, { outcome });
      try {
        const result = await createTransfer(deps, body);
        observe(result.replayed ? "replayed" : "created");
        return result;
      } catch (error) {
        const failure = failureOf(error, deps.logger);
        observe(outcomeOf(failure.code));
        throw failure;
      }
    },
  };
}
