import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import type { ViewOptions } from "@opentelemetry/sdk-metrics";
import {
  acceptsOpenMetrics,
  type ExemplarReservoir,
  OPENMETRICS_CONTENT_TYPE,
  sanitizeName,
  toOpenMetrics,
} from "./exemplars/index.ts";
import {
  METRIC_RPC_CLIENT_CALL_DURATION,
  METRIC_RPC_SERVER_CALL_DURATION,
} from "./grpc/semconv.ts";

/** Prometheus text exposition format 0.0.4, what every Prometheus version scrapes. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export interface MetricsPayload {
  contentType: string;
  body: string;
}

/*
 * Why @opentelemetry/exporter-prometheus and not prom-client: the RPC histograms are OTel
 * instruments, and one registry keeps one set of names and one scrape. The exporter (0.301)
 * only replaces invalid characters with `_` and appends `_total` to monotonic sums; it adds
 * no unit suffix. So instruments whose semconv name lacks the unit get it through a view,
 * and everything else is named to come out exactly as the dashboards expect.
 */
export const PROMETHEUS_VIEWS: ViewOptions[] = [
  {
    instrumentName: METRIC_RPC_SERVER_CALL_DURATION,
    name: "rpc_server_call_duration_seconds",
  },
  {
    instrumentName: METRIC_RPC_CLIENT_CALL_DURATION,
    name: "rpc_client_call_duration_seconds",
  },
  // The semconv HTTP server histogram, recorded by whichever HTTP instrumentation the app uses.
  {
    instrumentName: "http.server.request.duration",
    name: "http_server_request_duration_seconds",
  },
  // The messaging conventions' histograms, recorded by lib/kafka beside the seed's kafka_*.
  {
    instrumentName: "messaging.client.operation.duration",
    name: "messaging_client_operation_duration_seconds",
  },
  { instrumentName: "messaging.process.duration", name: "messaging_process_duration_seconds" },
  // The semconv database client histogram, recorded by lib/db for every statement.
  {
    instrumentName: "db.client.operation.duration",
    name: "db_client_operation_duration_seconds",
  },
];

/** An instrument's name as the exposition writes it, after the views' renames. */
export function exportedNameOf(views: ViewOptions[]): (instrument: string) => string {
  const renamed = new Map(
    views.flatMap((v) => (v.instrumentName && v.name ? [[v.instrumentName, v.name]] : [])),
  );
  return (instrument) => sanitizeName(renamed.get(instrument) ?? instrument);
}

export interface PrometheusPull {
  /** Register with the MeterProvider. */
  reader: PrometheusExporter;
  /**
   * The exposition for a scraper's Accept header: OpenMetrics with exemplars when it asks for
   * it (Prometheus does), else the Prometheus text format 0.0.4.
   */
  render(accept?: string | null): Promise<MetricsPayload>;
}

/**
 * A pull reader whose text is served by the app's own HTTP server: `preventServerStart`
 * keeps the exporter from opening its own port (9464), which the apps' port plan has no
 * room for.
 */
export function createPrometheusPull(exemplars: ExemplarReservoir): PrometheusPull {
  const reader = new PrometheusExporter({ preventServerStart: true });
  // Scope labels (otel_scope_name=...) on every series would only add noise to PromQL.
  const serializer = new PrometheusSerializer(undefined, false, undefined, false, true);
  return {
    reader,
    async render(accept) {
      const { resourceMetrics } = await reader.collect();
      const text = serializer.serialize(resourceMetrics);
      return acceptsOpenMetrics(accept)
        ? { contentType: OPENMETRICS_CONTENT_TYPE, body: toOpenMetrics(text, exemplars) }
        : { contentType: PROMETHEUS_CONTENT_TYPE, body: text };
    },
  };
}
