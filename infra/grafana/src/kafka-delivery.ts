// Seed 002's dashboard: Kafka delivery latency P50/P95/P99 (the seed's histogram, in ms),
// throughput, errors and consumer lag, plus the adder's gRPC latency that drives them.
import { dashboard, timeseries } from "./panels.ts";

const quantile = (q: number) =>
  `histogram_quantile(${q}, sum by (le, topic) (rate(kafka_message_delivery_latency_bucket[5m])))`;

export const kafkaDelivery = () =>
  dashboard(
    "kafka-delivery",
    "Kafka delivery (adder → totalizer)",
    [
      timeseries({
        title: "Delivery latency P50 / P95 / P99",
        description: "From produced_at (stamped by the producer) to consumption, per topic.",
        unit: "ms",
        queries: [
          { expr: quantile(0.5), legend: "p50 {{topic}}" },
          { expr: quantile(0.95), legend: "p95 {{topic}}" },
          { expr: quantile(0.99), legend: "p99 {{topic}}" },
        ],
        x: 0,
        y: 0,
        w: 24,
      }),
      timeseries({
        title: "Throughput",
        unit: "msg/s",
        queries: [
          {
            expr: "sum by (topic) (rate(kafka_messages_produced_total[1m]))",
            legend: "produced {{topic}}",
          },
          {
            expr: "sum by (topic) (rate(kafka_messages_consumed_total[1m]))",
            legend: "consumed {{topic}}",
          },
        ],
        x: 0,
        y: 8,
      }),
      timeseries({
        title: "Errors",
        description: "Producer failures and messages sent to the DLQ, by error type.",
        unit: "msg/s",
        queries: [
          {
            expr: "sum by (topic, error_type) (rate(kafka_producer_errors_total[5m])) or vector(0)",
            legend: "produce {{topic}} {{error_type}}",
          },
          {
            expr: "sum by (topic, error_type) (rate(kafka_consumer_errors_total[5m])) or vector(0)",
            legend: "consume {{topic}} {{error_type}}",
          },
        ],
        x: 12,
        y: 8,
      }),
      timeseries({
        title: "Consumer lag",
        unit: "short",
        // max, not sum: the consumer and the producer side may both export a group's lag.
        queries: [
          {
            expr: "max by (consumer_group, topic, partition) (kafka_consumer_lag)",
            legend: "{{consumer_group}} {{topic}}/{{partition}}",
          },
        ],
        x: 0,
        y: 16,
      }),
      timeseries({
        title: "Adder gRPC latency",
        unit: "s",
        queries: [
          {
            expr: 'histogram_quantile(0.99, sum by (le, rpc_method) (rate(rpc_server_call_duration_seconds_bucket{app="adder"}[5m])))',
            legend: "p99 {{rpc_method}}",
          },
          {
            expr: 'sum by (rpc_method, rpc_status_code) (rate(rpc_server_call_duration_seconds_count{app="adder"}[1m]))',
            legend: "rate {{rpc_method}} {{rpc_status_code}}",
          },
        ],
        x: 12,
        y: 16,
      }),
    ],
    ["kafka", "seed-002"],
  );
