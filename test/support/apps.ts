// Reads what people read during system tests: Prometheus queries and Jaeger traces; runs
// apps as real processes through scripts/app-process.ts, exactly as `bun run dev` does.
import { isListening } from "../../infra/local/ports.ts";
import { type AppName, replicaPorts } from "../../lib/service/src/apps.ts";
import { type RunningApp, runApp, stopApp } from "../../scripts/app-process.ts";
import { type AppInstance, instanceEnv } from "../../scripts/replicas.ts";
import { ENDPOINTS } from "./infra.ts";

export { type RunningApp, runApp, runApps, stopApp } from "../../scripts/app-process.ts";

/**
 * System tests run the apps on their usual ports (and replicas on theirs): fail loudly when
 * something holds one.
 */
export async function assertAppPortsFree(names: readonly AppName[], replicas = 1): Promise<void> {
  for (const name of names) {
    for (let replica = 0; replica < replicas; replica++) {
      const { httpPort, grpcPort } = replicaPorts(name, replica);
      for (const port of [httpPort, grpcPort]) {
        if (await isListening(port))
          throw new Error(`port ${port} is busy: stop \`bun run dev\` before the system tests`);
      }
    }
  }
}

/**
 * Starts the planned instances (scripts/replicas.ts) with the ports and variables
 * `bun run dev --replicas N` gives them; `plan` is every instance the run has, which the
 * orchestrator's upstream addresses come from; `env` is added to every instance's (e.g. a
 * cluster's KAFKA_BROKERS). A failed start stops those that did start.
 */
export async function runInstances(
  instances: readonly AppInstance[],
  plan: readonly AppInstance[] = instances,
  env: Record<string, string> = {},
): Promise<RunningApp[]> {
  const started = await Promise.allSettled(
    instances.map((instance) =>
      runApp(instance.app, {
        httpPort: instance.httpPort,
        grpcPort: instance.grpcPort,
        label: instance.label,
        env: { ...env, ...instanceEnv(instance, plan) },
      }),
    ),
  );
  const failed = started.find((s) => s.status === "rejected");
  if (failed) {
    await Promise.all(started.map((s) => (s.status === "fulfilled" ? stopApp(s.value) : null)));
    throw failed.reason;
  }
  return started.map((s) => (s as PromiseFulfilledResult<RunningApp>).value);
}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export async function promQuery(expr: string): Promise<Sample[]> {
  const response = await fetch(
    `${ENDPOINTS.prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`,
  );
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data: { result: Sample[] };
  };
  if (body.status !== "success") throw new Error(`${expr}: ${body.error}`);
  return body.data.result;
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  processID: string;
  references: { refType: string; spanID: string; traceID: string }[];
  tags: { key: string; value: unknown }[];
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  /** Each process's service and resource attributes (service.instance.id, process.pid, …). */
  processes: Record<string, { serviceName: string; tags?: { key: string; value: unknown }[] }>;
}

export async function jaegerTraces(
  service: string,
  params: Record<string, string> = {},
): Promise<JaegerTrace[]> {
  const query = new URLSearchParams({ service, limit: "50", lookback: "1h", ...params });
  const response = await fetch(`${ENDPOINTS.jaegerQuery}/api/traces?${query}`);
  const body = (await response.json()) as { data: JaegerTrace[] | null };
  return body.data ?? [];
}

/** "service: operation" of each span, with its parent's span id (CHILD_OF or FOLLOWS_FROM). */
export function describeSpans(trace: JaegerTrace) {
  return trace.spans.map((s) => ({
    id: s.spanID,
    service: trace.processes[s.processID]?.serviceName ?? "?",
    name: s.operationName,
    parent: s.references[0]?.spanID,
    kind: s.tags.find((t) => t.key === "span.kind")?.value,
    /** How it hangs off its parent: CHILD_OF, or FOLLOWS_FROM when Jaeger saw a link. */
    reference: s.references[0]?.refType,
    links: s.references.length - (s.references[0] ? 1 : 0),
    tags: Object.fromEntries(s.tags.map((t) => [t.key, t.value])) as Record<string, unknown>,
  }));
}
