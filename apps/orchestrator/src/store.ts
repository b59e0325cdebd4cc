// Transfers in PostgreSQL: the idempotency record of every key. A row is committed as
// `pending` before the ledger is called and is settled (completed / failed) by the attempt that
// holds its claim, a lease in the row itself, so concurrent requests with one key post once and
// a crashed attempt can be resumed. Every statement is its own transaction and a prepared
// statement: a transfer costs three short round trips and holds no connection while it waits
// for accounts or the ledger.

import { randomUUID } from "node:crypto";
import { closePool, createPool, pingPool } from "@obs/db";
import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import * as schema from "./schema.ts";
import { type TransferRow, transfers } from "./schema.ts";
import type { TransferRequest } from "./transfer.ts";

export type { TransferRow };

/** What the holder of a transfer's claim may do with it. */
export interface ClaimedTransfer {
  row: TransferRow;
  /** The settled row, or undefined when the claim was lost (expired and taken over). */
  complete(): Promise<TransferRow | undefined>;
  /** `code` is the status name, e.g. "FAILED_PRECONDITION". */
  fail(code: string, message: string): Promise<TransferRow | undefined>;
  /** Gives the claim up with the row still pending (the outcome is unknown). */
  release(): Promise<void>;
}

export type ClaimResult =
  | { kind: "claimed"; claimed: ClaimedTransfer }
  /** Settled, or pending under another attempt's live claim. */
  | { kind: "busy"; row: TransferRow };

export interface Store {
  find(idempotencyKey: string): Promise<TransferRow | undefined>;
  /** The new pending row, or undefined when the key is already taken (the caller re-reads). */
  insertPending(
    request: TransferRequest,
    hash: string,
    transferId: string,
  ): Promise<TransferRow | undefined>;
  /** insertPending, with the new row claimed by the caller in the same statement. */
  insertClaimed(
    request: TransferRequest,
    hash: string,
    transferId: string,
  ): Promise<ClaimedTransfer | undefined>;
  /**
   * Claims a pending transfer whose claim is free or expired. A second request for the same
   * key gets `busy` and waits (see transfers.ts); a crashed holder's claim expires after the
   * lease, so its transfer is resumed rather than stuck.
   */
  claim(transferId: string): Promise<ClaimResult>;
  /** Throws when the database is unreachable; for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  maxConnections?: number;
  /**
   * How long a claim lasts. It must outlast the holder's remote calls (their deadlines), so
   * that no other attempt posts while the holder's post may still land.
   */
  leaseMs?: number;
}

/**
 * The store's statements, prepared once on the pool: drizzle sends unnamed (re-parsed)
 * statements unless a query is named. A claim lasts `leaseMs`.
 */
function prepareStatements(db: PostgresJsDatabase<typeof schema>, leaseMs: number) {
  const leaseEnd = sql`now() + ${sql.raw(`interval '${leaseMs} milliseconds'`)}`;
  const p = <T extends string>(name: T) => sql.placeholder(name);

  const findByKey = db
    .select()
    .from(transfers)
    .where(eq(transfers.idempotencyKey, p("key")))
    .prepare("orchestrator_find_by_key");
  const findById = db
    .select()
    .from(transfers)
    .where(eq(transfers.transferId, p("id")))
    .prepare("orchestrator_find_by_id");
  const insert = (claimed: boolean, name: string) =>
    db
      .insert(transfers)
      .values({
        transferId: p("transferId"),
        idempotencyKey: p("key"),
        requestHash: p("hash"),
        fromAccountId: p("from"),
        toAccountId: p("to"),
        amountMinor: p("amount"),
        currency: p("currency"),
        status: "pending",
        entryId: p("transferId"),
        ...(claimed ? { claimToken: p("token"), claimedUntil: leaseEnd } : {}),
      })
      .onConflictDoNothing({ target: transfers.idempotencyKey })
      .returning()
      .prepare(name);
  const insertUnclaimed = insert(false, "orchestrator_insert_pending");
  const insertWithClaim = insert(true, "orchestrator_insert_claimed");
  const claimRow = db
    .update(transfers)
    .set({ claimToken: sql`${p("token")}`, claimedUntil: leaseEnd })
    .where(
      and(
        eq(transfers.transferId, p("id")),
        eq(transfers.status, "pending"),
        or(isNull(transfers.claimedUntil), lt(transfers.claimedUntil, sql`now()`)),
      ),
    )
    .returning()
    .prepare("orchestrator_claim");
  const held = and(
    eq(transfers.transferId, p("id")),
    eq(transfers.claimToken, p("token")),
    eq(transfers.status, "pending"),
  );
  const settleRow = db
    .update(transfers)
    .set({
      status: sql`${p("status")}`,
      errorCode: sql`${p("code")}`,
      errorMessage: sql`${p("message")}`,
      completedAt: sql`now()`,
      claimToken: null,
      claimedUntil: null,
    })
    .where(held)
    .returning()
    .prepare("orchestrator_settle");
  const releaseRow = db
    .update(transfers)
    .set({ claimToken: null, claimedUntil: null })
    .where(held)
    .prepare("orchestrator_release");

  return { findByKey, findById, insertUnclaimed, insertWithClaim, claimRow, settleRow, releaseRow };
}

