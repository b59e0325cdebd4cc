import { afterEach, describe, expect, test } from "bun:test";
import { context, propagation, trace } from "@opentelemetry/api";
import { ExportResultCode } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace";
import { shutdownOnSignals, startTelemetry, type Telemetry } from "../src/index.ts";
import { startTestTelemetry } from "./helpers.ts";

const ENV_KEYS = [
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_TRACES_EXPORTER",
  "OTEL_SDK_DISABLED",
  "OTEL_SERVICE_NAME",
  "OTEL_RESOURCE_ATTRIBUTES",
  "OTEL_BSP_SCHEDULE_DELAY",
  "OTEL_TRACES_SAMPLER",
  "OTEL_PROPAGATORS",
] as const;
const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
let running: Telemetry | undefined;

afterEach(async () => {
  await running?.shutdown();
  running = undefined;
  for (const key of ENV_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
});

/** A stand-in OTLP/HTTP collector on an ephemeral localhost port. */
function fakeCollector() {
  const requests: { path: string; contentType: string | null; body: Uint8Array }[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      requests.push({
        path: new URL(request.url).pathname,
        contentType: request.headers.get("content-type"),
        body: new Uint8Array(await request.arrayBuffer()),
      });
      return new Response(new Uint8Array(0), {
        headers: { "content-type": "application/x-protobuf" },
      });
    },
  });
  return { requests, url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

/** Records what it is given and, unlike InMemorySpanExporter, keeps it after shutdown. */
function recordingExporter(): SpanExporter & { spans: ReadableSpan[] } {
  const spans: ReadableSpan[] = [];
  return {
    spans,
    export(batch, done) {
      spans.push(...batch);
      done({ code: ExportResultCode.SUCCESS });
    },
    shutdown: async () => {},
  };
}

describe("startTelemetry", () => {
  test("exports spans as OTLP http/protobuf to OTEL_EXPORTER_OTLP_ENDPOINT on shutdown", async () => {
    const collector = fakeCollector();
    try {
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = collector.url;
      running = startTelemetry({ serviceName: "otlp-test", processMetrics: false });
      running.tracer.startSpan("exported-span-name").end();
      expect(collector.requests).toHaveLength(0); // batched, not yet sent
      await running.shutdown();
      expect(collector.requests).toHaveLength(1);
      const [request] = collector.requests;
      expect(request?.path).toBe("/v1/traces");
      expect(request?.contentType).toBe("application/x-protobuf");
      const text = new TextDecoder().decode(request?.body);
      expect(text).toContain("exported-span-name");
      expect(text).toContain("otlp-test");
    } finally {
      collector.stop();
    }
  });

  test("OTEL_TRACES_EXPORTER=none: no span pipeline, nothing exported, incoming context still propagated", async () => {
    const collector = fakeCollector();
    try {
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = collector.url;
      process.env.OTEL_TRACES_EXPORTER = "none";
      running = startTelemetry({ serviceName: "quiet", processMetrics: false });
      const span = running.tracer.startSpan("not-exported");
      // As sdk-node defines it: no tracer provider, so spans are not even recorded...
      expect(span.isRecording()).toBe(false);
      span.end();
      // ...but a caller's trace goes on through this process to the next hop.
      const incoming = propagation.extract(context.active(), { traceparent: TRACEPARENT });
      const outgoing: Record<string, string> = {};
      const child = running.tracer.startSpan("child", {}, incoming);
      propagation.inject(trace.setSpan(incoming, child), outgoing);
      expect(outgoing.traceparent).toContain(TRACEPARENT.split("-")[1] as string);
      await running.shutdown();
      expect(collector.requests).toHaveLength(0);
    } finally {
      collector.stop();
    }
  });

  test("OTEL_TRACES_SAMPLER and OTEL_PROPAGATORS are read by sdk-node (b3 included)", async () => {
    process.env.OTEL_TRACES_SAMPLER = "always_off";
    process.env.OTEL_PROPAGATORS = "b3";
    const { telemetry } = startTestTelemetry();
    running = telemetry;
    expect(telemetry.tracer.startSpan("dropped").isRecording()).toBe(false);
    expect(propagation.fields()).toContain("b3");
    expect(propagation.fields()).not.toContain("traceparent");
  });

  test("shutdown flushes a batching span exporter", async () => {
    process.env.OTEL_BSP_SCHEDULE_DELAY = "60000";
    const exporter = recordingExporter();
    running = startTelemetry({
      serviceName: "flush",
      spanExporter: exporter,
      processMetrics: false,
    });
    running.tracer.startSpan("pending").end();
    await Bun.sleep(10);
    expect(exporter.spans).toHaveLength(0);
    await running.shutdown();
    expect(exporter.spans.map((s) => s.name)).toEqual(["pending"]);
  });

  test("resource: code, host, process, then OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME", () => {
    process.env.OTEL_SERVICE_NAME = "renamed";
    process.env.OTEL_RESOURCE_ATTRIBUTES = "deployment.environment.name=test,service.namespace=obs";
    const { telemetry } = startTestTelemetry({ serviceName: "original" });
    running = telemetry;
    expect(telemetry.serviceName).toBe("renamed");
    expect(telemetry.resource.attributes).toMatchObject({
      "service.name": "renamed",
      "service.version": "1.2.3",
      "service.namespace": "obs",
      "deployment.environment.name": "test",
      "process.pid": process.pid,
      "process.runtime.name": "bun",
      "process.runtime.version": Bun.version,
    });
    expect(typeof telemetry.resource.attributes["host.name"]).toBe("string");
  });

  test("registers W3C propagators and an AsyncLocalStorage context manager", async () => {
    const { telemetry } = startTestTelemetry();
    running = telemetry;
    expect(propagation.fields()).toEqual(["traceparent", "tracestate", "baggage"]);
    const span = telemetry.tracer.startSpan("outer");
    const seen = await context.with(trace.setSpan(context.active(), span), async () => {
      await Bun.sleep(1);
      await new Promise((resolve) => setImmediate(resolve));
      return trace.getActiveSpan();
    });
    span.end();
    expect(seen).toBe(span);
    expect(trace.getActiveSpan()).toBeUndefined();
  });

  test("shutdown releases the globals so the next start can register", async () => {
    const first = startTestTelemetry();
    await first.telemetry.shutdown();
    expect(trace.getTracer("x").startSpan("noop").isRecording()).toBe(false);
    const second = startTestTelemetry();
    running = second.telemetry;
    trace.getTracer("x").startSpan("recorded").end();
    await Bun.sleep(5);
    expect(second.exporter.getFinishedSpans().map((s) => s.name)).toEqual(["recorded"]);
  });

  test("OTEL_SDK_DISABLED keeps the API shape but records nothing", async () => {
    process.env.OTEL_SDK_DISABLED = "true";
    running = startTelemetry({ serviceName: "off" });
    expect(running.tracer.startSpan("x").isRecording()).toBe(false);
    const { body } = await running.renderMetrics();
    expect(body).not.toContain("target_info");
    expect(propagation.fields()).toEqual([]);
  });
});

describe("process metrics", () => {
  test("event-loop delay is in the exposition once sampled, and stays when two scrapes fall in one interval", async () => {
    const { telemetry } = startTestTelemetry({ processMetrics: true });
    running = telemetry;
    const lagLine = (text: string) => /^nodejs_eventloop_lag_p99_seconds \d/m.test(text);
    await Bun.sleep(60);
    // Two scrapes in the same tick: the second finds the 10 ms histogram without a new
    // sample, and the series must not vanish from it.
    const [first, second] = await Promise.all([
      telemetry.renderMetrics(),
      telemetry.renderMetrics(),
    ]);
    expect(lagLine(first.body)).toBe(true);
    expect(lagLine(second.body)).toBe(true);
  });
});

describe("shutdownOnSignals", () => {
  test("SIGTERM runs the hook, shuts telemetry down and exits 0", async () => {
    const order: string[] = [];
    let exitCode: number | undefined;
    const telemetry = startTestTelemetry().telemetry;
    running = telemetry;
    const shutdown = telemetry.shutdown;
    const remove = shutdownOnSignals(
      {
        logger: telemetry.logger,
        shutdown: async () => {
          order.push("telemetry");
          await shutdown();
        },
      },
      {
        beforeShutdown: () => {
          order.push("hook");
        },
        exit: (code) => {
          exitCode = code;
        },
      },
    );
    try {
      process.emit("SIGTERM", "SIGTERM");
      for (let i = 0; i < 100 && exitCode === undefined; i++) await Bun.sleep(5);
      expect(order).toEqual(["hook", "telemetry"]);
      expect(exitCode).toBe(0);
    } finally {
      remove();
    }
    expect(process.listeners("SIGTERM")).toHaveLength(0);
  });
});

describe("an unreachable trace backend", () => {
  const fixture = new URL("./fixtures/exporting-app.ts", import.meta.url).pathname;

  /** Runs the fixture against `endpoint` for a second of failing exports, then SIGTERMs it. */
  async function runAndStop(endpoint: string) {
    const child = Bun.spawn(["bun", fixture], {
      env: {
        ...process.env,
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_BSP_SCHEDULE_DELAY: "100",
        OTEL_EXPORTER_OTLP_TIMEOUT: "10000",
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    const reader = child.stdout.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain("ready");
    await Bun.sleep(1_000);
    const aliveWhileFailing = child.exitCode === null;
    const stoppedAt = performance.now();
    child.kill("SIGTERM");
    const exitCode = await child.exited;
    return { aliveWhileFailing, exitCode, stopMs: performance.now() - stoppedAt };
  }

  test("refusing connections: the app keeps running and exits 0 on SIGTERM within the deadline", async () => {
    const closed = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = closed.port;
    closed.stop(true);
    const result = await runAndStop(`http://127.0.0.1:${port}`);
    expect(result).toMatchObject({ aliveWhileFailing: true, exitCode: 0 });
    // The exporter retries a refused connection; the 3 s shutdown deadline bounds it.
    expect(result.stopMs).toBeLessThan(6_000);
  }, 20_000);

  test("accepting but never answering: shutdown gives up after its deadline and exits 0", async () => {
    const silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const result = await runAndStop(`http://127.0.0.1:${silent.port}`);
      expect(result).toMatchObject({ aliveWhileFailing: true, exitCode: 0 });
      // The 3 s shutdown deadline, not the exporter's 10 s timeout.
      expect(result.stopMs).toBeLessThan(6_000);
    } finally {
      silent.stop(true);
    }
  }, 20_000);
});
