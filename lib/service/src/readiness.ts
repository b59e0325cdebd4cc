// The /readyz checks most apps need, bounded so a hung dependency answers 503 quickly instead
// of holding the probe open.
import type { Admin } from "@obs/kafka";
import type { ReadinessCheck } from "./http.ts";
import { withTimeout } from "./timeout.ts";

const DEFAULT_TIMEOUT_MS = 3000;

/** The dependency answers `ping` (e.g. PostgreSQL `select 1`) within the time-out. */
export function answers(
  what: string,
  ping: () => Promise<unknown>,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): ReadinessCheck {
  return async () => {
    await withTimeout(ping(), timeoutMs, what);
  };
}

/** A broker answers metadata and every topic the app needs exists. */
export function topicsExist(
  admin: Pick<Admin, "partitionCounts">,
  topics: string[],
  timeoutMs = DEFAULT_TIMEOUT_MS,
): ReadinessCheck {
  return async () => {
    const counts = await withTimeout(admin.partitionCounts(topics), timeoutMs, "kafka metadata");
    const missing = topics.filter((topic) => !counts.get(topic));
    if (missing.length > 0) throw new Error(`topics not found: ${missing.join(", ")}`);
  };
}
