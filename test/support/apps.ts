// Runs apps as real processes (exactly as `bun run dev` does) for system tests, and reads
// what people read: HTTP endpoints, Prometheus queries, Jaeger traces.
import { join } from "node:path";
import { databaseUrlFor } from "../../lib/db/src/index.ts";
import { APPS, type AppName } from "../../lib/service/src/apps.ts";
import { type AppProcess, startApp, stopApps } from "../../scripts/app-process.ts";
import { ENDPOINTS, eventually } from "./infra.ts";

const repo = join(import.meta.dir, "..", "..");

export interface RunningApp extends AppProcess {
  httpPort: number;
  grpcPort: number;
  url: (path: string) => string;
}

/** Starts `name` with the local infrastructure's addresses and waits for /healthz. */
export async function runApp(
  name: AppName,
  {
    httpPort = APPS[name].httpPort,
    grpcPort = APPS[name].grpcPort,
    env = {} as Record<string, string>,
  } = {},
): Promise<RunningApp> {
  const app = startApp(name, {
    cwd: repo,
    env: {
      KAFKA_BROKERS: ENDPOINTS.kafkaBrokers,
      DATABASE_URL: databaseUrlFor(name),
      OTEL_EXPORTER_OTLP_ENDPOINT: ENDPOINTS.otlpHttp,
      // Export spans quickly so tests find them in Jaeger within seconds.
      OTEL_BSP_SCHEDULE_DELAY: "200",
      HTTP_PORT: String(httpPort),
      GRPC_PORT: String(grpcPort),
      ...env,
    },
  });
  const url = (path: string) => `http://127.0.0.1:${httpPort}${path}`;
  await eventually(
    `${name} /healthz`,
    async () => {
      if (app.proc.exitCode !== null) throw new Error(`${name} exited with ${app.proc.exitCode}`);
      return (await fetch(url("/healthz"))).ok ? true : undefined;
    },
    60_000,
  );
  return { ...app, httpPort, grpcPort, url };
}

export async function stopApp(app: RunningApp): Promise<void> {
  await stopApps([app]);
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
  processes: Record<string, { serviceName: string }>;
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
  }));
}
