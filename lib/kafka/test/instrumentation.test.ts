// The tracing/metrics hooks against the real broker (platformatic adapter) with an in-memory
// span pipeline: span names, kinds, parents and links, headers on the wire, and the
// Prometheus text the metrics render to.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { Writable } from "node:stream";
import { startTelemetry, type Telemetry } from "@obs/otel";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace";
import { ENDPOINTS, ensureInfra, eventually } from "../../../test/support/infra.ts";
import {
  type Admin,
  type Consumer,
  type ConsumerOptions,
  createKafka,
  type DeadLetterEvent,
  type Kafka,
  type KafkaMessage,
  type KafkaTelemetry,
  kafkaTelemetry,
  type Logger,
  type Producer,
  startLagMonitor,
} from "../src/index.ts";

const RUN = `${Date.now()}-${crypto.randomUUID().slice(0, 8)}`;
const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const silent = new Writable({ write: (_chunk, _encoding, callback) => callback() });

let telemetry: Telemetry;
let exporter: InMemorySpanExporter;
let hooks: KafkaTelemetry;
let kafka: Kafka;
let producer: Producer;
let admin: Admin;
const topics: string[] = [];
const consumers: Consumer[] = [];
const deadLetters: DeadLetterEvent[] = [];

async function topic(label: string, partitions = 2): Promise<string> {
  const name = `instr.${RUN}.${label}`;
  topics.push(name, `${name}.dlq`);
  await admin.createTopics([{ topic: name, partitions }]);
  return name;
}

function consume<T = KafkaMessage>(options: ConsumerOptions<T>): Consumer {
  const consumer = kafka.consumer(options);
  consumers.push(consumer);
  return consumer;
}

/** Where a message landed, to pair delivery reports with what the consumer saw. */
function at(message: { partition: number; offset: bigint }): string {
  return `${message.partition}/${message.offset}`;
}

function spans(name: string, kind?: SpanKind): ReadableSpan[] {
  return exporter
    .getFinishedSpans()
    .filter((s) => s.name === name && (kind === undefined || s.kind === kind));
}

function waitForSpans(name: string, count: number, kind?: SpanKind): Promise<ReadableSpan[]> {
  return eventually(`${count} finished "${name}" spans`, async () => {
    const found = spans(name, kind);
    return found.length >= count ? found : undefined;
  });
}

async function metricsText(): Promise<string> {
  return (await telemetry.renderMetrics()).body;
}

/** The sum of every sample of `name` whose labels include `labels`. */
async function sumOf(name: string, labels: Record<string, string>): Promise<number> {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return (await metricsText())
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) && wanted.every((w) => line.includes(w)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}

