// Transfers in PostgreSQL: the idempotency record of every key. A row is committed as
// `pending` before the ledger is called and is settled (completed / failed) under a row lock,
// so concurrent requests with one key post once and a crashed attempt can be resumed.
import { eq, sql } from "drizzle-orm";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema.ts";
import { type TransferRow, transfers } from "./schema.ts";
import type { TransferRequest } from "./transfer.ts";

export type { TransferRow };

/** What the holder of a transfer's lock may do with it, inside the locking transaction. */
export interface LockedTransfer {
  row: TransferRow;
  complete(): Promise<TransferRow>;
  /** `code` is the status name, e.g. "FAILED_PRECONDITION". */
  fail(code: string, message: string): Promise<TransferRow>;
}

export interface Store {
  find(idempotencyKey: string): Promise<TransferRow | undefined>;
  /** The new pending row, or undefined when the key is already taken (the caller re-reads). */
  insertPending(
    request: TransferRequest,
    hash: string,
    transferId: string,
  ): Promise<TransferRow | undefined>;
  /**
   * Runs `work` holding the transfer's row lock (SELECT … FOR UPDATE) in one transaction: a
   * second request for the same key waits here and then sees the settled row. The lock dies
   * with the connection, so a crashed holder leaves the row pending, not stuck.
   */
  withLock<T>(transferId: string, work: (locked: LockedTransfer) => Promise<T>): Promise<T>;
  /** Throws when the database is unreachable; for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  maxConnections?: number;
  /**
   * How long a request waits for another request's lock on the same key. The holder is bounded
   * by the upstream deadlines; this only keeps a pathological wait from hanging the caller.
   */
  lockTimeoutMs?: number;
}

export function createStore(url: string, options: StoreOptions = {}): Store {
  const client = postgres(url, {
    max: options.maxConnections ?? 10,
    onnotice: () => {},
    // A dead database must fail /readyz and requests quickly, not hang them.
    connect_timeout: 5,
  });
  const db: PostgresJsDatabase<typeof schema> = drizzle(client, { schema });
  const lockTimeout = `${Math.max(1, Math.round(options.lockTimeoutMs ?? 30_000))}ms`;

  return {
    async find(idempotencyKey) {
      const [row] = await db
        .select()
        .from(transfers)
        .where(eq(transfers.idempotencyKey, idempotencyKey));
      return row;
    },

    async insertPending(request, hash, transferId) {
      const [row] = await db
        .insert(transfers)
        .values({
          transferId,
          idempotencyKey: request.idempotencyKey,
          requestHash: hash,
          fromAccountId: request.fromAccountId,
          toAccountId: request.toAccountId,
          amountMinor: request.amountMinor,
          currency: request.currency,
          status: "pending",
          entryId: transferId,
        })
        .onConflictDoNothing({ target: transfers.idempotencyKey })
        .returning();
      return row;
    },

    withLock(transferId, work) {
      return db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('lock_timeout', ${lockTimeout}, true)`);
        const [row] = await tx
          .select()
          .from(transfers)
          .where(eq(transfers.transferId, transferId))
          .for("update");
        if (!row) throw new Error(`transfer ${transferId} vanished`);
        const settle = async (values: Partial<TransferRow>) => {
          const [updated] = await tx
            .update(transfers)
            .set({ ...values, completedAt: sql`now()` })
            .where(eq(transfers.transferId, transferId))
            .returning();
          if (!updated) throw new Error(`transfer ${transferId} vanished`);
          return updated;
        };
        return work({
          row,
          complete: () => settle({ status: "completed" }),
          fail: (code, message) =>
            settle({ status: "failed", errorCode: code, errorMessage: message }),
        });
      });
    },

    async ping() {
      await db.execute(sql`select 1`);
    },

    close: () => client.end({ timeout: 5 }),
  };
}

// SQLSTATE classes worth a retry: connection (08), rollback/serialization (40), resources
// (53), lock_not_available (55P03, our lock_timeout), operator intervention (57).
const TRANSIENT_SQLSTATE = /^(08|40|53|57)|^55P03$/;

/** The database was unreachable or busy (as opposed to a bug): the caller may retry. */
export function isTransientDbError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return false;
  // postgres.js' own connection errors (CONNECT_TIMEOUT, CONNECTION_CLOSED…) and errno codes.
  if (code.startsWith("CONNECT") || code.startsWith("E")) return true;
  return code.length === 5 && TRANSIENT_SQLSTATE.test(code);
}
