// Accounts in PostgreSQL. Opening one writes the account row and its AccountOpened outbox row
// in one transaction: the event exists exactly when the account does, and the relay publishes
// it later even if Kafka is down right now.
import { randomUUID } from "node:crypto";
import { isDbUnavailable } from "@obs/db";
import { enqueue } from "@obs/outbox";
import { eventCodec, TOPICS } from "@obs/proto";
import { AppError } from "@obs/service";
import { sql as drizzleSql, eq } from "drizzle-orm";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import {
  ACCOUNT_OPENED_SCHEMA_VERSION,
  type Account,
  accountMessage,
  isAccountId,
  type OpenAccount,
} from "./account.ts";
import * as schema from "./schema.ts";
import { accounts, outbox } from "./schema.ts";

export const accountOpenedCodec = eventCodec<{
  event_id: string;
  schema_version: number;
  account: ReturnType<typeof accountMessage>;
}>("accounts.v1.AccountOpened");

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

export function createStore(url: string, options: { maxConnections?: number } = {}): Store {
  const poolOptions = {
    onnotice: () => {},
    // A dead database must fail /readyz and requests quickly, not hang them.
    connect_timeout: 5,
  };
  const sql = postgres(url, { ...poolOptions, max: options.maxConnections ?? 10 });
  // The relay's pass, its LISTEN connection and the gauges' scrape-time query.
  const relaySql = postgres(url, { ...poolOptions, max: 3 });
  const db: PostgresJsDatabase<typeof schema> = drizzle(sql, { schema });
  // GetAccount runs twice per transfer: built once and prepared (drizzle sends unnamed,
  // re-planned statements unless a query is named).
  const byId = db
    .select()
    .from(accounts)
    .where(eq(accounts.accountId, drizzleSql.placeholder("id")))
    .prepare("accounts_by_id");

  return {
    relaySql,
    open(request, topic = TOPICS.accounts) {
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
    },
    async get(accountId) {
      // Not a uuid cannot be an account; asking Postgres would only earn a cast error.
      if (!isAccountId(accountId)) return undefined;
      const [row] = await byId.execute({ id: accountId }).catch(unavailableWhenDown);
      return row;
    },
    async ping() {
      await sql`select 1`;
    },
    async close() {
      await Promise.all([sql.end({ timeout: 5 }), relaySql.end({ timeout: 5 })]);
    },
  };
}
