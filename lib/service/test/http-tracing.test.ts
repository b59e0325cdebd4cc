// The HTTP port's SERVER spans and duration histogram, as a REST client meets them: real
// requests against Bun.serve, spans from an in-memory exporter, metrics from /metrics.
import { afterAll, beforeEach, expect, test } from "bun:test";
import { startTelemetry } from "@obs/otel";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { Hono } from "hono";
import { AppError, readJsonBody } from "../src/errors.ts";
import { startHttpServer } from "../src/http.ts";

const exporter = new InMemorySpanExporter();
const telemetry = startTelemetry({
  serviceName: "http-tracing-test",
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
  processMetrics: false,
  logger: { level: "silent" },
});

/** What the handler saw as its active span, to prove it ran inside the SERVER span. */
let activeInHandler: string | undefined;

const routes = new Hono();
routes.get("/v1/accounts/:id/balance", (c) => {
  activeInHandler = trace.getSpan(context.active())?.spanContext().spanId;
  return c.json({ id: c.req.param("id"), balance: "0" });
});
routes.post("/v1/transfers", async (c) => c.json(await readJsonBody(c), 201));
routes.get("/v1/missing/:id", () => {
  throw AppError.notFound("no such thing");
});
routes.get("/v1/boom", () => {
  throw new TypeError("kaput");
});
routes.get("/v1/unavailable", () => {
  throw AppError.unavailable("database is away");
});

const server = startHttpServer({
  port: 0,
  metrics: () => telemetry.renderMetrics(),
  routes,
  telemetry,
});
const base = `http://127.0.0.1:${server.port}`;

beforeEach(() => {
  exporter.reset();
  activeInHandler = undefined;
});
afterAll(async () => {
  await server.stop();
  await telemetry.shutdown();
});

function onlySpan() {
  const spans = exporter.getFinishedSpans();
  expect(spans).toHaveLength(1);
  return spans[0] as NonNullable<(typeof spans)[0]>;
}

test("a request gets a SERVER span named after the route template, with semconv attributes", async () => {
  const response = await fetch(`${base}/v1/accounts/abc-123/balance`, {
    headers: { "user-agent": "tracing-test" },
  });
  expect(response.status).toBe(200);
  const span = onlySpan();
  expect(span.name).toBe("GET /v1/accounts/:id/balance");
  expect(span.kind).toBe(SpanKind.SERVER);
  expect(span.attributes).toMatchObject({
    "http.request.method": "GET",
    "http.route": "/v1/accounts/:id/balance",
    "url.path": "/v1/accounts/abc-123/balance",
    "url.scheme": "http",
    "server.port": server.port,
    "http.response.status_code": 200,
    "user_agent.original": "tracing-test",
  });
  expect(span.attributes["error.type"]).toBeUndefined();
  expect(span.status.code).toBe(SpanStatusCode.UNSET);
  expect(activeInHandler).toBe(span.spanContext().spanId);
});

test("an incoming traceparent becomes the span's parent", async () => {
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const parentId = "00f067aa0ba902b7";
  const response = await fetch(`${base}/v1/transfers`, {
    method: "POST",
    headers: { traceparent: `00-${traceId}-${parentId}-01`, "content-type": "application/json" },
    body: JSON.stringify({ amount_minor: "5000" }),
  });
  expect(response.status).toBe(201);
  expect(await response.json()).toEqual({ amount_minor: "5000" });
  const span = onlySpan();
  expect(span.name).toBe("POST /v1/transfers");
  expect(span.spanContext().traceId).toBe(traceId);
  expect(span.parentSpanContext?.spanId).toBe(parentId);
});

test("without a traceparent the span starts a new trace", async () => {
  await fetch(`${base}/v1/accounts/x/balance`);
  expect(onlySpan().parentSpanContext).toBeUndefined();
});

