import { InfraError } from "./errors.ts";

/**
 * Polls `probe` until it returns true; throws an InfraError naming `what` on time-out, or at
 * once when `gaveUp` names a reason to stop waiting (the process exited).
 */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  {
    timeoutMs = 60_000,
    intervalMs = 250,
    gaveUp,
  }: { timeoutMs?: number; intervalMs?: number; gaveUp?: () => string | undefined } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    const reason = gaveUp?.();
    if (reason !== undefined) throw new InfraError(`${what} ${reason}`);
    await Bun.sleep(intervalMs);
  }
  throw new InfraError(`${what} was not ready after ${Math.round(timeoutMs / 1000)}s`);
}

/** True when an HTTP GET answers 2xx within a second. */
export async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
  return response.ok;
}
