// Retries of a consumer batch's database work. A batch is never dead-lettered for a transient
// failure: it is retried until it lands or the consumer closes, and then stays uncommitted for
// the next member of the group.

import { setTimeout as delay } from "node:timers/promises";
import { isPermanentDbError } from "./errors.ts";

/**
 * Retries transient failures (connection loss, deadlock, failover) with capped exponential
 * backoff. Gives up on a permanent error (it would fail forever and hold the partition) or
 * when the consumer is closing (the batch is then redelivered, not dead-lettered).
 */
export async function withRetry<T>(
  work: () => Promise<T>,
  options: { signal: AbortSignal; delayMs: number; onRetry(error: unknown, attempt: number): void },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (isPermanentDbError(error) || options.signal.aborted) throw error;
      options.onRetry(error, attempt);
      await abortableSleep(Math.min(options.delayMs * 2 ** (attempt - 1), 5_000), options.signal);
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => {});
}
