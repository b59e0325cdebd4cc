export { errorMessage, errorType } from "./error-type.ts";
export {
  type ClientInterceptorOptions,
  createClientInterceptor,
} from "./grpc/client-interceptor.ts";
export type { GrpcInstrumentationOptions } from "./grpc/instruments.ts";
export {
  ATTR_RPC_GRPC_STATUS_CODE,
  ATTR_RPC_METHOD,
  ATTR_RPC_SERVICE,
  ATTR_RPC_STATUS_CODE,
  ATTR_RPC_SYSTEM,
  ATTR_RPC_SYSTEM_NAME,
  METRIC_RPC_CLIENT_CALL_DURATION,
  METRIC_RPC_SERVER_CALL_DURATION,
  RPC_DURATION_BUCKETS_SECONDS,
  SERVER_ERROR_CODES,
} from "./grpc/semconv.ts";
export { instrumentServer, type ServerInstrumentationOptions, wrapService } from "./grpc/server.ts";
export { parseFullMethod } from "./grpc/utils.ts";
export { type CreateLoggerOptions, createLogger, type Logger } from "./logger.ts";
export { type MetricsPayload, PROMETHEUS_CONTENT_TYPE, PROMETHEUS_VIEWS } from "./prometheus.ts";
export { buildResource, type ResourceOptions } from "./resource.ts";
export {
  parseSemconvStability,
  type SemconvMode,
  type SemconvStability,
  semconvStability,
} from "./semconv-stability.ts";
export { type ShutdownOnSignalsOptions, shutdownOnSignals } from "./shutdown.ts";
export { inSpan } from "./step.ts";
export { startTelemetry, type Telemetry, type TelemetryOptions } from "./telemetry.ts";
export { withTimeout } from "./timeout.ts";
