// An app's two ports together: its gRPC service (with health and reflection) and the HTTP port
// (REST routes, /healthz, /readyz, /metrics, traced like the gRPC side). If the second cannot
// start the first is closed again, so a failed start leaves no port bound.
import type { PackageDefinition } from "@grpc/proto-loader";
import type { Telemetry } from "@obs/otel";
import type { Hono } from "hono";
import type { AppConfig } from "./config.ts";
import { type GrpcServiceBinding, startGrpcServer } from "./grpc.ts";
import { type Readiness, startHttpServer } from "./http.ts";

export interface AppServersOptions {
  config: Pick<AppConfig, "grpcPort" | "httpPort" | "host"> &
    Partial<Pick<AppConfig, "maxRequestBytes">>;
  telemetry: Telemetry;
  /** Override config's ports; 0 picks a free one (tests). */
  grpcPort?: number;
  httpPort?: number;
  packageDefinition: PackageDefinition;
  service: GrpcServiceBinding;
  routes: Hono;
  readiness?: Partial<Readiness>;
}

export interface AppServers {
  /** The ports actually bound. */
  grpcPort: number;
  httpPort: number;
  /** Drains both: no new calls, in-flight ones finish. */
  stop(): Promise<void>;
}

export async function startAppServers(options: AppServersOptions): Promise<AppServers> {
  const { config, telemetry } = options;
  const grpc = await startGrpcServer({
    port: options.grpcPort ?? config.grpcPort,
    host: config.host,
    packageDefinition: options.packageDefinition,
    services: [options.service],
    telemetry,
    maxMessageBytes: config.maxRequestBytes,
  });
  try {
    const http = startHttpServer({
      port: options.httpPort ?? config.httpPort,
      host: config.host,
      metrics: (accept) => telemetry.renderMetrics(accept),
      routes: options.routes,
      readiness: options.readiness,
      telemetry,
      logger: telemetry.logger,
      maxBodyBytes: config.maxRequestBytes,
    });
    return {
      grpcPort: grpc.port,
      httpPort: http.port,
      stop: async () => {
        await Promise.all([grpc.stop(), http.stop()]);
      },
    };
  } catch (error) {
    await grpc.stop(0);
    throw error;
  }
}
