export { type AppRuntime, bootApp, type ServeOptions, serveHttp } from "./app.ts";
export { APP_NAMES, APPS, type AppName, type AppSpec } from "./apps.ts";
export { type AppConfig, loadConfig } from "./config.ts";
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
export { createAppKafka, kafkaLogger } from "./kafka.ts";
export { exitOnSignals, onShutdown, shutdown } from "./lifecycle.ts";
export { withTimeout } from "./timeout.ts";
