import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { spanNamed, startTestTelemetry, type TestTelemetry } from "../../otel/test/helpers.ts";
import {
  extractTraceContext,
  injectTraceHeaders,
  type KafkaHeaders,
  readProducedAt,
  stampProducedAt,
  startConsumerSpan,
  startProducerSpan,
  withConsumerSpan,
  withProducerSpan,
} from "../src/index.ts";

let t: TestTelemetry;
beforeAll(() => {
  t = startTestTelemetry();
});
afterAll(() => t.telemetry.shutdown());
beforeEach(() => t.exporter.reset());

async function finished(expected: number) {
  for (let i = 0; i < 100 && t.exporter.getFinishedSpans().length < expected; i++) {
    await Bun.sleep(5);
  }
  return t.exporter.getFinishedSpans();
}

describe("header propagation", () => {
  test("inject then extract round-trips span context and baggage", () => {
    const span = trace.getTracer("test").startSpan("origin");
    const ctx = propagation.setBaggage(
      trace.setSpan(context.active(), span),
      propagation.createBaggage({ user: { value: "u-1" } }),
    );
    const headers = injectTraceHeaders<Record<string, string>>({ existing: "kept" }, ctx);
    span.end();
    const { traceId, spanId } = span.spanContext();
    expect(headers.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    expect(headers.baggage).toBe("user=u-1");
    expect(headers.existing).toBe("kept");

    // Consumers usually see Buffers.
    const asBuffers: KafkaHeaders = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)]),
    );
    const extracted = extractTraceContext(asBuffers);
    expect(trace.getSpanContext(extracted)).toMatchObject({ traceId, spanId, isRemote: true });
    expect(propagation.getBaggage(extracted)?.getEntry("user")?.value).toBe("u-1");
  });

  test("Map headers and case-folded keys are read too", () => {
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const fromMap = extractTraceContext(new Map([["traceparent", Buffer.from(traceparent)]]));
    expect(trace.getSpanContext(fromMap)?.spanId).toBe("b7ad6b7169203331");
    const folded = extractTraceContext({ TraceParent: [traceparent] });
    expect(trace.getSpanContext(folded)?.traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(trace.getSpanContext(extractTraceContext({}))).toBeUndefined();
  });

  test("produced_at stamp", () => {
    const headers = stampProducedAt<Record<string, string>>({}, 1_700_000_000_123);
    expect(headers.produced_at).toBe("1700000000123");
    expect(readProducedAt({ produced_at: Buffer.from("1700000000123") })).toBe(1_700_000_000_123);
    expect(readProducedAt({ produced_at: "garbage" })).toBeUndefined();
    expect(readProducedAt(undefined)).toBeUndefined();
  });
});

