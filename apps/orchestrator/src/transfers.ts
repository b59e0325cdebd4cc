// Transfers.Create, shared by gRPC and REST: validate, answer a known idempotency key from
// its record, otherwise check both accounts, record the transfer as pending (claimed by this
// request) and post its entry to the ledger under that claim.
import { randomUUID } from "node:crypto";
import { isTransientDbError } from "@obs/db";
import type { Logger, Telemetry } from "@obs/otel";
import { AppError, GrpcStatus } from "@obs/service";
import type { Histogram } from "@opentelemetry/api";
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

export interface CreateResult {
  transfer: Transfer;
  /** The answer of an earlier request with the same key; nothing was posted by this one. */
  replayed: boolean;
}

export interface Transfers {
  create(body: unknown): Promise<CreateResult>;
  /** Records a request that never reached create() (malformed JSON) in the latency histogram. */
  observeRejected(startedAt: number, outcome: string): void;
}

export const TRANSFER_LATENCY_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export function transferLatencyHistogram(meter: Telemetry["meter"]): Histogram {
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
  latency: Histogram;
  logger: Logger;
  /** How long a request waits for another request with its key to settle; default 30 s. */
  waitLimitMs?: number;
}

function transferOf(row: TransferRow): Transfer {
  return {
    transferId: row.transferId,
    fromAccountId: row.fromAccountId,
    toAccountId: row.toAccountId,
    amountMinor: row.amountMinor,
    currency: row.currency,
    idempotencyKey: row.idempotencyKey,
    entryId: row.entryId,
    createdAt: row.createdAt,
  };
}

function requestOf(row: TransferRow): TransferRequest {
  return {
    fromAccountId: row.fromAccountId,
    toAccountId: row.toAccountId,
    amountMinor: row.amountMinor,
    currency: row.currency,
    idempotencyKey: row.idempotencyKey,
  };
}

/** A settled row as the answer it stands for. */
function answerOf(row: TransferRow, replayed: boolean): CreateResult {
  if (row.status === "completed") return { transfer: transferOf(row), replayed };
  if (row.status === "failed") throw storedError(row.errorCode, row.errorMessage);
  throw new Error(`transfer ${row.transferId} is still pending`);
}

export function createTransfers({
  store,
  upstreams,
  latency,
  logger,
  waitLimitMs = 30_000,
}: TransfersDeps): Transfers {
  const observe = (startedAt: number, outcome: string) =>
    latency.record((performance.now() - startedAt) / 1000, { outcome });

  /** Both accounts, fetched in parallel; the first failure (in from, to order) wins. */
  async function accountsOf(request: TransferRequest): Promise<[Account, Account]> {
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
   * Posts a claimed transfer and settles it under the claim. A settle that finds the claim
   * gone (it expired and another attempt took over) answers with whatever that attempt left.
   */
  async function postClaimed(
    claimed: ClaimedTransfer,
    checked?: [Account, Account],
  ): Promise<CreateResult> {
    const transferId = claimed.row.transferId;
    const request = requestOf(claimed.row);
    const settled = (row: TransferRow | undefined) =>
      row ? answerOf(row, false) : post(transferId);
    let from: Account;
    try {
      [from] = checked ?? (await accountsOf(request));
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
      // ALREADY_EXISTS: an earlier attempt posted under our id (with a limit that has
      // changed since, say). If it moved this transfer's money, the transfer is done.
      let existing: Awaited<ReturnType<Upstreams["getEntry"]>>;
      try {
        existing = await upstreams.getEntry(transferId);
      } catch (cause) {
        await claimed.release().catch(() => {});
        throw ledgerVerdict(cause).kind === "unknown"
          ? AppError.unavailable("ledger is unavailable", cause)
          : cause;
      }
      if (entryMatches(existing, request)) return settled(await claimed.complete());
      logger.error(
        { transferId, existing },
        "the ledger holds a different entry under this transfer's id",
      );
      return settled(
        await claimed.fail("INTERNAL", "the ledger holds a different entry for this transfer"),
      );
    }
  }

  /**
   * Claims a pending transfer and posts it. While another attempt holds the claim this waits
   * for it to settle (or for its lease to run out, should it have crashed), so the ledger sees
   * one post at a time and both requests get the same answer.
   */
  async function post(transferId: string): Promise<CreateResult> {
    const deadline = performance.now() + waitLimitMs;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      const claim = await store.claim(transferId);
      if (claim.kind === "claimed") return postClaimed(claim.claimed);
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
  function answerExisting(row: TransferRow, hash: string): Promise<CreateResult> {
    if (row.requestHash !== hash)
      throw AppError.alreadyExists(
        `idempotency_key "${row.idempotencyKey}" was already used for a different transfer`,
      );
    if (row.status === "pending") return post(row.transferId);
    return Promise.resolve(answerOf(row, true));
  }

  async function create(body: unknown): Promise<CreateResult> {
    const request = parseTransferRequest(body);
    const hash = requestHash(request);
    // The accounts are asked while the key is looked up: a new key (the usual case) needs
    // them, and a known key's answer ignores them, whatever they say.
    const checking = accountsOf(request);
    checking.catch(() => {});
    const existing = await store.find(request.idempotencyKey);
    if (existing) return answerExisting(existing, hash);

    // Checked before anything is written: an unknown account or a currency mismatch leaves
    // no record, so the key can be used again once the caller has fixed the request.
    const accounts = await checking;
    const inserted = await store.insertClaimed(request, hash, randomUUID());
    if (inserted) return postClaimed(inserted, accounts);
    // Another request with this key inserted first.
    const winner = await store.find(request.idempotencyKey);
    if (!winner) throw new Error(`idempotency_key ${request.idempotencyKey} vanished`);
    return answerExisting(winner, hash);
  }

  return {
    async create(body) {
      const startedAt = performance.now();
      try {
        const result = await create(body);
        observe(startedAt, result.replayed ? "replayed" : "created");
        return result;
      } catch (error) {
        if (error instanceof AppError) {
          if (error.code === GrpcStatus.UNAVAILABLE)
            logger.warn({ err: error.cause ?? error }, error.message);
          observe(startedAt, outcomeOf(error.code));
          throw error;
        }
        if (isTransientDbError(error)) {
          logger.warn({ err: error }, "transfer database unavailable");
          observe(startedAt, outcomeOf(GrpcStatus.UNAVAILABLE));
          throw AppError.unavailable(
            "transfer database is unavailable; retry with the same idempotency_key",
            error,
          );
        }
        logger.error({ err: error }, "transfer failed unexpectedly");
        observe(startedAt, "internal");
        throw new AppError(GrpcStatus.INTERNAL, "internal error", { cause: error });
      }
    },
    observeRejected: observe,
  };
}
