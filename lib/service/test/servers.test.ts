import { afterAll, expect, test } from "bun:test";
import { createServer } from "node:net";
import { startTelemetry } from "@obs/otel";
import { loadProto } from "@obs/proto";
import { Hono } from "hono";
import { freePort, isListening } from "../../../infra/local/ports.ts";
import { startAppServers } from "../src/servers.ts";

const telemetry = startTelemetry({
  serviceName: "servers-test",
  spanProcessors: [],
  processMetrics: false,
  logger: { level: "silent" },
});
afterAll(() => telemetry.shutdown());

const { definition, grpc } = loadProto("adder");
const options = (grpcPort: number, httpPort: number) => ({
  config: { grpcPort, httpPort, host: "127.0.0.1" },
  telemetry,
  packageDefinition: definition,
  service: { name: "adder.v1.Adder", definition: grpc.adder.v1.Adder.service, implementation: {} },
  routes: new Hono().get("/v1/ping", (c) => c.json({ pong: true })),
});

test("both ports serve, and stop closes both", async () => {
  const servers = await startAppServers(options(0, 0));
  expect(await isListening(servers.grpcPort)).toBe(true);
  expect(await (await fetch(`http://127.0.0.1:${servers.httpPort}/v1/ping`)).json()).toEqual({
    pong: true,
  });
  expect((await fetch(`http://127.0.0.1:${servers.httpPort}/healthz`)).status).toBe(200);
  await servers.stop();
  expect(await isListening(servers.grpcPort)).toBe(false);
  expect(await isListening(servers.httpPort)).toBe(false);
});

test("when the HTTP port is taken, the gRPC port is released again", async () => {
  const blocker = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => blocker.once("listening", resolve));
  const { port: taken } = blocker.address() as { port: number };
  const grpcPort = await freePort();
  try {
    await expect(startAppServers(options(grpcPort, taken))).rejects.toThrow();
    expect(await isListening(grpcPort)).toBe(false);
  } finally {
    blocker.close();
  }
});
