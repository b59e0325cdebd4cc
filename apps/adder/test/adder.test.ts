// The adder in-process against the real broker: gRPC, reflection, REST, and what lands on
// a topic of its own (as adder.sums.v1 would be). Calls carry a traceparent the test chose, so their messages can be told
// apart from anything else on the topic.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { status } from "@grpc/grpc-js";
import { startTelemetry, type Telemetry } from "@obs/otel";
import { loadConfig } from "@obs/service";
import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { ENDPOINTS, ensureInfra } from "../../../test/support/infra.ts";
import { type Adder, startAdder } from "../src/app.ts";
import type { AdderClient } from "../src/types.ts";
import {
  adderClient,
  callAdd,
  callAddStream,
  grpcError,
  grpcurl,
  grpcurlBinary,
  metadataFor,
  metricValue,
  newTrace,
  SumsTap,
  scrape,
} from "./helpers.ts";

const spans = new InMemorySpanExporter();
let adder: Adder;
let telemetry: Telemetry;
let client: AdderClient;
let tap: SumsTap;
// A topic of this run's own: the real adder.sums.v1 belongs to `bun run dev` and the system tests.
const TOPIC = `adder.sums.test-${crypto.randomUUID().slice(0, 8)}`;

beforeAll(ensureInfra, 600_000);
beforeAll(async () => {
  grpcurlBinary();
  telemetry = startTelemetry({
    serviceName: "adder",
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
  });
  adder = await startAdder({
    config: loadConfig("adder", { KAFKA_BROKERS: ENDPOINTS.kafkaBrokers }),
    telemetry,
    grpcPort: 0,
    httpPort: 0,
    settings: { batchMax: 64, topic: TOPIC },
  });
  client = adderClient(adder.grpcPort);
  tap = new SumsTap(ENDPOINTS.kafkaBrokers, TOPIC);
}, 120_000);
afterAll(async () => {
  client?.close();
  await adder?.stop();
  await telemetry?.shutdown();
}, 30_000);

const produced = async () =>
  metricValue(await scrape(adder.httpPort), "kafka_messages_produced_total", {
    topic: TOPIC,
  });

