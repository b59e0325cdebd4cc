// The orchestrator: POST /v1/transfers and orchestrator.v1.Transfers — idempotency, the
// accounts check and the posting to the ledger over gRPC. Assembled by lib/service's skeleton.
import { defineApp, type RunningAppOf } from "@obs/service";
import { loadOrchestratorSettings, type OrchestratorSettings } from "./config.ts";
import { transfersHandlers } from "./grpc.ts";
import { transferRoutes } from "./routes.ts";
import { createStore } from "./store.ts";
import { createTransfers } from "./transfers.ts";
import { createUpstreams } from "./upstream.ts";

export interface OrchestratorOptions {
  /** Wins over the environment (ACCOUNTS_ADDR, LEDGER_ADDR, ORCHESTRATOR_*). */
  settings?: Partial<OrchestratorSettings>;
}

export const orchestratorApp = defineApp({
  name: "orchestrator",
  service: "orchestrator.v1.Transfers",
  async build(
    { database, databaseUrl, resources, ready, telemetry, logger },
    options: OrchestratorOptions,
  ) {
    const settings = { ...loadOrchestratorSettings(), ...options.settings };
    const store = database(
      createStore(databaseUrl, {
        maxConnections: settings.dbPoolSize,
        // Outlasts the holder's remote calls (accounts, PostEntry, GetEntry after a conflict),
        // so nobody else posts while its post may still land.
        leaseMs: settings.accountsTimeoutMs + 2 * settings.ledgerTimeoutMs + 2_000,
      }),
      settings.readinessTimeoutMs,
    );
    const upstreams = resources.own("upstreams", createUpstreams(settings, telemetry), (u) =>
      u.close(),
    );
    // A transfer needs both: without either, every request would end in 503.
    ready("accounts", () => upstreams.accountsHealthy());
    ready("ledger", () => upstreams.ledgerHealthy());
    const transfers = createTransfers({ store, upstreams, meter: telemetry.meter, logger });
    return {
      handlers: transfersHandlers(transfers, logger),
      routes: transferRoutes(transfers),
      handle: { settings, store },
      facts: { accounts: settings.accountsAddr, ledger: settings.ledgerAddr },
    };
  },
});

export type Orchestrator = RunningAppOf<typeof orchestratorApp>;

export const startOrchestrator = orchestratorApp.start;
