// Seed 000 names the lag `consumer_lag`; seed 002's dashboards and alerts use lib/kafka's
// `kafka_consumer_lag`. Both come from one admin poll: this wraps the metrics the lag monitor
// writes into, so every value it computes is recorded under the second name too, and the two
// series can never disagree or double the load on the broker.
import type { KafkaMetrics } from "@obs/kafka";
import type { Meter } from "@opentelemetry/api";

export const CONSUMER_LAG_METRIC = "consumer_lag";

export function withSeedConsumerLag(metrics: KafkaMetrics, meter: Meter): KafkaMetrics {
  const gauge = meter.createGauge(CONSUMER_LAG_METRIC, {
    description: "Records not yet committed by the read model's consumer group, per partition.",
    unit: "{message}",
  });
  return {
    ...metrics,
    updateConsumerLag(group, committed, highWatermarks) {
      const lags = metrics.updateConsumerLag(group, committed, highWatermarks);
      for (const { topic, partition, lag } of lags)
        gauge.record(lag, { topic, partition: String(partition) });
      return lags;
    },
  };
}
