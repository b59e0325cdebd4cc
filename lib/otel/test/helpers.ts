import { Writable } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { loadProto } from "@obs/proto";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace";
import { startTelemetry, type Telemetry, type TelemetryOptions } from "../src/index.ts";

export interface TestTelemetry {
  telemetry: Telemetry;
  exporter: InMemorySpanExporter;
  logLines: Record<string, unknown>[];
}

/** Telemetry with an in-memory span pipeline and captured JSON log lines. */
export function startTestTelemetry(options: Partial<TelemetryOptions> = {}): TestTelemetry {
  const exporter = new InMemorySpanExporter();
  const logLines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split("\n")) {
        if (line.trim()) logLines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  const telemetry = startTelemetry({
    serviceName: "otel-test",
    serviceVersion: "1.2.3",
    processMetrics: false,
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
    logger: { destination, level: "debug" },
    ...options,
  });
  return { telemetry, exporter, logLines };
}

export function spanNamed(spans: ReadableSpan[], name: string, kind?: number): ReadableSpan {
  const found = spans.filter((s) => s.name === name && (kind === undefined || s.kind === kind));
  if (found.length !== 1) {
    throw new Error(
      `expected one span ${name} (kind ${kind}), found ${found.length}: ${spans.map((s) => `${s.name}/${s.kind}`).join(", ")}`,
    );
  }
  return found[0] as ReadableSpan;
}

export function adderProto() {
  return loadProto("adder");
}

/**
 * A JSON-serialised service with server-streaming and bidi methods, which the adder proto
 * does not have; grpc-js needs no .proto for it.
 */
const json = {
  requestSerialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  requestDeserialize: (bytes: Buffer) => JSON.parse(bytes.toString()) as unknown,
  responseSerialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  responseDeserialize: (bytes: Buffer) => JSON.parse(bytes.toString()) as unknown,
};
export const echoDefinition = {
  Count: {
    path: "/test.v1.Echo/Count",
    requestStream: false,
    responseStream: true,
    originalName: "count",
    ...json,
  },
  Chat: {
    path: "/test.v1.Echo/Chat",
    requestStream: true,
    responseStream: true,
    originalName: "chat",
    ...json,
  },
} satisfies grpc.ServiceDefinition;

export const EchoClient = grpc.makeGenericClientConstructor(echoDefinition, "test.v1.Echo");

export function bindServer(server: grpc.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) =>
      error ? reject(error) : resolve(port),
    );
  });
}
