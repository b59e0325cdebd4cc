// gRPC clients of accounts and ledger. Calls go through lib/otel's client interceptor (CLIENT
// spans children of the active span, traceparent in the metadata, rpc_client_call_duration),
// each with its own deadline. Errors are left as grpc-js ServiceErrors: what a status means
// for a transfer is decided in transfers.ts.
import * as grpc from "@grpc/grpc-js";
import { createClientInterceptor, type Telemetry } from "@obs/otel";
import { loadProto } from "@obs/proto";
import { service as healthService } from "grpc-health-check";
import type { OrchestratorSettings } from "./config.ts";
import { channelTarget } from "./target.ts";

export interface Account {
  account_id: string;
  currency: string;
  /** int64 as a decimal string; absent = no limit. */
  min_balance_minor?: string;
}

export interface LedgerLine {
  account_id: string;
  currency: string;
  amount_minor: string;
  min_balance_minor?: string;
}

export interface LedgerEntry {
  entry_id: string;
  lines: LedgerLine[];
  description: string;
}

export interface Upstreams {
  getAccount(accountId: string): Promise<Account>;
  postEntry(entry: LedgerEntry): Promise<LedgerEntry>;
  getEntry(entryId: string): Promise<LedgerEntry>;
  /** Resolves when the server's grpc.health.v1 answers SERVING. */
  accountsHealthy(): Promise<void>;
  ledgerHealthy(): Promise<void>;
  close(): void;
}

/** grpc-js' error shape, with the status code the caller branches on. */
export function isServiceError(error: unknown): error is grpc.ServiceError {
  return error instanceof Error && typeof (error as Partial<grpc.ServiceError>).code === "number";
}

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  // A restarted upstream is picked up within ~2 s instead of grpc-js' default backoff of up to
  // two minutes, during which every call would fail fast with UNAVAILABLE.
  "grpc.initial_reconnect_backoff_ms": 200,
  "grpc.max_reconnect_backoff_ms": 2000,
  // One connection to every address the target resolves to (each pod behind a headless
  // Service, each replica of a list), calls taken in turn by the ready ones. grpc-js' default,
  // pick_first, would send everything to one of them and use the others only after it failed.
  "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
};

type Unary<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response?: Res) => void,
) => grpc.ClientUnaryCall;

function call<Req, Res>(method: Unary<Req, Res>, request: Req, timeoutMs: number): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (error, response) =>
      error || response === undefined ? reject(error) : resolve(response),
    );
  });
}

const HealthClient = grpc.makeClientConstructor(
  healthService as unknown as grpc.ServiceDefinition,
  "grpc.health.v1.Health",
);

interface HealthCheckClient extends grpc.Client {
  Check: Unary<{ service: string }, { status: string | number }>;
}

/** Health of the whole server (service ""), as probes ask it. Not traced: /readyz is polled. */
function healthCheck(client: HealthCheckClient, what: string, timeoutMs: number) {
  return async () => {
    const { status } = await call(client.Check.bind(client), { service: "" }, timeoutMs);
    if (status !== "SERVING" && status !== 1) throw new Error(`${what} is ${status}`);
  };
}

export function createUpstreams(
  settings: OrchestratorSettings,
  telemetry: Pick<Telemetry, "tracerProvider" | "meterProvider">,
): Upstreams {
  const accountsProto = loadProto("accounts").grpc.accounts.v1;
  const ledgerProto = loadProto("ledger").grpc.ledger.v1;
  const traced = (target: string): grpc.ClientOptions => ({
    ...CHANNEL_OPTIONS,
    interceptors: [
      createClientInterceptor({
        target,
        tracerProvider: telemetry.tracerProvider,
        meterProvider: telemetry.meterProvider,
      }),
    ],
  });
  const insecure = grpc.credentials.createInsecure();
  const accountsTarget = channelTarget(settings.accountsAddr);
  const ledgerTarget = channelTarget(settings.ledgerAddr);
  const accounts = new accountsProto.Accounts(accountsTarget, insecure, traced(accountsTarget));
  const ledger = new ledgerProto.Ledger(ledgerTarget, insecure, traced(ledgerTarget));
  // Round robin too: each check asks the next connected instance, as a call would go.
  const accountsHealth = new HealthClient(
    accountsTarget,
    insecure,
    CHANNEL_OPTIONS,
  ) as unknown as HealthCheckClient;
  const ledgerHealth = new HealthClient(
    ledgerTarget,
    insecure,
    CHANNEL_OPTIONS,
  ) as unknown as HealthCheckClient;

  return {
    getAccount: (accountId) =>
      call<{ account_id: string }, Account>(
        accounts.GetAccount.bind(accounts) as Unary<{ account_id: string }, Account>,
        { account_id: accountId },
        settings.accountsTimeoutMs,
      ),
    postEntry: (entry) =>
      call<LedgerEntry, LedgerEntry>(
        ledger.PostEntry.bind(ledger) as Unary<LedgerEntry, LedgerEntry>,
        entry,
        settings.ledgerTimeoutMs,
      ),
    getEntry: (entryId) =>
      call<{ entry_id: string }, LedgerEntry>(
        ledger.GetEntry.bind(ledger) as Unary<{ entry_id: string }, LedgerEntry>,
        { entry_id: entryId },
        settings.ledgerTimeoutMs,
      ),
    accountsHealthy: healthCheck(accountsHealth, "accounts", settings.readinessTimeoutMs),
    ledgerHealthy: healthCheck(ledgerHealth, "ledger", settings.readinessTimeoutMs),
    close() {
      for (const client of [accounts, ledger, accountsHealth, ledgerHealth]) client.close();
    },
  };
}
