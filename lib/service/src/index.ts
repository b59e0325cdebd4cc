export { withTimeout } from "@obs/otel";
export type {
  AppContext,
  AppDefinition,
  AppKafka,
  AppParts,
  LagOptions,
  OutboxAppOptions,
  OutboxOptions,
  RunningApp,
  RunningAppOf,
  StartOptions,
  Store,
} from "./app-definition.ts";
export { DEFAULT_PARTITIONS } from "./app-kafka.ts";
export {
  APP_NAMES,
  APPS,
  type AppName,
  type AppSpec,
  MAX_REPLICAS,
  REPLICA_PORT_STEP,
  replicaPorts,
} from "./apps.ts";
export { type AppRuntime, bootApp } from "./boot.ts";
export { type AppConfig, loadConfig, positiveInt } from "./config.ts";
export {
  AppError,
  type ErrorBody,
  errorResponse,
  errorToResponse,
  GrpcStatus,
  grpcErrorOf,
  grpcStatusName,
  grpcStatusToHttp,
  readJsonBody,
  statusOf,
  unaryHandler,
} from "./errors.ts";
export {
  type GrpcServer,
  type GrpcServerOptions,
  type GrpcServiceBinding,
  startGrpcServer,
} from "./grpc.ts";
export {
  buildHttpApp,
  type HttpServer,
  type HttpServerOptions,
  type ReadinessCheck,
  startHttpServer,
} from "./http.ts";
export {
  HTTP_DURATION_BUCKETS_SECONDS,
  type HttpTelemetry,
  httpTracing,
  METRIC_HTTP_SERVER_REQUEST_DURATION,
  UNTRACED_PATHS,
} from "./http-tracing.ts";
export { createAppKafka, kafkaLogger } from "./kafka.ts";
export { exitOnSignals, onShutdown, shutdown } from "./lifecycle.ts";
export {
  answers,
  consuming,
  type ProducerWarmUp,
  topicsExist,
  warmUpProducer,
} from "./readiness.ts";
export { createResources, type Resources } from "./resources.ts";
export { type AppServers, type AppServersOptions, startAppServers } from "./servers.ts";
export { defineApp, runMain, startApp } from "./skeleton.ts";