describe("messaging spans", () => {
  test("consumer span is a child of the producer span, without a link to the same span", async () => {
    const producer = startProducerSpan("adder.sums.v1", { key: "k-1", partition: 2 });
    const headers: KafkaHeaders = { ...producer.headers };
    producer.end();

    const consumer = startConsumerSpan("adder.sums.v1", headers, {
      partition: 2,
      offset: 41n,
      group: "totalizer",
      key: Buffer.from("k-1"),
    });
    consumer.end();

    const spans = await finished(2);
    const send = spanNamed(spans, "send adder.sums.v1", SpanKind.PRODUCER);
    const process = spanNamed(spans, "process adder.sums.v1", SpanKind.CONSUMER);
    expect(process.spanContext().traceId).toBe(send.spanContext().traceId);
    expect(process.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    // A link to the parent itself would make Jaeger report the edge as FOLLOWS_FROM.
    expect(process.links).toHaveLength(0);

    expect(send.attributes).toEqual({
      "messaging.system.name": "kafka",
      "messaging.operation.name": "send",
      "messaging.operation.type": "send",
      "messaging.destination.name": "adder.sums.v1",
      "messaging.destination.partition.id": "2",
      "kafka.message.key": "k-1",
    });
    expect(process.attributes).toEqual({
      "messaging.system.name": "kafka",
      "messaging.operation.name": "process",
      "messaging.operation.type": "process",
      "messaging.destination.name": "adder.sums.v1",
      "messaging.destination.partition.id": "2",
      "kafka.offset": 41,
      "messaging.consumer.group.name": "totalizer",
      "kafka.message.key": "k-1",
    });
  });

  test("the producer span continues the active trace", async () => {
    const root = trace.getTracer("test").startSpan("request");
    const producer = context.with(trace.setSpan(context.active(), root), () =>
      startProducerSpan("t"),
    );
    producer.end();
    root.end();
    const send = spanNamed(await finished(2), "send t", SpanKind.PRODUCER);
    expect(send.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(send.attributes["messaging.destination.partition.id"]).toBeUndefined();
  });

  test("without trace headers the consumer starts a new trace with no link", async () => {
    startConsumerSpan("t", { other: "x" }, { partition: 0, offset: 1, group: "g" }).end();
    const process = spanNamed(await finished(1), "process t", SpanKind.CONSUMER);
    expect(process.parentSpanContext).toBeUndefined();
    expect(process.links).toHaveLength(0);
  });

  test("with* helpers run inside the span and record failures", async () => {
    const seen: string[] = [];
    await withProducerSpan("t", {}, async (producer) => {
      await Bun.sleep(1);
      seen.push(trace.getActiveSpan()?.spanContext().spanId ?? "none");
      const headers = producer.headers;
      const failure = Object.assign(new Error("bad payload"), { code: "DESERIALIZE" });
      await expect(
        withConsumerSpan("t", headers, { partition: 0, offset: "7", group: "g" }, async () => {
          await Bun.sleep(1);
          seen.push(trace.getActiveSpan()?.spanContext().spanId ?? "none");
          throw failure;
        }),
      ).rejects.toBe(failure);
    });
    const spans = await finished(2);
    const send = spanNamed(spans, "send t", SpanKind.PRODUCER);
    const process = spanNamed(spans, "process t", SpanKind.CONSUMER);
    expect(seen).toEqual([send.spanContext().spanId, process.spanContext().spanId]);
    expect(send.status.code).toBe(SpanStatusCode.UNSET);
    expect(process.status).toEqual({ code: SpanStatusCode.ERROR, message: "bad payload" });
    expect(process.attributes["error.type"]).toBe("DESERIALIZE");
    expect(process.attributes["kafka.offset"]).toBe(7);
    expect(process.events.map((e) => e.name)).toEqual(["exception"]);
  });
});

describe("OTEL_SEMCONV_STABILITY_OPT_IN=messaging/dup", () => {
  test("spans carry the current messaging names and the older ones", async () => {
    const previous = process.env.OTEL_SEMCONV_STABILITY_OPT_IN;
    process.env.OTEL_SEMCONV_STABILITY_OPT_IN = "rpc,messaging/dup";
    try {
      const producer = startProducerSpan("t", { key: "k" });
      producer.end();
      startConsumerSpan("t", producer.headers, {
        partition: 1,
        offset: 9n,
        group: "g",
        key: "k",
      }).end();
    } finally {
      if (previous === undefined) delete process.env.OTEL_SEMCONV_STABILITY_OPT_IN;
      else process.env.OTEL_SEMCONV_STABILITY_OPT_IN = previous;
    }
    const spans = await finished(2);
    const process_ = spanNamed(spans, "process t", SpanKind.CONSUMER);
    expect(process_.attributes).toMatchObject({
      "messaging.system.name": "kafka",
      "messaging.system": "kafka",
      "kafka.offset": 9,
      "messaging.kafka.offset": 9,
      "kafka.message.key": "k",
      "messaging.kafka.message.key": "k",
    });
    // And back to the current names alone once the setting is gone.
    t.exporter.reset();
    startConsumerSpan("t", {}, { partition: 0, offset: 1, group: "g" }).end();
    const plain = spanNamed(await finished(1), "process t", SpanKind.CONSUMER);
    expect(plain.attributes["messaging.system"]).toBeUndefined();
    expect(plain.attributes["messaging.kafka.offset"]).toBeUndefined();
  });
});
