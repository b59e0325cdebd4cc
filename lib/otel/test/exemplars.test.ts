// Exemplars in the exposition: a sampled measurement's trace and span on its histogram bucket,
// served as OpenMetrics when the scraper asks for it (Prometheus does), never in the
// Prometheus text format.
import { afterEach, describe, expect, test } from "bun:test";
import { context, TraceFlags, trace } from "@opentelemetry/api";
import type { Telemetry } from "../src/index.ts";
import { startTestTelemetry } from "./helpers.ts";

const OPENMETRICS = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5";
let running: Telemetry | undefined;

afterEach(async () => {
  await running?.shutdown();
  running = undefined;
});

function start() {
  const { telemetry } = startTestTelemetry();
  running = telemetry;
  const histogram = telemetry.meter.createHistogram("work_duration_ms", {
    description: 'Time the "work" took.',
    unit: "ms",
    advice: { explicitBucketBoundaries: [10, 100, 1000] },
  });
  return { telemetry, histogram };
}

const bucketLine = (text: string, le: string) =>
  text
    .split("\n")
    .find((l) => l.startsWith("work_duration_ms_bucket{") && l.includes(`le="${le}"`));

describe("exemplars", () => {
  test("a measurement in a sampled span is its bucket's exemplar, with trace id, span id, value and time", async () => {
    const { telemetry, histogram } = start();
    const span = telemetry.tracer.startSpan("work");
    const before = Date.now() / 1000;
    context.with(trace.setSpan(context.active(), span), () =>
      histogram.record(42, { route: "/a b" }),
    );
    span.end();
    const { contentType, body } = await telemetry.renderMetrics(OPENMETRICS);
    expect(contentType).toBe("application/openmetrics-text; version=1.0.0; charset=utf-8");
    const { traceId, spanId } = span.spanContext();
    const line = bucketLine(body, "100");
    const match =
      /^work_duration_ms_bucket\{route="\/a b",le="100"\} 1 # \{trace_id="(\w+)",span_id="(\w+)"\} 42 ([\d.]+)$/.exec(
        line ?? "",
      );
    expect(match?.slice(1, 3)).toEqual([traceId, spanId]);
    expect(Number(match?.[3])).toBeGreaterThanOrEqual(Math.floor(before));
    expect(Number(match?.[3])).toBeLessThanOrEqual(Date.now() / 1000 + 1);
    // Only the bucket the value fell in: the cumulative ones above and below have none.
    expect(bucketLine(body, "10")).not.toContain("#");
    expect(bucketLine(body, "1000")).not.toContain("#");
    expect(bucketLine(body, "+Inf")).not.toContain("#");
  });

  test("the latest measurement per bucket wins, per series; +Inf takes what is beyond the last bound", async () => {
    const { telemetry, histogram } = start();
    const inSpan = (name: string, value: number) => {
      const span = telemetry.tracer.startSpan(name);
      context.with(trace.setSpan(context.active(), span), () =>
        histogram.record(value, { route: "x" }),
      );
      return span;
    };
    inSpan("first", 5);
    const second = inSpan("second", 7);
    const huge = inSpan("huge", 5000);
    const { body } = await telemetry.renderMetrics(OPENMETRICS);
    expect(bucketLine(body, "10")).toContain(`span_id="${second.spanContext().spanId}"} 7 `);
    expect(bucketLine(body, "+Inf")).toContain(`span_id="${huge.spanContext().spanId}"} 5000 `);
  });

  test("no exemplar outside a span or in an unsampled one", async () => {
    const { telemetry, histogram } = start();
    histogram.record(42, { route: "none" });
    const unsampled = trace.wrapSpanContext({
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: TraceFlags.NONE,
    });
    context.with(trace.setSpan(context.active(), unsampled), () =>
      histogram.record(42, { route: "none" }),
    );
    const { body } = await telemetry.renderMetrics(OPENMETRICS);
    expect(body).toContain('work_duration_ms_bucket{route="none",le="100"} 2');
    expect(body).not.toContain("trace_id");
  });

  test("a context passed to record() is the one used, not the active one", async () => {
    const { telemetry, histogram } = start();
    const span = telemetry.tracer.startSpan("passed");
    histogram.record(3, { route: "p" }, trace.setSpan(context.active(), span));
    const { body } = await telemetry.renderMetrics(OPENMETRICS);
    expect(bucketLine(body, "10")).toContain(`span_id="${span.spanContext().spanId}"`);
  });

  test("a histogram renamed by a view (db.client.operation.duration) keeps its exemplars", async () => {
    const { telemetry } = start();
    const histogram = telemetry.meter.createHistogram("db.client.operation.duration", {
      unit: "s",
      advice: { explicitBucketBoundaries: [0.001, 0.01] },
    });
    const span = telemetry.tracer.startSpan("statement");
    histogram.record(
      0.005,
      { "db.operation.name": "SELECT" },
      trace.setSpan(context.active(), span),
    );
    const { body } = await telemetry.renderMetrics(OPENMETRICS);
    expect(body).toContain(
      `db_client_operation_duration_seconds_bucket{db_operation_name="SELECT",le="0.01"} 1 # {trace_id="${span.spanContext().traceId}"`,
    );
  });

  test("OpenMetrics spelling: counter families without _total, no UNIT, quotes escaped in HELP, # EOF last", async () => {
    const { telemetry, histogram } = start();
    telemetry.meter.createCounter("jobs_done", { description: "Jobs." }).add(2, { kind: "a" });
    histogram.record(1);
    const { body } = await telemetry.renderMetrics(OPENMETRICS);
    expect(body).toContain("# TYPE jobs_done counter\n");
    expect(body).toContain("# HELP jobs_done Jobs.\n");
    expect(body).toContain('jobs_done_total{kind="a"} 2\n');
    expect(body).toContain('# HELP work_duration_ms Time the \\"work\\" took.\n');
    expect(body).not.toContain("# UNIT");
    expect(body.endsWith("\n# EOF\n")).toBe(true);
  });

  test("the Prometheus text format has neither exemplars nor # EOF", async () => {
    const { telemetry, histogram } = start();
    const span = telemetry.tracer.startSpan("work");
    histogram.record(42, {}, trace.setSpan(context.active(), span));
    for (const accept of [undefined, "text/plain;version=0.0.4", "*/*"]) {
      const { contentType, body } = await telemetry.renderMetrics(accept);
      expect(contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
      expect(body).not.toContain("trace_id");
      expect(body).not.toContain("# EOF");
    }
  });

  test("metricsHandler negotiates from the request's Accept header", async () => {
    const { telemetry } = start();
    const om = await telemetry.metricsHandler(
      new Request("http://x/metrics", { headers: { accept: OPENMETRICS } }),
    );
    expect(om.headers.get("content-type")).toStartWith("application/openmetrics-text");
    expect(await om.text()).toEndWith("# EOF\n");
    const plain = await telemetry.metricsHandler();
    expect(plain.headers.get("content-type")).toStartWith("text/plain");
  });
});
