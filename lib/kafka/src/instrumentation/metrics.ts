import { errorType } from "@obs/otel";
import { type Context, type Meter, metrics } from "@opentelemetry/api";
import { type KafkaHeaders, readProducedAt } from "./propagation.ts";
import { SCOPE_NAME, SCOPE_VERSION } from "./scope.ts";
import type { KafkaOffset } from "./spans.ts";

/** Seed 002's buckets; its alert rules compare p99 against 500 ms and 1000 ms. */
export const KAFKA_DELIVERY_LATENCY_BUCKETS_MS = [
  1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
];

/*
 * Instrument names are chosen so the Prometheus exporter, which only swaps `.` for `_` and
 * adds `_total` to monotonic counters (it appends no unit suffix), yields exactly the names
 * seed 002's PromQL uses. The latency histogram is in milliseconds on purpose: the seed's
 * buckets and alert thresholds are in ms.
 */
export const METRIC_KAFKA_MESSAGES_PRODUCED = "kafka.messages.produced";
export const METRIC_KAFKA_MESSAGES_CONSUMED = "kafka.messages.consumed";
export const METRIC_KAFKA_PRODUCER_ERRORS = "kafka.producer.errors";
export const METRIC_KAFKA_CONSUMER_ERRORS = "kafka.consumer.errors";
export const METRIC_KAFKA_MESSAGE_DELIVERY_LATENCY = "kafka.message.delivery_latency";
export const METRIC_KAFKA_CONSUMER_LAG = "kafka.consumer.lag";

export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: KafkaOffset;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

export interface KafkaMetrics {
  produced(topic: string, count?: number): void;
  consumed(topic: string, count?: number): void;
  /** `error` may be the thrown value (its code or class becomes `error_type`) or a string. */
  producerError(topic: string, error: unknown): void;
  consumerError(topic: string, error: unknown): void;
  /** `at`: the context it was measured in (default: the active one), whose span is the exemplar. */
  deliveryLatency(topic: string, milliseconds: number, at?: Context): void;
  /**
   * Records latency from the message's `produced_at` header; returns it in ms, or undefined
   * when the header is missing. Clock skew between hosts can make it negative: clamped to 0.
   * `at` is the message's processing context, so the sample's exemplar is its trace.
   */
  observeDelivery(
    topic: string,
    headers: KafkaHeaders | undefined,
    options?: { now?: number; at?: Context },
  ): number | undefined;
  /**
   * Sets `kafka_consumer_lag{consumer_group,topic,partition}` = high watermark - committed
   * offset. Partitions without a committed offset are skipped: with auto.offset.reset=latest
   * their backlog will never be read, so reporting it would be a false alarm.
   */
  updateConsumerLag(
    group: string,
    committed: Iterable<PartitionOffset>,
    highWatermarks: Iterable<PartitionOffset>,
  ): PartitionLag[];
}

export function createKafkaMetrics(
  meter: Meter = metrics.getMeter(SCOPE_NAME, SCOPE_VERSION),
): KafkaMetrics {
  const produced = meter.createCounter(METRIC_KAFKA_MESSAGES_PRODUCED, {
    description: "Messages acknowledged by the broker.",
    unit: "{message}",
  });
  const consumed = meter.createCounter(METRIC_KAFKA_MESSAGES_CONSUMED, {
    description: "Messages processed by consumers.",
    unit: "{message}",
  });
  const producerErrors = meter.createCounter(METRIC_KAFKA_PRODUCER_ERRORS, {
    description: "Failed produce attempts.",
    unit: "{error}",
  });
  const consumerErrors = meter.createCounter(METRIC_KAFKA_CONSUMER_ERRORS, {
    description: "Messages whose processing failed.",
    unit: "{error}",
  });
  const latency = meter.createHistogram(METRIC_KAFKA_MESSAGE_DELIVERY_LATENCY, {
    description: "Time from produce to consume, in milliseconds.",
    unit: "ms",
    advice: { explicitBucketBoundaries: KAFKA_DELIVERY_LATENCY_BUCKETS_MS },
  });
  const lag = meter.createGauge(METRIC_KAFKA_CONSUMER_LAG, {
    description: "Messages not yet committed by the consumer group, per partition.",
    unit: "{message}",
  });

  const deliveryLatency = (topic: string, milliseconds: number, at?: Context) =>
    latency.record(Math.max(0, milliseconds), { topic }, at);

  return {
    produced: (topic, count = 1) => produced.add(count, { topic }),
    consumed: (topic, count = 1) => consumed.add(count, { topic }),
    producerError: (topic, error) => producerErrors.add(1, { topic, error_type: typeLabel(error) }),
    consumerError: (topic, error) => consumerErrors.add(1, { topic, error_type: typeLabel(error) }),
    deliveryLatency,
    observeDelivery(topic, headers, { now = Date.now(), at } = {}) {
      const producedAt = readProducedAt(headers);
      if (producedAt === undefined) return undefined;
      const ms = Math.max(0, now - producedAt);
      deliveryLatency(topic, ms, at);
      return ms;
    },
    updateConsumerLag(group, committed, highWatermarks) {
      const commits = new Map<string, number>();
      for (const c of committed) {
        const offset = Number(c.offset);
        if (offset >= 0) commits.set(`${c.topic}\u0000${c.partition}`, offset);
      }
      const result: PartitionLag[] = [];
      for (const hw of highWatermarks) {
        const commit = commits.get(`${hw.topic}\u0000${hw.partition}`);
        if (commit === undefined) continue;
        const value = Math.max(0, Number(hw.offset) - commit);
        lag.record(value, {
          consumer_group: group,
          topic: hw.topic,
          partition: String(hw.partition),
        });
        result.push({ topic: hw.topic, partition: hw.partition, lag: value });
      }
      return result;
    },
  };
}

function typeLabel(error: unknown): string {
  return typeof error === "string" ? error : errorType(error);
}
