// The OpenTelemetry Collector between the apps and Jaeger, built by ocb (install.ts) and run
// with infra/otel-collector/config.yaml: OTLP in on 4317/4318, tail sampling, Jaeger out on
// its own OTLP ports, its own metrics on 8888 for Prometheus. Ready when its health_check
// extension answers.
import { join } from "node:path";
import { ENDPOINTS, PORTS, REPO_ROOT } from "../config.ts";
import { ensureCollector } from "../install.ts";
import { startDetached } from "../process.ts";
import type { Service } from "../service.ts";
import { httpOk } from "../wait.ts";

let binary = "";

/** The environment the Collector's config reads; `overrides` for a second instance (tests). */
export function collectorEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    OTLP_GRPC_PORT: String(PORTS.otlpGrpc),
    OTLP_HTTP_PORT: String(PORTS.otlpHttp),
    OTELCOL_HEALTH_PORT: String(PORTS.collectorHealth),
    OTELCOL_METRICS_PORT: String(PORTS.collectorMetrics),
    JAEGER_OTLP_GRPC_PORT: String(PORTS.jaegerOtlpGrpc),
    ...overrides,
  };
}

export const COLLECTOR_CONFIG = join(REPO_ROOT, "infra/otel-collector/config.yaml");

export const collector: Service = {
  name: "collector",
  readyTimeoutSeconds: 30,
  describe: () =>
    `OTLP ${ENDPOINTS.otlpHttp} (grpc :${PORTS.otlpGrpc}) → Jaeger :${PORTS.jaegerOtlpGrpc}, tail sampling ${process.env.OTELCOL_SAMPLING_PERCENTAGE ?? "100"}% + errors + slow`,
  ports: () => [PORTS.otlpGrpc, PORTS.otlpHttp, PORTS.collectorHealth, PORTS.collectorMetrics],
  ready: () => httpOk(`http://127.0.0.1:${PORTS.collectorHealth}/`),

  async prepare() {
    binary = ensureCollector();
  },

  async start() {
    return startDetached("collector", [binary, "--config", COLLECTOR_CONFIG], {
      env: collectorEnv(),
    });
  },
};

/** The built binary, for tests that run a second instance. */
export function collectorBinary(): string {
  binary ||= ensureCollector();
  return binary;
}
