export { type ClientMetrics, clientMetrics, METRIC_KAFKA_CLIENT_INFO } from "./client-metrics.ts";
export {
  type KafkaTelemetry,
  type KafkaTelemetryOptions,
  kafkaTelemetry,
  type TelemetryProviders,
} from "./instrumentation.ts";
export { type LagMonitorOptions, startLagMonitor } from "./lag-monitor.ts";
export {
  createMessagingMetrics,
  MESSAGING_DURATION_BUCKETS_SECONDS,
  type MessageOutcome,
  type MessagingMetrics,
} from "./messaging-metrics.ts";
export {
  createKafkaMetrics,
  KAFKA_DELIVERY_LATENCY_BUCKETS_MS,
  type KafkaMetrics,
  type PartitionLag as LagSample,
  type PartitionOffset,
} from "./metrics.ts";
export {
  extractTraceContext,
  injectTraceHeaders,
  type KafkaHeaders,
  type KafkaHeaderValue,
  kafkaHeaderGetter,
  kafkaHeaderSetter,
  PRODUCED_AT_HEADER,
  readHeader,
  readProducedAt,
  stampProducedAt,
} from "./propagation.ts";
export {
  ATTR_KAFKA_MESSAGE_KEY,
  ATTR_KAFKA_MESSAGE_TOMBSTONE,
  ATTR_KAFKA_OFFSET,
  ATTR_MESSAGING_SYSTEM_NAME,
  type RenamedAttributes,
  renamedAttributes,
  setEach,
} from "./semconv.ts";
export {
  type ConsumerSpanOptions,
  type KafkaKey,
  type KafkaOffset,
  type MessagingSpan,
  type ProducerSpan,
  type ProducerSpanOptions,
  startConsumerSpan,
  startProducerSpan,
  withConsumerSpan,
  withProducerSpan,
} from "./spans.ts";