/** The value of one sample line, matched on its exact label set; undefined when absent. */
async function sample(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const rendered = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",");
  const line = (await metricsText()).split("\n").find((l) => l.startsWith(`${name}{${rendered}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

beforeAll(async () => {
  await ensureInfra();
  exporter = new InMemorySpanExporter();
  telemetry = startTelemetry({
    serviceName: "kafka-instrumentation-test",
    processMetrics: false,
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
    logger: { destination: silent },
  });
  hooks = kafkaTelemetry(telemetry);
  kafka = await createKafka({
    brokers: ENDPOINTS.kafkaBrokerList,
    clientId: `instr-${RUN}`,
    adapter: "platformatic",
    logger: quiet,
    hooks,
  });
  kafka.use({ onDeadLetter: (event) => deadLetters.push(event) });
  producer = await kafka.producer();
  admin = await kafka.admin();
});

afterAll(async () => {
  await Promise.allSettled(consumers.map((c) => c.close()));
  if (admin) await admin.deleteTopics(topics).catch(() => {});
  await kafka?.close();
  await telemetry?.shutdown();
});

beforeEach(() => exporter.reset());

describe("kafkaTelemetry hooks", () => {
  test("send spans per message, headers on the wire, process spans as children, no link to the parent", async () => {
    const t = await topic("traced");
    const groupId = `${t}.group`;
    const request = telemetry.tracer.startSpan("request");
    const reports = await context.with(trace.setSpan(context.active(), request), () =>
      producer.send([
        { topic: t, key: "k1", value: "one", headers: { "x-app": "kept", traceparent: "stale" } },
        { topic: t, key: "k2", value: null },
      ]),
    );
    request.end();
    const traceId = request.spanContext().traceId;

    const seen = new Map<string, { message: KafkaMessage; activeSpanId?: string }>();
    consume({
      groupId,
      topics: [t],
      eachMessage: (message) => {
        // Work done by the handler must land inside the process span.
        telemetry.tracer.startSpan("handle").end();
        seen.set(at(message), {
          message,
          activeSpanId: trace.getActiveSpan()?.spanContext().spanId,
        });
      },
    });
    await eventually("both messages handled", async () => (seen.size === 2 ? true : undefined));

    const sends = await waitForSpans(`send ${t}`, 2);
    const processes = await waitForSpans(`process ${t}`, 2);
    const handles = await waitForSpans("handle", 2);
    expect(sends).toHaveLength(2);
    expect(processes).toHaveLength(2);

    for (const [i, report] of reports.entries()) {
      const key = i === 0 ? "k1" : "k2";
      const send = sends.find((s) => s.attributes["kafka.message.key"] === key);
      if (!send) throw new Error(`no send span for ${key}`);
      expect(send.kind).toBe(SpanKind.PRODUCER);
      expect(send.spanContext().traceId).toBe(traceId);
      expect(send.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
      expect(send.attributes).toMatchObject({
        "messaging.system.name": "kafka",
        "messaging.operation.name": "send",
        "messaging.destination.name": t,
        "messaging.destination.partition.id": String(report.partition),
        "kafka.offset": Number(report.offset),
      });

      const received = seen.get(at(report));
      if (!received) throw new Error(`message at ${report.partition}/${report.offset} not seen`);
      const headers = received.message.headers;
      expect(headers.traceparent?.toString()).toBe(`00-${traceId}-${send.spanContext().spanId}-01`);
      const producedAt = Number(headers.produced_at?.toString());
      expect(producedAt).toBeGreaterThan(Date.now() - 60_000);
      expect(producedAt).toBeLessThanOrEqual(Date.now());

      const process = processes.find(
        (s) =>
          s.attributes["kafka.offset"] === Number(report.offset) &&
          s.attributes["messaging.destination.partition.id"] === String(report.partition),
      );
      if (!process) throw new Error(`no process span for ${key}`);
      expect(process.kind).toBe(SpanKind.CONSUMER);
      expect(process.spanContext().traceId).toBe(traceId);
      expect(process.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
      expect(process.links).toEqual([]);
      expect(process.attributes).toMatchObject({
        "messaging.system.name": "kafka",
        "messaging.operation.name": "process",
        "messaging.destination.name": t,
        "messaging.consumer.group.name": groupId,
        "kafka.message.key": key,
      });
      expect(process.status.code).not.toBe(SpanStatusCode.ERROR);
      expect(received.activeSpanId).toBe(process.spanContext().spanId);
      expect(
        handles.filter((h) => h.parentSpanContext?.spanId === process.spanContext().spanId),
      ).toHaveLength(1);
    }
    const [firstReport] = reports;
    const first = firstReport && seen.get(at(firstReport));
    expect(first?.message.headers["x-app"]?.toString()).toBe("kept");
    const tombstone = processes.find((s) => s.attributes["kafka.message.key"] === "k2");
    expect(tombstone?.attributes["kafka.message.tombstone"]).toBe(true);
    expect(
      processes.find((s) => s.attributes["kafka.message.key"] === "k1")?.attributes[
        "kafka.message.tombstone"
      ],
    ).toBeUndefined();

    // Metrics of this topic only, so other tests' traffic cannot make them pass.
    expect(await sample("kafka_messages_produced_total", { topic: t })).toBe(2);
    expect(await sample("kafka_messages_consumed_total", { topic: t })).toBe(2);
    expect(await sample("kafka_message_delivery_latency_count", { topic: t })).toBe(2);
    // And the messaging conventions' own metrics beside them, per partition.
    const sent = { messaging_destination_name: t, messaging_operation_name: "send" };
    const handled = { messaging_destination_name: t, messaging_consumer_group_name: groupId };
    expect(await sumOf("messaging_client_sent_messages_total", sent)).toBe(2);
    expect(await sumOf("messaging_client_operation_duration_seconds_count", sent)).toBe(2);
    expect(await sumOf("messaging_client_consumed_messages_total", handled)).toBe(2);
    expect(await sumOf("messaging_process_duration_seconds_count", handled)).toBe(2);
    expect(await metricsText()).toContain(
      'messaging_process_duration_seconds_bucket{messaging_operation_name="process"',
    );
    const body = await metricsText();
    const buckets = [
      ...body.matchAll(
        new RegExp(
          `^kafka_message_delivery_latency_bucket\\{topic="${t}",le="([^"]+)"\\} (\\d+)$`,
          "gm",
        ),
      ),
    ].map((m) => [m[1], Number(m[2])] as const);
    expect(buckets.map(([le]) => le)).toEqual([
      "1",
      "5",
      "10",
      "25",
      "50",
      "100",
      "250",
      "500",
      "1000",
      "2500",
      "5000",
      "10000",
      "+Inf",
    ]);
    // Cumulative counts never decrease and end at the number of messages.
    const counts = buckets.map(([, n]) => n);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts.at(-1)).toBe(2);
  });

  test("a sent message outside any span continues the trace it carries", async () => {
    const t = await topic("relay", 1);
    const carried = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    await producer.send([{ topic: t, value: "relayed", headers: { traceparent: carried } }]);
    const [send] = await waitForSpans(`send ${t}`, 1);
    expect(send?.spanContext().traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(send?.parentSpanContext?.spanId).toBe("b7ad6b7169203331");
  });

  test("a failing handler: error span held until the dead letter, one error counted", async () => {
    const t = await topic("poison", 1);
    const groupId = `${t}.group`;
    class PaymentDeclined extends Error {
      override name = "PaymentDeclined";
    }
    await producer.send([
      { topic: t, key: "bad", value: "reject me" },
      { topic: t, key: "good", value: "fine" },
    ]);
    const handled: string[] = [];
    consume({
      groupId,
      topics: [t],
      eachMessage: (message) => {
        if (message.value?.toString() === "reject me") throw new PaymentDeclined("declined");
        handled.push(message.value?.toString() ?? "");
      },
    });
    await eventually("dead letter", async () =>
      deadLetters.some((e) => e.message.topic === t) ? true : undefined,
    );
    await eventually("good message", async () => (handled.length === 1 ? true : undefined));
    const processes = await waitForSpans(`process ${t}`, 2, SpanKind.CONSUMER);
    const failed = processes.find((s) => s.attributes["kafka.message.key"] === "bad");
    const ok = processes.find((s) => s.attributes["kafka.message.key"] === "good");
    if (!failed || !ok) throw new Error("missing process spans");
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.attributes["error.type"]).toBe("PaymentDeclined");
    expect(ok.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(ok.attributes["error.type"]).toBeUndefined();
    const event = failed.events.find((e) => e.name === "dead_letter");
    expect(event?.attributes).toMatchObject({
      "messaging.destination.name": `${t}.dlq`,
      "dead_letter.stage": "handler",
      "error.type": "PaymentDeclined",
    });

    // The DLQ send happens after the middleware chain, yet joins the failed message's trace.
    const [dlqSend] = await waitForSpans(`send ${t}.dlq`, 1, SpanKind.PRODUCER);
    expect(dlqSend?.parentSpanContext?.spanId).toBe(failed.spanContext().spanId);
    expect(dlqSend?.spanContext().traceId).toBe(failed.spanContext().traceId);
    // Held open until the dead letter was acknowledged, so it covers the DLQ send. The send
    // span and the acknowledgement end in the same tick, in either order: allow 1 ms.
    const ns = (t: [number, number]) => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
    if (!dlqSend) throw new Error("no DLQ send span");
    expect(ns(failed.endTime) > ns(dlqSend.startTime)).toBe(true);
    expect(ns(failed.endTime) >= ns(dlqSend.endTime) - 1_000_000n).toBe(true);

    expect(
      await sample("kafka_consumer_errors_total", { topic: t, error_type: "PaymentDeclined" }),
    ).toBe(1);
    expect(await sample("kafka_messages_consumed_total", { topic: t })).toBe(2);
  });

  test("a failed send ends its span with error.type and counts a producer error", async () => {
    const t = `instr.${RUN}.unreachable`;
    class BrokerDown extends Error {
      override name = "BrokerDown";
      code = "NETWORK_EXCEPTION";
    }
    // Innermost middleware standing in for the client: fails only this topic's sends.
    kafka.use({
      produce: [
        (messages, next) =>
          messages.some((m) => m.topic === t)
            ? Promise.reject(new BrokerDown("connection refused"))
            : next(messages),
      ],
    });
    await expect(producer.send([{ topic: t, value: "lost" }])).rejects.toThrow(
      "connection refused",
    );
    const [send] = await waitForSpans(`send ${t}`, 1);
    expect(send?.status.code).toBe(SpanStatusCode.ERROR);
    expect(send?.attributes["error.type"]).toBe("NETWORK_EXCEPTION");
    expect(send?.attributes["kafka.offset"]).toBeUndefined();
    expect(
      await sample("kafka_producer_errors_total", { topic: t, error_type: "NETWORK_EXCEPTION" }),
    ).toBe(1);
    expect(await sample("kafka_messages_produced_total", { topic: t })).toBeUndefined();
  });

  test("batch consumers: a batch's span links to every producer; each message's span is its producer's child, linked to the batch", async () => {
    const t = await topic("batch", 1);
    await producer.send(
      Array.from({ length: 3 }, (_, i) => ({ topic: t, key: "same", value: String(i) })),
    );
    const sends = await waitForSpans(`send ${t}`, 3);
    const sendIds = sends.map((s) => s.spanContext().spanId).sort();
    // The span each batch's handler ran in, by the batch's size.
    const handledIn: { size: number; spanId: string }[] = [];
    consume({
      groupId: `${t}.group`,
      topics: [t],
      eachBatch: (batch) => {
        handledIn.push({
          size: batch.length,
          spanId: trace.getActiveSpan()?.spanContext().spanId ?? "none",
        });
      },
    });
    const all = await eventually("process spans", async () => {
      const found = spans(`process ${t}`, SpanKind.CONSUMER);
      const messages = found.filter((s) => s.attributes["kafka.offset"] !== undefined);
      return messages.length >= 3 ? found : undefined;
    });
    const perMessage = all.filter((s) => s.attributes["kafka.offset"] !== undefined);
    const batches = all.filter((s) => s.attributes["messaging.batch.message_count"] !== undefined);
    // Every message: one `process` span, child of its producer's `send` span, so each
    // request's trace reaches the consumer that applied it.
    expect(perMessage.map((s) => s.parentSpanContext?.spanId).sort()).toEqual(sendIds);
    for (const span of perMessage) {
      const parent = sends.find((s) => s.spanContext().spanId === span.parentSpanContext?.spanId);
      expect(span.spanContext().traceId).toBe(parent?.spanContext().traceId ?? "no parent");
    }
    // A batch of several: its own span, linked to each message's producer; each message's span
    // links to it, and the handler ran in it. Of one: the message's span is the batch's.
    const batchIds = new Set(batches.map((b) => b.spanContext().spanId));
    const inBatches = perMessage.filter((s) => s.links.length > 0);
    for (const span of inBatches) {
      expect(span.links).toHaveLength(1);
      expect(batchIds.has(span.links[0]?.context.spanId ?? "none")).toBe(true);
    }
    const linked = batches.flatMap((b) => b.links.map((l) => l.context.spanId)).sort();
    expect(linked).toEqual(inBatches.map((s) => s.parentSpanContext?.spanId ?? "").sort());
    for (const batch of batches) {
      expect(batch.links).toHaveLength(Number(batch.attributes["messaging.batch.message_count"]));
      expect(batch.attributes["messaging.batch.message_count"]).toBeGreaterThan(1);
      expect(batch.attributes["messaging.consumer.group.name"]).toBe(`${t}.group`);
      expect(batch.attributes["kafka.offset"]).toBeUndefined();
    }
    const ranIn = new Set(handledIn.map((h) => h.spanId));
    for (const h of handledIn) {
      if (h.size > 1) expect(batchIds.has(h.spanId)).toBe(true);
      else expect(perMessage.map((s) => s.spanContext().spanId)).toContain(h.spanId);
    }
    expect(ranIn.size).toBe(handledIn.length);
    expect(handledIn.reduce((n, h) => n + h.size, 0)).toBe(3);
    expect(await sample("kafka_messages_consumed_total", { topic: t })).toBe(3);
  });

  test("a batch of one message is handled in that message's span, child of its producer's", async () => {
    const t = await topic("batch-of-one", 1);
    await producer.send([{ topic: t, key: "one", value: "1" }]);
    const [send] = await waitForSpans(`send ${t}`, 1);
    const handledIn: string[] = [];
    consume({
      groupId: `${t}.group`,
      topics: [t],
      eachBatch: () => {
        handledIn.push(trace.getActiveSpan()?.spanContext().spanId ?? "none");
      },
    });
    const [process] = await waitForSpans(`process ${t}`, 1);
    expect(handledIn).toEqual([process?.spanContext().spanId ?? "no span"]);
    expect(process?.parentSpanContext?.spanId).toBe(send?.spanContext().spanId);
    expect(process?.links).toEqual([]);
    expect(process?.attributes["messaging.batch.message_count"]).toBeUndefined();
    expect(process?.attributes["kafka.offset"]).toBe(0);
    expect(await sample("kafka_messages_consumed_total", { topic: t })).toBe(1);
  });
});

