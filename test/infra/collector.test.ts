// The Collector between the apps and Jaeger: the one `infra:up` runs forwards what apps send
// to 4318, and its tail-sampling policy, run in a second instance of the same binary and
// config with the share of the rest set to 0 %, keeps a trace with an error and a slow trace
// and drops a fast healthy one. Prometheus scrapes its own metrics. An app may export over OTLP/gRPC as well as http/protobuf.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { PORTS } from "../../infra/local/config.ts";
import {
  COLLECTOR_CONFIG,
  collectorBinary,
  collectorEnv,
} from "../../infra/local/services/collector.ts";
import { ENDPOINTS, ensureInfra, eventually } from "../support/infra.ts";

const hex = (bytes: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");

/** Ports of the second instance: away from the apps', the infrastructure's and Linux's range. */
const SAMPLER = { otlpGrpc: 24317, otlpHttp: 24318, health: 23133, metrics: 28888 };
let sampler: Subprocess | undefined;

beforeAll(async () => {
  await ensureInfra();
  sampler = Bun.spawn([collectorBinary(), "--config", COLLECTOR_CONFIG], {
    env: {
      ...process.env,
      ...collectorEnv({
        OTLP_GRPC_PORT: String(SAMPLER.otlpGrpc),
        OTLP_HTTP_PORT: String(SAMPLER.otlpHttp),
        OTELCOL_HEALTH_PORT: String(SAMPLER.health),
        OTELCOL_METRICS_PORT: String(SAMPLER.metrics),
        OTELCOL_SAMPLING_PERCENTAGE: "0",
        OTELCOL_SLOW_TRACE_MS: "300",
        OTELCOL_DECISION_WAIT: "1s",
      }),
    },
    stdout: "ignore",
    stderr: "pipe",
  });
  await eventually(
    "the sampling Collector's health check",
    async () =>
      (await fetch(`http://127.0.0.1:${SAMPLER.health}/`).catch(() => undefined))?.ok
        ? true
        : undefined,
    30_000,
  );
}, 600_000);

afterAll(async () => {
  sampler?.kill("SIGTERM");
  await sampler?.exited;
});

/** One single-span trace over OTLP/JSON: `durationMs` long, ending now, with a status. */
async function sendTrace(url: string, service: string, durationMs: number, error = false) {
  const traceId = hex(16);
  const now = BigInt(Date.now()) * 1_000_000n;
  const span = {
    traceId,
    spanId: hex(8),
    name: "request",
    kind: 2,
    startTimeUnixNano: String(now - BigInt(durationMs) * 1_000_000n),
    endTimeUnixNano: String(now),
    status: error ? { code: 2, message: "failed" } : { code: 1 },
  };
  const posted = await fetch(`${url}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
          scopeSpans: [{ scope: { name: "collector-test" }, spans: [span] }],
        },
      ],
    }),
  });
  expect(posted.status).toBe(200);
  return traceId;
}

const inJaeger = async (traceId: string) =>
  (await fetch(`${ENDPOINTS.jaegerQuery}/api/traces/${traceId}`)).ok;

test("infra:up's Collector forwards what the apps send to Jaeger", async () => {
  const traceId = await sendTrace(ENDPOINTS.otlpHttp, "collector-test", 5);
  await eventually("the trace in Jaeger", async () =>
    (await inJaeger(traceId)) ? true : undefined,
  );
}, 30_000);

test("Prometheus scrapes the Collector's own metrics: the spans it sent to Jaeger are counted", async () => {
  await sendTrace(ENDPOINTS.otlpHttp, "collector-test", 5);
  await eventually(
    "otelcol_exporter_sent_spans_total of job otel-collector in Prometheus",
    async () => {
      const query = encodeURIComponent(
        'sum(otelcol_exporter_sent_spans_total{job="otel-collector",exporter="otlp_grpc/jaeger"})',
      );
      const response = await fetch(`${ENDPOINTS.prometheus}/api/v1/query?query=${query}`);
      const body = (await response.json()) as { data: { result: { value: [number, string] }[] } };
      const sent = Number(body.data.result[0]?.value[1] ?? 0);
      return sent > 0 ? sent : undefined;
    },
    30_000,
  );
}, 60_000);

test("tail sampling at 0 %: errors and slow traces are kept, a fast healthy one is dropped", async () => {
  const url = `http://127.0.0.1:${SAMPLER.otlpHttp}`;
  const fast = await sendTrace(url, "sampling-test", 5);
  const failed = await sendTrace(url, "sampling-test", 5, true);
  const slow = await sendTrace(url, "sampling-test", 800);
  await eventually(
    "the failed and the slow trace in Jaeger",
    async () => ((await inJaeger(failed)) && (await inJaeger(slow)) ? true : undefined),
    30_000,
  );
  // Decided together (one decision wait); give the dropped one the same time again.
  await Bun.sleep(2_000);
  expect(await inJaeger(fast)).toBe(false);
}, 60_000);

test("an app exporting over OTLP/gRPC (OTEL_EXPORTER_OTLP_PROTOCOL=grpc) reaches Jaeger too", async () => {
  // sdk-node picks the gRPC exporter, which runs on Bun 1.4; the default stays http/protobuf.
  const service = `grpc-export-${hex(4)}`;
  const app = Bun.spawn(
    ["bun", new URL("../../lib/otel/test/fixtures/exporting-app.ts", import.meta.url).pathname],
    {
      env: {
        ...process.env,
        OTEL_SERVICE_NAME: service,
        OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${PORTS.otlpGrpc}`,
        OTEL_BSP_SCHEDULE_DELAY: "100",
      },
      stdout: "ignore",
      stderr: "pipe",
    },
  );
  try {
    await eventually(
      "the gRPC-exported spans in Jaeger",
      async () => {
        const response = await fetch(
          `${ENDPOINTS.jaegerQuery}/api/traces?service=${service}&limit=1&lookback=1h`,
        );
        const body = (await response.json()) as { data?: unknown[] };
        return (body.data?.length ?? 0) > 0 ? true : undefined;
      },
      30_000,
    );
  } finally {
    app.kill("SIGTERM");
  }
  expect(await app.exited).toBe(0);
}, 60_000);
