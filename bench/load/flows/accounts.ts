// The pool the transfers flow moves money between, opened through the accounts service so
// the orchestrator's GetAccount finds them. Opened without min_balance_minor: the ledger then
// applies no limit (apps/ledger entry.ts checks a line only when its account has one), so no
// transfer is refused for insufficient funds and no funding step is needed.
import { baseUrl } from "../targets.ts";
import { postJson } from "./http.ts";

export interface OpenAccountsOptions {
  accountsUrl: string;
  count: number;
  currency: string;
  timeoutMs?: number;
  /** Accounts opened at once; the pool is set-up, not load. */
  concurrency?: number;
}

export async function openAccounts({
  accountsUrl,
  count,
  currency,
  timeoutMs = 10_000,
  concurrency = 16,
}: OpenAccountsOptions): Promise<string[]> {
  const url = `${baseUrl(accountsUrl)}/v1/accounts`;
  const ids: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const { outcome, json } = await postJson(url, { currency }, timeoutMs);
      if (!outcome.ok)
        throw new Error(`opening a ${currency} account at ${url} failed: ${outcome.kind}`);
      ids.push((json as { account_id: string }).account_id);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return ids;
}