describe("start-up", () => {
  test("the topic and its DLQ exist with 3 partitions", async () => {
    const admin = await adder.kafka.admin();
    const counts = await admin.partitionCounts([TOPIC, `${TOPIC}.dlq`]);
    expect(counts.get(TOPIC)).toBeGreaterThanOrEqual(3);
    expect(counts.get(`${TOPIC}.dlq`)).toBeGreaterThanOrEqual(3);
  }, 15_000);

  test("/healthz and /readyz answer 200 with kafka ok", async () => {
    const health = await fetch(`http://127.0.0.1:${adder.httpPort}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${adder.httpPort}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: "ready",
      checks: { kafka: "ok", producer: "ok" },
    });
  }, 15_000);

  test("grpcurl list shows adder.v1.Adder and grpc.health.v1.Health", async () => {
    const { code, stdout, stderr } = await grpcurl([
      "-plaintext",
      `127.0.0.1:${adder.grpcPort}`,
      "list",
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout.split("\n")).toEqual(
      expect.arrayContaining(["adder.v1.Adder", "grpc.health.v1.Health"]),
    );
  }, 30_000);

  test("grpcurl can call Add", async () => {
    const { code, stdout } = await grpcurl([
      "-plaintext",
      "-d",
      '{"a": 2, "b": 3}',
      `127.0.0.1:${adder.grpcPort}`,
      "adder.v1.Adder/Add",
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ sum: "5" });
  }, 30_000);
});

describe("Add", () => {
  test("answers after its SumMessage is acknowledged, and the message carries the call's trace", async () => {
    const { traceId, traceparent } = newTrace();
    const before = Date.now();
    const response = await callAdd(client, { a: "40", b: 2 }, metadataFor(traceparent));
    const after = Date.now();
    expect(response).toEqual({ sum: "42" });

    // Answered only after the ack: the send span has already ended with its offset.
    const finished = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const server = finished.find((s) => s.name === "adder.v1.Adder/Add");
    const send = finished.find((s) => s.name === `send ${TOPIC}`);
    expect(server?.kind).toBe(SpanKind.SERVER);
    expect(send?.kind).toBe(SpanKind.PRODUCER);
    expect(send?.attributes["kafka.offset"]).toBeNumber();
    expect(send?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);

    const all = await tap.messagesOf(traceId);
    expect(all).toHaveLength(1);
    const { payload, key, headers } = all[0] as (typeof all)[number];
    expect(payload.sum).toBe("42");
    expect(payload.trace_id).toBe(traceId);
    expect(payload.span_id).toBe(server?.spanContext().spanId as string);
    expect(payload.message_id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(key).toBe(payload.message_id);
    const producedAt =
      Number(payload.produced_at?.seconds) * 1000 + (payload.produced_at?.nanos ?? 0) / 1e6;
    expect(producedAt).toBeGreaterThanOrEqual(before);
    expect(producedAt).toBeLessThanOrEqual(after);
    // The header's trace is the body's; its parent is the send span.
    expect(headers.traceparent).toBe(`00-${traceId}-${send?.spanContext().spanId}-01`);
    expect(Number(headers.produced_at)).toBeGreaterThanOrEqual(before);
  }, 30_000);

  test("adds the int64 extremes exactly", async () => {
    expect(await callAdd(client, { a: "9223372036854775807", b: "-9223372036854775808" })).toEqual({
      sum: "-1",
    });
    expect(await callAdd(client, { a: "9007199254740993", b: "0" })).toEqual({
      sum: "9007199254740993",
    });
  }, 15_000);

  test("missing a, missing b and overflow are INVALID_ARGUMENT, and nothing is published", async () => {
    const producedBefore = await produced();
    const missingA = await grpcError(callAdd(client, { b: 1 }));
    expect(missingA.code).toBe(status.INVALID_ARGUMENT);
    expect(missingA.details).toBe("a is required");
    const missingB = await grpcError(callAdd(client, { a: 1 }));
    expect(missingB.code).toBe(status.INVALID_ARGUMENT);
    expect(missingB.details).toBe("b is required");
    // Zero is a value, not a missing field: presence comes from `optional`.
    expect(await callAdd(client, { a: 0, b: 0 })).toEqual({ sum: "0" });
    const overflow = await grpcError(callAdd(client, { a: "9223372036854775807", b: 1 }));
    expect(overflow.code).toBe(status.INVALID_ARGUMENT);
    expect(overflow.details).toBe("sum overflows int64");
    const underflow = await grpcError(callAdd(client, { a: "-9223372036854775808", b: -1 }));
    expect(underflow.code).toBe(status.INVALID_ARGUMENT);
    expect(underflow.details).toBe("sum overflows int64");
    // Only the 0 + 0 call published.
    expect(await produced()).toBe(producedBefore + 1);
  }, 15_000);
});

describe("AddStream", () => {
  test("sums 300 values in batches and every message lands on the topic", async () => {
    const { traceId, traceparent } = newTrace();
    const requests = Array.from({ length: 300 }, (_, i) => ({ a: i, b: String(i * 1000) }));
    const expected = requests.map((r) => BigInt(r.a) + BigInt(r.b));
    const total = expected.reduce((x, y) => x + y, 0n);

    const response = await callAddStream(client, requests, metadataFor(traceparent));
    expect(response).toEqual({ count: "300", total: total.toString() });

    const received = await tap.messagesOf(traceId, 300, 30_000);
    expect(received).toHaveLength(300);
    const sums = received.map((r) => BigInt(r.payload.sum)).sort((x, y) => (x < y ? -1 : 1));
    expect(sums).toEqual(expected);
    expect(new Set(received.map((r) => r.payload.message_id)).size).toBe(300);
    // All in the stream's server span; spread over the partitions by message id.
    const server = spans
      .getFinishedSpans()
      .find((s) => s.spanContext().traceId === traceId && s.name === "adder.v1.Adder/AddStream");
    expect(server).toBeDefined();
    expect(new Set(received.map((r) => r.payload.span_id))).toEqual(
      new Set([server?.spanContext().spanId as string]),
    );
    expect(new Set(received.map((r) => r.partition)).size).toBeGreaterThan(1);
  }, 60_000);

  test("an empty stream replies count 0, total 0", async () => {
    expect(await callAddStream(client, [])).toEqual({ count: "0", total: "0" });
  }, 15_000);

  test("a bad request aborts the stream with INVALID_ARGUMENT naming its index", async () => {
    const requests = [{ a: 1, b: 1 }, { a: 2, b: 2 }, { a: 3 }, { a: 4, b: 4 }];
    const error = await grpcError(callAddStream(client, requests));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toBe("request 2: b is required");

    const overflow = await grpcError(
      callAddStream(client, [
        { a: 1, b: 1 },
        { a: "9223372036854775807", b: "1" },
      ]),
    );
    expect(overflow.code).toBe(status.INVALID_ARGUMENT);
    expect(overflow.details).toBe("request 1: sum overflows int64");
  }, 15_000);

  test("a total beyond int64 is INVALID_ARGUMENT", async () => {
    const big = { a: "9223372036854775807", b: "0" };
    const error = await grpcError(callAddStream(client, [big, big]));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toBe("request 1: total overflows int64");
  }, 15_000);
});

describe("POST /v1/add", () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${adder.httpPort}/v1/add`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });

  test("adds numbers and decimal strings and publishes like gRPC", async () => {
    const { traceId, traceparent } = newTrace();
    const response = await post(JSON.stringify({ a: 2, b: "9007199254740993" }), { traceparent });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sum: "9007199254740995" });

    const [received] = await tap.messagesOf(traceId);
    expect(received?.payload.sum).toBe("9007199254740995");
    const server = spans
      .getFinishedSpans()
      .find((s) => s.spanContext().traceId === traceId && s.name === "POST /v1/add");
    expect(server?.kind).toBe(SpanKind.SERVER);
    expect(received?.payload.span_id).toBe(server?.spanContext().spanId as string);
  }, 30_000);

  test.each([
    ["malformed JSON", '{"a": 1,', "body is not valid JSON"],
    ["a JSON array", "[1, 2]", "body must be a JSON object"],
    ["missing a", '{"b": 1}', "a is required"],
    ["missing b", '{"a": 1}', "b is required"],
    ["a boolean", '{"a": true, "b": 1}', "a must be an integer or a decimal string"],
    ["a fraction", '{"a": 1, "b": 1.5}', "b must be an integer"],
    ["a non-numeric string", '{"a": "two", "b": 1}', 'a must be a decimal integer, got "two"'],
    ["overflow", '{"a": "9223372036854775807", "b": 1}', "sum overflows int64"],
  ])(
    "%s is a 400 with a JSON error",
    async (_, body, message) => {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toContain("application/json");
      expect(await response.json()).toEqual({ error: "INVALID_ARGUMENT", message });
    },
    15_000,
  );
});

describe("metrics", () => {
  test("/metrics counts produced messages and RPC durations", async () => {
    const text = await scrape(adder.httpPort);
    expect(metricValue(text, "kafka_messages_produced_total", { topic: TOPIC })).toBeGreaterThan(0);
    expect(
      metricValue(text, "rpc_server_call_duration_seconds_count", {
        rpc_method: "adder.v1.Adder/Add",
      }),
    ).toBeGreaterThan(0);
    expect(metricValue(text, "kafka_producer_errors_total", { topic: TOPIC })).toBe(0);
  }, 15_000);
});
