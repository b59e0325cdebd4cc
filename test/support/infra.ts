// Test-side access to the real infrastructure: starts whatever is not running (idempotent),
// so `bun test test/infra` works on its own, and fails loudly when something cannot start.
import { ENDPOINTS, up, wantedServices } from "../../infra/local/infra.ts";
import { migrateAll } from "../../scripts/migrate.ts";

export { ENDPOINTS };

let ready: Promise<void> | undefined;

export function ensureInfra(): Promise<void> {
  ready ??= (async () => {
    await up(wantedServices(), { quiet: true });
    await migrateAll();
  })();
  return ready;
}

/** Retries `probe` until it returns a value other than undefined, or throws after timeoutMs. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await Bun.sleep(intervalMs);
  }
  throw new Error(
    `timed out after ${timeoutMs}ms waiting for ${what}${lastError ? `: ${lastError}` : ""}`,
  );
}
