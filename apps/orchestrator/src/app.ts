// Assembles the orchestrator: Postgres store, accounts and ledger clients, gRPC and HTTP.
// Everything is owned by the returned handle (not the process-wide shutdown list), so tests
// can run instances in one process on ports of their own.
import { databaseUrlFor } from "@obs/db";
import type { Telemetry } from "@obs/otel";
import { loadProto } from "@obs/proto";
import { type AppConfig, type AppServers, answers, startAppServers } from "@obs/service";
import { loadOrchestratorSettings, type OrchestratorSettings } from "./config.ts";
import { transferRoutes } from "./rest.ts";
import { transfersHandlers } from "./service.ts";
import { createStore, type Store } from "./store.ts";
import { createTransfers, transferLatencyHistogram } from "./transfers.ts";
import { createUpstreams, type Upstreams } from "./upstream.ts";

export const SERVICE_NAME = "orchestrator.v1.Transfers";

export interface OrchestratorOptions {
  config: AppConfig;
  telemetry: Telemetry;
  /** Wins over the environment (ACCOUNTS_ADDR, LEDGER_ADDR, ORCHESTRATOR_*). */
  settings?: Partial<OrchestratorSettings>;
  /** Override config's ports; 0 picks a free one. */
  grpcPort?: number;
  httpPort?: number;
  databaseUrl?: string;
}

export interface Orchestrator {
  grpcPort: number;
  httpPort: number;
  settings: OrchestratorSettings;
  store: Store;
  /** Stops taking traffic, lets in-flight transfers finish, then closes clients and the pool. */
  stop(): Promise<void>;
}

export async function startOrchestrator(options: OrchestratorOptions): Promise<Orchestrator> {
  const { config, telemetry } = options;
  const { logger } = telemetry;
  const settings = { ...loadOrchestratorSettings(), ...options.settings };
  const store = createStore(
    options.databaseUrl ?? config.databaseUrl ?? databaseUrlFor(config.name),
    {
      maxConnections: settings.dbPoolSize,
      // Outlasts the holder's remote calls (accounts, PostEntry, GetEntry after a conflict),
      // so nobody else posts while its post may still land.
      leaseMs: settings.accountsTimeoutMs + 2 * settings.ledgerTimeoutMs + 2_000,
    },
  );
  const upstreams: Upstreams = createUpstreams(settings, telemetry);
  const transfers = createTransfers({
    store,
    upstreams,
    latency: transferLatencyHistogram(telemetry.meter),
    logger,
  });

  const proto = loadProto("orchestrator");
  let servers: AppServers;
  try {
    servers = await startAppServers({
      config,
      telemetry,
      grpcPort: options.grpcPort,
      httpPort: options.httpPort,
      packageDefinition: proto.definition,
      service: {
        name: SERVICE_NAME,
        definition: proto.grpc.orchestrator.v1.Transfers.service,
        implementation: transfersHandlers(transfers, logger),
      },
      routes: transferRoutes(transfers),
      readiness: {
        postgres: answers("postgres ping", () => store.ping(), settings.readinessTimeoutMs),
        // A transfer needs both: without either, every request would end in 503.
        accounts: () => upstreams.accountsHealthy(),
        ledger: () => upstreams.ledgerHealthy(),
      },
    });
  } catch (error) {
    upstreams.close();
    await store.close();
    throw error;
  }
  logger.info(
    {
      grpcPort: servers.grpcPort,
      httpPort: servers.httpPort,
      accounts: settings.accountsAddr,
      ledger: settings.ledgerAddr,
    },
    "orchestrator started",
  );

  let stopped: Promise<void> | undefined;
  return {
    grpcPort: servers.grpcPort,
    httpPort: servers.httpPort,
    settings,
    store,
    stop() {
      stopped ??= (async () => {
        await servers.stop();
        upstreams.close();
        await store.close();
        logger.info("orchestrator stopped");
      })();
      return stopped;
    },
  };
}
