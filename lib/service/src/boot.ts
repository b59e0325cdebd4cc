// The start of every app's process: configuration from the environment, telemetry first (so
// everything after it is traced), and shutdown on SIGTERM/SIGINT in reverse order with
// telemetry flushed last. The app itself is then started by the skeleton (./skeleton.ts).
import { startTelemetry, type Telemetry, type TelemetryOptions } from "@obs/otel";
import type { AppName } from "./apps.ts";
import { type AppConfig, loadConfig } from "./config.ts";
import { exitOnSignals, onShutdown } from "./lifecycle.ts";

export interface AppRuntime {
  config: AppConfig;
  telemetry: Telemetry;
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
