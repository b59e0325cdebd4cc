// The orchestrator's own settings, next to the shared AppConfig (ports, database) from
// lib/service.
import { positiveInt } from "@obs/service";

export interface OrchestratorSettings {
  /** accounts.v1.Accounts: host:port, a comma-separated list of them, or dns:///name:port. */
  accountsAddr: string;
  /** ledger.v1.Ledger, as accountsAddr (see target.ts). */
  ledgerAddr: string;
  /** Deadline of each GetAccount call. */
  accountsTimeoutMs: number;
  /** Deadline of each PostEntry / GetEntry call. */
  ledgerTimeoutMs: number;
  /** Deadline of each upstream health check made by /readyz. */
  readinessTimeoutMs: number;
  /** Postgres pool size; a transfer holds a connection only for each of its short statements. */
  dbPoolSize: number;
}

export function loadOrchestratorSettings(
  env: Record<string, string | undefined> = process.env,
): OrchestratorSettings {
  return {
    accountsAddr: env.ACCOUNTS_ADDR || "127.0.0.1:50055",
    ledgerAddr: env.LEDGER_ADDR || "127.0.0.1:50053",
    accountsTimeoutMs: positiveInt(env, "ORCHESTRATOR_ACCOUNTS_TIMEOUT_MS", 2000),
    ledgerTimeoutMs: positiveInt(env, "ORCHESTRATOR_LEDGER_TIMEOUT_MS", 5000),
    readinessTimeoutMs: positiveInt(env, "ORCHESTRATOR_READINESS_TIMEOUT_MS", 2000),
    dbPoolSize: positiveInt(env, "ORCHESTRATOR_DB_POOL_SIZE", 20),
  };
}
