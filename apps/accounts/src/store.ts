// Accounts in PostgreSQL. Opening one writes the account row and its AccountOpened outbox row
// in one transaction: the event exists exactly when the account does, and the relay publishes
// it later even if Kafka is down right now.
import { randomUUID } from "node:crypto";
import { closePool, createPool, isDbUnavailable, pingPool } from "@obs/db";
import { enqueue } from "@obs/outbox";
import { eventCodec, TOPICS } from "@obs/proto";
import type { AccountOpened__Input } from "@obs/proto/gen/accounts/v1/AccountOpened.ts";
import { AppError } from "@obs/service";
import { sql as drizzleSql, eq } from "drizzle-orm";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type postgres from "postgres";
import {
  ACCOUNT_OPENED_SCHEMA_VERSION,
  type Account,
  accountMessage,
  isAccountId,
  type OpenAccount,
} from "./account.ts";
import * as schema from "./schema.ts";
import { accounts, outbox } from "./schema.ts";

export const accountOpenedCodec = eventCodec<AccountOpened__Input>("accounts.v1.AccountOpened");

export interface Store {
  /**
   * The outbox relay's own pool: a publishing backlog (or a broker outage holding claimed
   * rows' transactions open until the send times out) must not starve requests of connections.
   */
  relaySql: postgres.Sql;
  open(request: OpenAccount, topic?: string): Promise<Account>;
  /** undefined for an unknown or malformed id. */
  get(accountId: string): Promise<Account | undefined>;
  /** Throws when the database is unreachable; for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A database that is away is UNAVAILABLE for the caller (retryable), not INTERNAL. */
function unavailableWhenDown(error: unknown): never {
  if (isDbUnavailable(error))
    throw AppError.unavailable("the accounts database is unavailable", error);
  throw error;
}

/** The request pool through drizzle, and GetAccount's statement, prepared once on it. */
export interface Pools {
  db: PostgresJsDatabase<typeof schema>;
  byId: ReturnType<typeof prepareById>;
}

// GetAccount runs twice per transfer: built once and prepared (drizzle sends unnamed,
// re-planned statements unless a query is named).
function prepareById(db: PostgresJsDatabase<typeof schema>) {
  return db
    .select()
    .from(accounts)
    .where(eq(accounts.accountId, drizzleSql.placeholder("id")))
    .prepare("accounts_by_id");
}

export function openAccount(
  { db }: Pools,
  request: OpenAccount,
  topic: string = TOPICS.accounts,
): Promise<Account> {
  return db
    .transaction(async (tx) => {
      const [row] = await tx
        .insert(accounts)
        .values({
          accountId: randomUUID(),
          currency: request.currency,
          minBalanceMinor: request.minBalanceMinor,
        })
        .returning();
      if (!row) throw new Error("account insert returned no row");
      // enqueue stores the active span's traceparent: the relay's send continues this trace.
      await enqueue(tx, outbox, {
        topic,
        key: row.accountId,
        value: accountOpenedCodec.encode({
          event_id: randomUUID(),
          schema_version: ACCOUNT_OPENED_SCHEMA_VERSION,
          account: accountMessage(row),
        }),
        contentType: accountOpenedCodec.contentType,
      });
      return row;
    })
    .catch(unavailableWhenDown);
}

export async function getAccount({ byId }: Pools, accountId: string): Promise<Account | undefined> {
  // Not a uuid cannot be an account; asking Postgres would only earn a cast error.
  if (!isAccountId(accountId)) return undefined;
  const [row] = await byId.execute({ id: accountId }).catch(unavailableWhenDown);
  return row;
}

export function createStore(url: string, options: { maxConnections?: number } = {}): Store {
  const sql = createPool(url, options.maxConnections ?? 10);
  // The relay's pass, its LISTEN connection and the gauges' scrape-time query.
  const relaySql = createPool(url, 3);
  const db = drizzle(sql, { schema });
  const pools: Pools = { db, byId: prepareById(db) };
  return {
    relaySql,
    open: (request, topic) => openAccount(pools, request, topic),
    get: (accountId) => getAccount(pools, accountId),
    ping: () => pingPool(sql),
    async close() {
      await Promise.all([closePool(sql), closePool(relaySql)]);
    },
  };
}