export type Statements = ReturnType<typeof prepareStatements>;

const values = (request: TransferRequest, hash: string, transferId: string) => ({
  transferId,
  key: request.idempotencyKey,
  hash,
  from: request.fromAccountId,
  to: request.toAccountId,
  amount: request.amountMinor,
  currency: request.currency,
});

function claimedTransfer(q: Statements, row: TransferRow, token: string): ClaimedTransfer {
  const settle = async (
    status: "completed" | "failed",
    code: string | null,
    message: string | null,
  ) => {
    const [updated] = await q.settleRow.execute({
      id: row.transferId,
      token,
      status,
      code,
      message,
    });
    return updated;
  };
  return {
    row,
    complete: () => settle("completed", null, null),
    fail: (code, message) => settle("failed", code, message),
    async release() {
      await q.releaseRow.execute({ id: row.transferId, token });
    },
  };
}

export async function find(
  q: Statements,
  idempotencyKey: string,
): Promise<TransferRow | undefined> {
  const [row] = await q.findByKey.execute({ key: idempotencyKey });
  return row;
}

export async function insertPending(
  q: Statements,
  request: TransferRequest,
  hash: string,
  transferId: string,
): Promise<TransferRow | undefined> {
  const [row] = await q.insertUnclaimed.execute(values(request, hash, transferId));
  return row;
}

export async function insertClaimed(
  q: Statements,
  request: TransferRequest,
  hash: string,
  transferId: string,
): Promise<ClaimedTransfer | undefined> {
  const token = randomUUID();
  const [row] = await q.insertWithClaim.execute({ ...values(request, hash, transferId), token });
  return row && claimedTransfer(q, row, token);
}

export async function claim(q: Statements, transferId: string): Promise<ClaimResult> {
  const token = randomUUID();
  const [row] = await q.claimRow.execute({ id: transferId, token });
  if (row) return { kind: "claimed", claimed: claimedTransfer(q, row, token) };
  const [current] = await q.findById.execute({ id: transferId });
  if (!current) throw new Error(`transfer ${transferId} vanished`);
  return { kind: "busy", row: current };
}

export function createStore(url: string, options: StoreOptions = {}): Store {
  const client = createPool(url, options.maxConnections ?? 10);
  const leaseMs = Math.max(1, Math.round(options.leaseMs ?? 30_000));
  const q = prepareStatements(drizzle(client, { schema }), leaseMs);
  return {
    find: (key) => find(q, key),
    insertPending: (request, hash, id) => insertPending(q, request, hash, id),
    insertClaimed: (request, hash, id) => insertClaimed(q, request, hash, id),
    claim: (transferId) => claim(q, transferId),
    ping: () => pingPool(client),
    close: () => closePool(client),
  };
}
