// Every app's gRPC port: its own services wrapped in SERVER spans (lib/otel), plus the
// standard grpc.health.v1.Health and server reflection, so `grpcurl list/describe` and
// health probes work without a local copy of the .proto files.
import { hostname } from "node:os";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { instrumentServer, type Telemetry } from "@obs/otel";
import { HealthImplementation, protoPath as healthProtoPath } from "grpc-health-check";
import { withTextRule, withUtf8Check } from "./grpc-text.ts";
import { reflectionService } from "./reflection.ts";

export interface GrpcServiceBinding {
  /** Fully qualified name, e.g. "adder.v1.Adder": the health status and reflection key. */
  name: string;
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
}

export interface GrpcServerOptions {
  port: number;
  host?: string;
  /** The loader's package definition of the app's protos, for reflection. */
  packageDefinition: protoLoader.PackageDefinition;
  services: GrpcServiceBinding[];
  telemetry: Pick<Telemetry, "tracerProvider" | "meterProvider">;
  /** SERVER spans and rpc duration metrics; default from OTEL_GRPC_INSTRUMENTATION (on). */
  instrument?: boolean;
  /** Larger request messages are refused with RESOURCE_EXHAUSTED; default grpc-js's 4 MiB. */
  maxMessageBytes?: number;
}

export interface GrpcServer {
  port: number;
  health: HealthImplementation;
  /** Marks every service NOT_SERVING, then drains in-flight calls (forcing after graceMs). */
  stop(graceMs?: number): Promise<void>;
}

const HEALTH_SERVICE = "grpc.health.v1.Health";

/**
 * OTEL_GRPC_INSTRUMENTATION=off serves without lib/otel's interceptors while the rest of the
 * telemetry (SDK, Kafka spans, logs) stays: what bench/grpc.ts needs to measure their cost.
 * Any other value, or none, keeps them on.
 */
export function grpcInstrumentationEnabled(
  env: Record<string, string | undefined> = process.env,
): boolean {
  return env.OTEL_GRPC_INSTRUMENTATION?.trim().toLowerCase() !== "off";
}

/** What server spans say they are: the bound host (the machine's name for a wildcard). */
function serverAddress(host: string | undefined, port: number) {
  const address = !host || host === "0.0.0.0" || host === "::" ? hostname() : host;
  return { address, port: port === 0 ? undefined : port };
}

export async function startGrpcServer(options: GrpcServerOptions): Promise<GrpcServer> {
  const plain = new grpc.Server(
    options.maxMessageBytes === undefined
      ? {}
      : { "grpc.max_receive_message_length": options.maxMessageBytes },
  );
  const server =
    (options.instrument ?? grpcInstrumentationEnabled())
      ? instrumentServer(plain, {
          tracerProvider: options.telemetry.tracerProvider,
          meterProvider: options.telemetry.meterProvider,
          server: serverAddress(options.host, options.port),
        })
      : plain;
  for (const service of options.services)
    server.addService(
      withUtf8Check(service.definition),
      withTextRule(service.definition, service.implementation),
    );

  // "" is the whole server's status, as health probes (grpc_health_probe, k8s) ask it.
  const health = new HealthImplementation({
    "": "SERVING",
    ...Object.fromEntries(options.services.map((s) => [s.name, "SERVING" as const])),
  });
  health.addToServer(server);

  // Default loader options: protobufjs names map entries (HealthListResponse.statuses)
  // correctly only without keepCase.
  const healthDefinition = protoLoader.loadSync(healthProtoPath);
  reflectionService({ ...options.packageDefinition, ...healthDefinition }, [
    ...options.services.map((s) => s.name),
    HEALTH_SERVICE,
  ]).addToServer(server);

  const address = `${options.host ?? "127.0.0.1"}:${options.port}`;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error
        ? reject(new Error(`gRPC cannot listen on ${address}: ${error.message}`))
        : resolve(bound),
    ),
  );

  return {
    port,
    health,
    async stop(graceMs = 5000) {
      health.setStatus("", "NOT_SERVING");
      for (const service of options.services) health.setStatus(service.name, "NOT_SERVING");
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
