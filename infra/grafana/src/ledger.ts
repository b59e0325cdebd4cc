// Seed 000's dashboard: request rate and latency, outbox age, consumer lag and error rates,
// plus the transfer latency the orchestrator records and the entries the ledger creates.
import { dashboard, timeseries } from "./panels.ts";

const SERVER_ERRORS =
  'rpc_status_code=~"UNKNOWN|DEADLINE_EXCEEDED|UNIMPLEMENTED|INTERNAL|UNAVAILABLE|DATA_LOSS"';

export const ledger = () =>
  dashboard(
    "ledger-system",
    "Ledger system (orchestrator → ledger → outbox → read model)",
    [
      timeseries({
        title: "Request rate",
        unit: "reqps",
        queries: [
          {
            expr: "sum by (app, http_route) (rate(http_server_request_duration_seconds_count[1m]))",
            legend: "HTTP {{app}} {{http_route}}",
          },
          {
            expr: "sum by (app, rpc_method) (rate(rpc_server_call_duration_seconds_count[1m]))",
            legend: "gRPC {{app}} {{rpc_method}}",
          },
        ],
        x: 0,
        y: 0,
      }),
      timeseries({
        title: "Request latency p99",
        unit: "s",
        queries: [
          {
            expr: "histogram_quantile(0.99, sum by (le, app, http_route) (rate(http_server_request_duration_seconds_bucket[5m])))",
            legend: "HTTP {{app}} {{http_route}}",
          },
          {
            expr: "histogram_quantile(0.99, sum by (le, app, rpc_method) (rate(rpc_server_call_duration_seconds_bucket[5m])))",
            legend: "gRPC {{app}} {{rpc_method}}",
          },
          {
            expr: "histogram_quantile(0.99, sum by (le) (rate(transfer_latency_seconds_bucket[5m])))",
            legend: "transfer (orchestrator)",
          },
        ],
        x: 12,
        y: 0,
      }),
      timeseries({
        title: "Outbox age",
        description: "Age of the oldest row not yet published to Kafka, and rows waiting.",
        unit: "s",
        queries: [
          {
            expr: "max by (app) (outbox_oldest_unpublished_age_seconds)",
            legend: "oldest {{app}}",
          },
          {
            expr: "histogram_quantile(0.99, sum by (le, app) (rate(outbox_relay_latency_seconds_bucket[5m])))",
            legend: "relay p99 {{app}}",
          },
        ],
        x: 0,
        y: 8,
      }),
      timeseries({
        title: "Consumer lag",
        unit: "short",
        queries: [
          {
            expr: "max by (topic, partition) (consumer_lag)",
            legend: "read model {{topic}}/{{partition}}",
          },
        ],
        x: 12,
        y: 8,
      }),
      timeseries({
        title: "Error rates",
        unit: "reqps",
        queries: [
          {
            expr: `sum by (app, rpc_method) (rate(rpc_server_call_duration_seconds_count{${SERVER_ERRORS}}[5m])) or vector(0)`,
            legend: "gRPC {{app}} {{rpc_method}}",
          },
          {
            expr: 'sum by (app, http_route) (rate(http_server_request_duration_seconds_count{http_response_status_code=~"5.."}[5m])) or vector(0)',
            legend: "HTTP 5xx {{app}} {{http_route}}",
          },
          {
            expr: "sum by (app, error_type) (rate(outbox_publish_errors_total[5m])) or vector(0)",
            legend: "outbox {{app}} {{error_type}}",
          },
          {
            expr: "sum by (app, topic) (rate(kafka_consumer_errors_total[5m])) or vector(0)",
            legend: "dead-lettered {{app}} {{topic}}",
          },
        ],
        x: 0,
        y: 16,
      }),
      timeseries({
        title: "Ledger entries and transfers",
        unit: "ops",
        queries: [
          { expr: "sum(rate(ledger_entries_created_total[1m]))", legend: "entries" },
          {
            expr: "sum by (outcome) (rate(transfer_latency_seconds_count[1m]))",
            legend: "transfers {{outcome}}",
          },
        ],
        x: 12,
        y: 16,
      }),
    ],
    ["ledger", "seed-000"],
  );
