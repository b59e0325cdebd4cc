// The shared gRPC server as people meet it: through grpcurl (reflection) and health checks.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type * as grpc from "@grpc/grpc-js";
import { startTelemetry } from "@obs/otel";
import { loadProto } from "@obs/proto";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { VERSIONS } from "../../../infra/local/config.ts";
import { ensureGoTool } from "../../../infra/local/install.ts";
import { isListening } from "../../../infra/local/ports.ts";
import { type GrpcServer, grpcInstrumentationEnabled, startGrpcServer } from "../src/grpc.ts";

const exporter = new InMemorySpanExporter();
const telemetry = startTelemetry({
  serviceName: "grpc-server-test",
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
  processMetrics: false,
  logger: { level: "silent" },
});
const { definition, grpc: adder } = loadProto("adder");
let server: GrpcServer;
let grpcurl: string;

const startAdderServer = () =>
  startGrpcServer({
    port: 0,
    packageDefinition: definition,
    telemetry,
    services: [
      {
        name: "adder.v1.Adder",
        definition: adder.adder.v1.Adder.service,
        implementation: {
          Add: (
            call: grpc.ServerUnaryCall<{ a: string; b: string }, unknown>,
            callback: grpc.sendUnaryData<unknown>,
          ) => callback(null, { sum: String(BigInt(call.request.a) + BigInt(call.request.b)) }),
        },
      },
    ],
  });

beforeAll(async () => {
  grpcurl = ensureGoTool(
    "grpcurl",
    "github.com/fullstorydev/grpcurl/cmd/grpcurl",
    VERSIONS.grpcurl,
  );
  server = await startAdderServer();
  // A first run builds grpcurl from the Go module proxy.
}, 300_000);
afterAll(() => telemetry.shutdown());

// Asynchronous on purpose: the server under test shares this process's event loop.
async function run(...args: string[]): Promise<{ code: number; out: string }> {
  const proc = Bun.spawn([grpcurl, "-plaintext", ...args], { stdout: "pipe", stderr: "pipe" });
  const [code, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { code, out: `${stdout}${stderr}`.trim() };
}

test("grpcurl list shows the app's service and health — nothing unimplemented", async () => {
  const { code, out } = await run(`127.0.0.1:${server.port}`, "list");
  expect(code).toBe(0);
  expect(out.split("\n").sort()).toEqual(["adder.v1.Adder", "grpc.health.v1.Health"].sort());
});

test("grpcurl describe resolves the service's methods and message types", async () => {
  const { code, out } = await run(`127.0.0.1:${server.port}`, "describe", "adder.v1.Adder");
  expect(code).toBe(0);
  expect(out).toContain("rpc Add ( .adder.v1.AddRequest ) returns ( .adder.v1.AddResponse );");
});

test("a grpcurl call reaches the handler inside a SERVER span", async () => {
  exporter.reset();
  const { code, out } = await run(
    "-d",
    '{"a": 2, "b": 40}',
    `127.0.0.1:${server.port}`,
    "adder.v1.Adder/Add",
  );
  expect(code).toBe(0);
  expect(JSON.parse(out)).toEqual({ sum: "42" });
  expect(exporter.getFinishedSpans().map((s) => s.name)).toContain("adder.v1.Adder/Add");
});

test("OTEL_GRPC_INSTRUMENTATION=off serves the same calls without SERVER spans", async () => {
  expect(grpcInstrumentationEnabled({})).toBe(true);
  expect(grpcInstrumentationEnabled({ OTEL_GRPC_INSTRUMENTATION: "on" })).toBe(true);
  expect(grpcInstrumentationEnabled({ OTEL_GRPC_INSTRUMENTATION: " OFF " })).toBe(false);

  const saved = process.env.OTEL_GRPC_INSTRUMENTATION;
  process.env.OTEL_GRPC_INSTRUMENTATION = "off";
  let bare: GrpcServer;
  try {
    bare = await startAdderServer();
  } finally {
    if (saved === undefined) delete process.env.OTEL_GRPC_INSTRUMENTATION;
    else process.env.OTEL_GRPC_INSTRUMENTATION = saved;
  }
  try {
    exporter.reset();
    const { code, out } = await run(
      "-d",
      '{"a": 2, "b": 40}',
      `127.0.0.1:${bare.port}`,
      "adder.v1.Adder/Add",
    );
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ sum: "42" });
    expect(exporter.getFinishedSpans()).toEqual([]);
  } finally {
    await bare.stop(2000);
  }
});

test("health answers SERVING per service and for the whole server; stop closes the port", async () => {
  const check = (service: string) =>
    run(
      "-d",
      JSON.stringify({ service }),
      `127.0.0.1:${server.port}`,
      "grpc.health.v1.Health/Check",
    );
  expect(JSON.parse((await check("")).out)).toEqual({ status: "SERVING" });
  expect(JSON.parse((await check("adder.v1.Adder")).out)).toEqual({ status: "SERVING" });
  expect((await check("nope.v1.Missing")).out).toContain("NotFound");

  await server.stop(2000);
  expect(await isListening(server.port)).toBe(false);
});
