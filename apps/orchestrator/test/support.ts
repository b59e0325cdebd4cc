// Shared by the orchestrator's tests: one telemetry for the test process (spans in memory), a
// dedicated database migrated like production, and the orchestrator wired to fake upstreams.
import { randomUUID } from "node:crypto";
import { loadConfig } from "@obs/service";
import { appTestHarness } from "../../../test/support/app-harness.ts";
import { type Orchestrator, startOrchestrator } from "../src/app.ts";
import type { OrchestratorSettings } from "../src/config.ts";

/** Never the database `bun run dev` uses; keys are unique per test, so nothing is truncated. */
export const { TEST_DATABASE_URL, migrateTestDatabase, spans, testTelemetry } = appTestHarness(
  "orchestrator",
  { logLevel: "error" },
);

export function startTestOrchestrator(
  settings: Partial<OrchestratorSettings>,
): Promise<Orchestrator> {
  return startOrchestrator({
    config: loadConfig("orchestrator", { DATABASE_URL: TEST_DATABASE_URL }),
    telemetry: testTelemetry(),
    grpcPort: 0,
    httpPort: 0,
    databaseUrl: TEST_DATABASE_URL,
    settings: { dbPoolSize: 10, ...settings },
  });
}

export const newKey = (what = "key") => `orchestrator-test.${what}.${randomUUID()}`;

/** A fresh W3C trace the request continues, so its spans can be picked out. */
export function newTrace(): { traceId: string; traceparent: string } {
  const hex = (bytes: number) =>
    Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
  const traceId = hex(16);
  return { traceId, traceparent: `00-${traceId}-${hex(8)}-01` };
}

/** Sum of the samples of `name` whose labels include all of `labels`. */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number {
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}
