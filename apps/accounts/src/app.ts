// Accounts: opens accounts with a currency and serves them over gRPC (accounts.v1.Accounts) and
// REST (POST /v1/accounts, GET /v1/accounts/{id}); AccountOpened goes through its own outbox to
// accounts.account.v1. Assembled by lib/service's skeleton.
import { TOPICS } from "@obs/proto";
import { defineApp, type OutboxAppOptions, type RunningAppOf } from "@obs/service";
import { accountsHandlers } from "./grpc.ts";
import { accountsRoutes } from "./routes.ts";
import { outbox } from "./schema.ts";
import { createStore } from "./store.ts";

export type AccountsOptions = OutboxAppOptions;

export const accountsApp = defineApp({
  name: "accounts",
  service: "accounts.v1.Accounts",
  async build({ database, databaseUrl, kafka, logger }, options: AccountsOptions) {
    const topic = options.topic ?? TOPICS.accounts;
    const store = database(createStore(databaseUrl));
    // Writes commit to the outbox whether or not the broker is there; the relay catches up.
    const { relaySql: sql } = store;
    const relay = await (await kafka()).outbox({ topic, sql, table: outbox, relay: options.relay });
    return {
      handlers: accountsHandlers(store, topic, logger),
      routes: accountsRoutes(store, topic, logger),
      handle: { topic, store, relay },
      facts: { topic },
    };
  },
});

export type Accounts = RunningAppOf<typeof accountsApp>;

export const startAccounts = accountsApp.start;