describe("startLagMonitor", () => {
  test("kafka_consumer_lag goes up while nobody consumes and back to 0; stop ends polling", async () => {
    const t = await topic("lag");
    const groupId = `${t}.group`;
    const lagOf = async () => {
      const p0 = await sample("kafka_consumer_lag", {
        consumer_group: groupId,
        topic: t,
        partition: "0",
      });
      const p1 = await sample("kafka_consumer_lag", {
        consumer_group: groupId,
        topic: t,
        partition: "1",
      });
      return p0 === undefined || p1 === undefined ? undefined : p0 + p1;
    };
    let polls = 0;
    const stop = startLagMonitor({
      admin: {
        lag: (group, of) => {
          polls++;
          return admin.lag(group, of);
        },
      },
      groupId,
      topics: [t],
      metrics: hooks.metrics,
      intervalMs: 100,
    });
    try {
      let count = 0;
      const options: ConsumerOptions<KafkaMessage> = {
        groupId,
        topics: [t],
        eachMessage: () => {
          count++;
        },
      };
      await producer.send(
        Array.from({ length: 4 }, (_, i) => ({ topic: t, key: `k${i}`, value: "a" })),
      );
      // Nothing committed yet: counted from the start of each partition.
      await eventually("lag 4 before any commit", async () =>
        (await lagOf()) === 4 ? true : undefined,
      );
      const first = consume(options);
      await eventually("first round", async () => (count >= 4 ? true : undefined));
      await eventually("lag 0", async () => ((await lagOf()) === 0 ? true : undefined));
      await first.close();

      await producer.send(
        Array.from({ length: 7 }, (_, i) => ({ topic: t, key: `k${i}`, value: "b" })),
      );
      await eventually("lag 7", async () => ((await lagOf()) === 7 ? true : undefined));
      consume(options);
      await eventually("second round", async () => (count >= 11 ? true : undefined));
      await eventually("lag back to 0", async () => ((await lagOf()) === 0 ? true : undefined));
    } finally {
      await stop();
    }
    const after = polls;
    await Bun.sleep(350);
    expect(polls).toBe(after);
  });

  test("a failing poll is reported and polling goes on", async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const stop = startLagMonitor({
      admin: {
        lag: async () => {
          calls++;
          throw new Error("coordinator not available");
        },
      },
      groupId: "nobody",
      topics: ["nothing"],
      metrics: hooks.metrics,
      intervalMs: 20,
      onError: (error) => errors.push(error),
    });
    await eventually("three polls", async () => (calls >= 3 ? true : undefined));
    await stop();
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect(String(errors[0])).toContain("coordinator not available");
  });
});
