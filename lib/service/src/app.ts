// The start-up every app shares: configuration, telemetry first (so everything after it is
// traced), the HTTP port with health and metrics, and shutdown on SIGTERM/SIGINT in reverse
// order with telemetry flushed last.

import { startTelemetry, type Telemetry, type TelemetryOptions } from "@obs/otel";
import type { Hono } from "hono";
import type { AppName } from "./apps.ts";
import { type AppConfig, loadConfig } from "./config.ts";
import { type ReadinessCheck, startHttpServer } from "./http.ts";
import { exitOnSignals, onShutdown } from "./lifecycle.ts";

export interface AppRuntime {
  config: AppConfig;
  telemetry: Telemetry;
}

export interface ServeOptions {
  routes?: Hono;
  readiness?: Record<string, ReadinessCheck>;
}

/** Loads config and starts telemetry; call first thing in main.ts. */
export function bootApp(name: AppName, options: Pick<TelemetryOptions, "views"> = {}): AppRuntime {
  const config = loadConfig(name);
  const telemetry = startTelemetry({
    serviceName: name,
    serviceVersion: config.version,
    views: options.views ?? [],
  });
  // Registered first, so it runs last: the spans of the shutdown itself are exported.
  onShutdown("telemetry", () => telemetry.shutdown());
  exitOnSignals((line) => telemetry.logger.info(line));
  return { config, telemetry };
}

/** Opens the app's HTTP port: /healthz, /readyz, /metrics and the app's REST routes. */
export function serveHttp({ config, telemetry }: AppRuntime, options: ServeOptions = {}): void {
  const server = startHttpServer({
    port: config.httpPort,
    host: config.host,
    metrics: () => telemetry.renderMetrics(),
    telemetry,
    logger: telemetry.logger,
    maxBodyBytes: config.maxRequestBytes,
    ...options,
  });
  onShutdown("http", () => server.stop());
  telemetry.logger.info({ port: server.port }, `${config.name} http listening`);
}
