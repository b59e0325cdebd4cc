// The read model: projects ledger.entry.v1 and accounts.account.v1 into balances and statement
// lines in PostgreSQL and serves them over gRPC (readmodel.v1.ReadModel) and REST
// (GET /v1/accounts/{id}/balance, …/statements). Assembled by lib/service's skeleton.
import { TOPICS } from "@obs/proto";
import { defineApp, type RunningAppOf } from "@obs/service";
import { startProjectionConsumer } from "./consumer.ts";
import { readModelHandlers } from "./grpc.ts";
import { withSeedConsumerLag } from "./lag.ts";
import { readModelRoutes } from "./routes.ts";
import { createStore } from "./store.ts";

export const DEFAULT_GROUP_ID = "readmodel";

export interface ReadModelOptions {
  /** ledger.v1.EntryPosted source; default ledger.entry.v1. */
  entriesTopic?: string;
  /** accounts.v1.AccountOpened source; default accounts.account.v1. */
  accountsTopic?: string;
  groupId?: string;
  /** Lag refresh; default 15 s, one Prometheus scrape. */
  lagIntervalMs?: number;
}

export const readModelApp = defineApp({
  name: "readmodel",
  service: "readmodel.v1.ReadModel",
  async build({ database, databaseUrl, kafka, logger, telemetry }, options: ReadModelOptions) {
    const topics = {
      entries: options.entriesTopic ?? TOPICS.ledgerEntries,
      accounts: options.accountsTopic ?? TOPICS.accounts,
    };
    const groupId = options.groupId ?? DEFAULT_GROUP_ID;
    const store = database(createStore(databaseUrl));
    const k = await kafka();
    await k.topics([topics.entries, topics.accounts]);
    const metrics = withSeedConsumerLag(k.telemetry.metrics, telemetry.meter);
    const lag = { intervalMs: options.lagIntervalMs, metrics };
    const consumer = startProjectionConsumer({ kafka: k, store, topics, groupId, logger, lag });
    return {
      handlers: readModelHandlers(store, logger),
      routes: readModelRoutes(store),
      handle: { topics, groupId, store, kafka: k.kafka, consumer },
      facts: { topics, groupId },
    };
  },
});

export type ReadModel = RunningAppOf<typeof readModelApp>;

export const startReadModel = readModelApp.start;
