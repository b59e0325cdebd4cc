// The ledger: double-entry postings in PostgreSQL with a transactional outbox, published to
// ledger.entry.v1 by the outbox relay; ledger.v1.Ledger over gRPC, POST/GET /v1/entries over
// REST. Assembled by lib/service's skeleton.
import { TOPICS } from "@obs/proto";
import { defineApp, type OutboxAppOptions, type RunningAppOf } from "@obs/service";
import { ledgerHandlers } from "./grpc.ts";
import { createLedger } from "./ledger.ts";
import { ledgerRoutes } from "./routes.ts";
import { outbox } from "./schema.ts";
import { createStore } from "./store.ts";

export type LedgerOptions = OutboxAppOptions;

export const ledgerApp = defineApp({
  name: "ledger",
  service: "ledger.v1.Ledger",
  async build({ database, databaseUrl, kafka, telemetry, logger }, options: LedgerOptions) {
    const topic = options.topic ?? TOPICS.ledgerEntries;
    const store = database(createStore(databaseUrl));
    // Writes commit to the outbox whether or not the broker is there; the relay catches up.
    const { relaySql: sql } = store;
    const relay = await (await kafka()).outbox({ topic, sql, table: outbox, relay: options.relay });
    const ledger = createLedger({ store, topic, meter: telemetry.meter, logger });
    return {
      handlers: ledgerHandlers(ledger, logger),
      routes: ledgerRoutes(ledger),
      handle: { topic, store, ledger, relay },
      facts: { topic },
    };
  },
});

export type LedgerApp = RunningAppOf<typeof ledgerApp>;

export const startLedger = ledgerApp.start;
