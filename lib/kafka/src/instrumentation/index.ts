export {
  type KafkaTelemetry,
  type KafkaTelemetryOptions,
  kafkaTelemetry,
  type TelemetryProviders,
} from "./instrumentation.ts";
export { type LagMonitorOptions, startLagMonitor } from "./lag-monitor.ts";
