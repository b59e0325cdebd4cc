// The transfers flow: POST /v1/transfers on the orchestrator between two distinct accounts of
// the pool, a fresh idempotency key each time (a reused key would be answered as a replay
// without touching the ledger). Each transfer goes orchestrator → accounts, → ledger + outbox,
// relay → Kafka → read model.
import { randomUUID } from "node:crypto";
import type { Outcome } from "../stats.ts";
import { baseUrl, checkHttp } from "../targets.ts";
import { openAccounts } from "./accounts.ts";
import type { Flow } from "./flow.ts";
import { postJson } from "./http.ts";

export interface TransferFlowOptions {
  orchestratorUrl: string;
  accountsUrl: string;
  /** Pool size, opened by prepare() unless accountIds is given. */
  accounts: number;
  /** An already opened pool (all in `currency`), e.g. to reuse one across runs. */
  accountIds?: string[];
  currency: string;
  timeoutMs: number;
  random?: () => number;
}

/** Two distinct indexes in 0..n-1 (n ≥ 2). */
export function pickPair(n: number, random: () => number): [number, number] {
  const from = Math.floor(random() * n);
  // Drawing from the n-1 others avoids a retry loop.
  const to = (from + 1 + Math.floor(random() * (n - 1))) % n;
  return [from, to];
}

export function transferFlow(options: TransferFlowOptions): Flow & { accountIds(): string[] } {
  const random = options.random ?? Math.random;
  const url = `${baseUrl(options.orchestratorUrl)}/v1/transfers`;
  let pool = options.accountIds ?? [];
  return {
    name: "transfer",
    async prepare() {
      await checkHttp("orchestrator", baseUrl(options.orchestratorUrl));
      if (options.accountIds) return;
      await checkHttp("accounts", baseUrl(options.accountsUrl));
      pool = await openAccounts({
        accountsUrl: options.accountsUrl,
        count: options.accounts,
        currency: options.currency,
      });
    },
    async send(): Promise<Outcome> {
      const [from, to] = pickPair(pool.length, random);
      const { outcome } = await postJson(
        url,
        {
          from_account_id: pool[from],
          to_account_id: pool[to],
          amount_minor: 1 + Math.floor(random() * 1000),
          currency: options.currency,
          idempotency_key: randomUUID(),
        },
        options.timeoutMs,
      );
      return outcome;
    },
    close() {},
    accountIds: () => pool,
  };
}
