// Where the load goes: the ports `bun run dev` uses (lib/service APPS), unless a flag or an
// environment variable says otherwise, so the generator also drives apps started elsewhere.
import { APPS } from "../../lib/service/src/apps.ts";

export interface Targets {
  /** adder.v1.Adder, host:port (gRPC). */
  adderAddr: string;
  /** Orchestrator HTTP base URL (POST /v1/transfers). */
  orchestratorUrl: string;
  /** Accounts HTTP base URL (POST /v1/accounts opens the pool). */
  accountsUrl: string;
}

export const TARGET_ENV = {
  adderAddr: "LOAD_ADDER_ADDR",
  orchestratorUrl: "LOAD_ORCHESTRATOR_URL",
  accountsUrl: "LOAD_ACCOUNTS_URL",
} as const satisfies Record<keyof Targets, string>;

export function defaultTargets(env: Record<string, string | undefined> = process.env): Targets {
  return {
    adderAddr: env[TARGET_ENV.adderAddr] || `127.0.0.1:${APPS.adder.grpcPort}`,
    orchestratorUrl:
      env[TARGET_ENV.orchestratorUrl] || `http://127.0.0.1:${APPS.orchestrator.httpPort}`,
    accountsUrl: env[TARGET_ENV.accountsUrl] || `http://127.0.0.1:${APPS.accounts.httpPort}`,
  };
}

/** A target that does not answer at start: the CLI prints the message alone, without a stack. */
export class UnreachableError extends Error {
  constructor(app: string, where: string, cause?: unknown) {
    super(`${app} not reachable at ${where} — is \`bun run dev\` running?`, { cause });
    this.name = "UnreachableError";
  }
}

/** Throws UnreachableError unless GET <baseUrl>/healthz answers 2xx within timeoutMs. */
export async function checkHttp(app: string, baseUrl: string, timeoutMs = 3000): Promise<void> {
  try {
    const response = await fetch(new URL("/healthz", baseUrl), {
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`/healthz answered ${response.status}`);
  } catch (error) {
    throw new UnreachableError(app, baseUrl, error);
  }
}

/** Strips a trailing slash so `${base}/v1/...` never holds `//`. */
export function baseUrl(url: string): string {
  return url.replace(/\/+$/, "");
}
