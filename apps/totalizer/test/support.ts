// Shared by the totalizer's tests: one telemetry for the test process, a dedicated database
// migrated like production, unique topic and group names, and helpers to produce SumMessages
// the way the adder does (through lib/kafka's hooks, which stamp produced_at and traceparent).
import { randomUUID } from "node:crypto";
import { createKafka, type Kafka, kafkaTelemetry } from "@obs/kafka";
import { eventCodec } from "@obs/proto";
import { appTestHarness } from "../../../test/support/app-harness.ts";
import { ENDPOINTS } from "../../../test/support/infra.ts";
import { startTotalizer, type Totalizer, type TotalizerOptions } from "../src/app.ts";

/**
 * Tests use their own database, so they never touch the total a running `bun run dev` shows;
 * inside it every test has its own topic, and totals are keyed by topic, so tests (and files
 * running at the same time) cannot see each other's numbers without any truncation.
 */
export const { TEST_DATABASE_URL, migrateTestDatabase, spans, testTelemetry, testConfig, unique } =
  appTestHarness("totalizer");

export function startTestTotalizer(
  options: Partial<Omit<TotalizerOptions, "config" | "telemetry">> & { topic: string },
): Promise<Totalizer> {
  return startTotalizer({
    config: testConfig(),
    telemetry: testTelemetry(),
    groupId: unique("group"),
    grpcPort: 0,
    httpPort: 0,
    databaseUrl: TEST_DATABASE_URL,
    lagIntervalMs: 500,
    ...options,
  });
}

/** A producer-side Kafka client. `hooks: false` gives a bare one: no produced_at header. */
export async function testKafka(options: { hooks?: boolean } = {}): Promise<Kafka> {
  return createKafka({
    brokers: ENDPOINTS.kafkaBrokerList,
    clientId: "totalizer-test",
    logger: { info() {}, warn() {}, error: console.error },
    ...(options.hooks === false ? {} : { hooks: kafkaTelemetry(testTelemetry()) }),
  });
}

const codec = eventCodec<object>("adder.v1.SumMessage");

export interface Sum {
  sum: bigint;
  messageId: string;
}

/** The adder's record value for `sum`. */
export function sumValue(sum: Sum, producedAt = new Date()): Buffer {
  const ms = producedAt.getTime();
  return codec.encode({
    sum: sum.sum.toString(),
    produced_at: { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 },
    trace_id: "",
    span_id: "",
    message_id: sum.messageId,
  });
}

export const newSum = (sum: bigint | number): Sum => ({
  sum: BigInt(sum),
  messageId: randomUUID(),
});

/** Sends sums keyed by message id, as the adder keys them; returns the delivery reports. */
export async function produceSums(kafka: Kafka, topic: string, sums: Sum[]) {
  const producer = await kafka.producer();
  return producer.send(sums.map((s) => ({ topic, key: s.messageId, value: sumValue(s) })));
}

export const totalOf = (sums: Sum[]) => sums.reduce((n, s) => n + s.sum, 0n);

export interface TotalJson {
  total: string;
  message_count: string;
  updated_at: string | null;
}

export async function restTotal(app: Totalizer): Promise<TotalJson> {
  const response = await fetch(`http://127.0.0.1:${app.httpPort}/v1/total`);
  if (!response.ok) throw new Error(`GET /v1/total: ${response.status}`);
  return (await response.json()) as TotalJson;
}

export { readTopic } from "../../../test/support/kafka.ts";
export { metricsText, sample } from "../../../test/support/metrics.ts";
