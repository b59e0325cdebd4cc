import type { Meter, TracerProvider } from "@opentelemetry/api";
import type {
  ConsumeBatchMiddleware,
  ConsumeMiddleware,
  Consumer,
  DeadLetterEvent,
  KafkaClientInfo,
  KafkaHooks,
  LibrdkafkaStatistics,
  ProduceMiddleware,
} from "../port.ts";
import { clientMetrics } from "./client-metrics.ts";
import { consumeBatchMiddleware, consumeMiddleware } from "./consumer.ts";
import { consumerStatusMetrics } from "./consumer-status.ts";
import { createFailures } from "./failures.ts";
import { createMessagingMetrics } from "./messaging-metrics.ts";
import { createKafkaMetrics, type KafkaMetrics } from "./metrics.ts";
import { produceMiddleware } from "./producer.ts";

/** Where spans and metrics go; a `Telemetry` from `startTelemetry()` fits as it is. */
export interface TelemetryProviders {
  /** Default: the global provider, resolved per span so a restarted SDK is picked up. */
  tracerProvider?: TracerProvider;
  /** Default: the global meter provider's meter at the time of the call. */
  meter?: Meter;
}

export interface KafkaTelemetryOptions {
  /** Instruments to record into; by default created on `meter`. */
  metrics?: KafkaMetrics;
  /** `kafka.message.key` on spans; default true. Turn off when keys carry PII. */
  recordMessageKey?: boolean;
  /**
   * How long a failed message's `process` span stays open waiting for its dead letter to be
   * acknowledged (the port retries the DLQ send for a few seconds). Default 30 s.
   */
  deadLetterTimeoutMs?: number;
}

export interface KafkaTelemetry extends KafkaHooks {
  produce: ProduceMiddleware[];
  consume: ConsumeMiddleware[];
  consumeBatch: ConsumeBatchMiddleware[];
  onDeadLetter: (event: DeadLetterEvent) => void;
  onError: (error: unknown) => void;
  /** Registers consumers for kafka_consumer_running / _assigned_partitions / _restarts_total. */
  onConsumer: (consumer: Consumer) => void;
  /** kafka_client_info. */
  onClient: (info: KafkaClientInfo) => void;
  /** librdkafka's statistics as kafka_librdkafka_* metrics. */
  onStatistics: (statistics: LibrdkafkaStatistics) => void;
  /** The instruments in use, e.g. for `startLagMonitor({ metrics })`. */
  metrics: KafkaMetrics;
}

/**
 * Tracing and metrics for the Kafka port, as hooks: `createKafka({ hooks: kafkaTelemetry(t) })`
 * or `kafka.use(kafkaTelemetry(t))`. The port itself knows nothing of OpenTelemetry.
 *
 * Header propagation uses the global propagator and the handler's context the global context
 * manager, both registered by `startTelemetry()`: call it first.
 */
export function kafkaTelemetry(
  providers: TelemetryProviders = {},
  options: KafkaTelemetryOptions = {},
): KafkaTelemetry {
  const metrics = options.metrics ?? createKafkaMetrics(providers.meter);
  const failures = createFailures(metrics, options.deadLetterTimeoutMs ?? 30_000);
  const deps = {
    tracerProvider: providers.tracerProvider,
    metrics,
    messaging: createMessagingMetrics(providers.meter),
    failures,
    recordMessageKey: options.recordMessageKey ?? true,
  };
  return {
    produce: [produceMiddleware(deps)],
    consume: [consumeMiddleware(deps)],
    consumeBatch: [consumeBatchMiddleware(deps)],
    onDeadLetter: (event) => failures.deadLettered(event),
    // A consumer's client failed: no dead letter will be reported for what it held.
    onError: () => failures.releaseAll(),
    onConsumer: consumerStatusMetrics(providers.meter),
    ...clientMetrics(providers.meter),
    metrics,
  };
}