test("malformed JSON and non-object bodies are 400 {error, message}, not a failed span", async () => {
  for (const body of ["{not json", "[1,2]", "null", '"text"']) {
    exporter.reset();
    const response = await fetch(`${base}/v1/transfers`, { method: "POST", body });
    expect(response.status).toBe(400);
    const json = (await response.json()) as { error: string; message: string };
    expect(json.error).toBe("INVALID_ARGUMENT");
    expect(json.message).toBeString();
    const span = onlySpan();
    expect(span.attributes["http.response.status_code"]).toBe(400);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  }
});

test("a thrown AppError answers its status; 4xx leaves the span status unset", async () => {
  const response = await fetch(`${base}/v1/missing/7`);
  expect(response.status).toBe(404);
  expect(await response.json()).toEqual({ error: "NOT_FOUND", message: "no such thing" });
  const span = onlySpan();
  expect(span.name).toBe("GET /v1/missing/:id");
  expect(span.status.code).toBe(SpanStatusCode.UNSET);
  expect(span.attributes["error.type"]).toBeUndefined();
});

test("an unknown path is a 404 span named by the method alone, without http.route", async () => {
  const response = await fetch(`${base}/nowhere/${crypto.randomUUID()}`);
  expect(response.status).toBe(404);
  expect(((await response.json()) as { error: string }).error).toBe("NOT_FOUND");
  const span = onlySpan();
  expect(span.name).toBe("GET");
  expect(span.attributes["http.route"]).toBeUndefined();
  expect(span.attributes["http.response.status_code"]).toBe(404);
  expect(span.status.code).toBe(SpanStatusCode.UNSET);
});

test("a handler that throws is a 500 without internals, an ERROR span with the exception", async () => {
  const response = await fetch(`${base}/v1/boom`);
  expect(response.status).toBe(500);
  expect(await response.json()).toEqual({ error: "INTERNAL", message: "internal error" });
  const span = onlySpan();
  expect(span.status.code).toBe(SpanStatusCode.ERROR);
  expect(span.attributes["http.response.status_code"]).toBe(500);
  expect(span.attributes["error.type"]).toBe("TypeError");
  expect(span.events.map((e) => e.name)).toContain("exception");
});

test("UNAVAILABLE is a 503 and a failed span", async () => {
  const response = await fetch(`${base}/v1/unavailable`);
  expect(response.status).toBe(503);
  expect(await response.json()).toEqual({ error: "UNAVAILABLE", message: "database is away" });
  const span = onlySpan();
  expect(span.status.code).toBe(SpanStatusCode.ERROR);
  expect(span.attributes["error.type"]).toBe("AppError");
});

test("probes and scrapes are not traced", async () => {
  for (const path of ["/healthz", "/readyz", "/metrics"]) await fetch(`${base}${path}`);
  expect(exporter.getFinishedSpans()).toHaveLength(0);
});

test("http_server_request_duration_seconds is rendered with method, route and status labels", async () => {
  await fetch(`${base}/v1/accounts/m/balance`);
  await fetch(`${base}/v1/missing/m`);
  const text = await (await fetch(`${base}/metrics`)).text();
  expect(text).toContain("# TYPE http_server_request_duration_seconds histogram");
  const counts = text
    .split("\n")
    .filter((line) => line.startsWith("http_server_request_duration_seconds_count{"));
  const balance = counts.find((l) => l.includes('http_route="/v1/accounts/:id/balance"'));
  expect(balance).toContain('http_request_method="GET"');
  expect(balance).toContain('http_response_status_code="200"');
  const missing = counts.find((l) => l.includes('http_route="/v1/missing/:id"'));
  expect(missing).toContain('http_response_status_code="404"');
  // Ids never become labels.
  expect(text).not.toContain("/v1/accounts/m/");
});

test("without telemetry the server still answers, untraced", async () => {
  const plain = startHttpServer({
    port: 0,
    metrics: async () => ({ contentType: "text/plain", body: "" }),
    routes,
  });
  try {
    const response = await fetch(`http://127.0.0.1:${plain.port}/v1/missing/1`);
    expect(response.status).toBe(404);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  } finally {
    await plain.stop();
  }
});
