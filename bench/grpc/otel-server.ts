// The plain Adder.Add server with the apps' telemetry: the SDK started as the apps do (spans
// exported over OTLP to the local Jaeger) and the server wrapped by lib/otel's
// instrumentServer. Against plain-server.ts on Bun, it isolates the interceptors' cost from
// the Kafka round trip that dominates the real adder's Add.
import * as grpc from "@grpc/grpc-js";
import { instrumentServer, startTelemetry } from "@obs/otel";
import { servePlainAdder } from "./plain-adder.ts";

const telemetry = startTelemetry({ serviceName: "bench-grpc-plain", logger: { level: "warn" } });
// The apps' switch (lib/service's startGrpcServer): SDK started, interceptors left out.
const server =
  process.env.OTEL_GRPC_INSTRUMENTATION === "off"
    ? new grpc.Server()
    : instrumentServer(new grpc.Server(), {
        tracerProvider: telemetry.tracerProvider,
        meterProvider: telemetry.meterProvider,
      });
await servePlainAdder(server, () => telemetry.shutdown());
