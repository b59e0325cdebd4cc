import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import {
  ATTR_RPC_METHOD,
  ATTR_RPC_STATUS_CODE,
  ATTR_RPC_SYSTEM_NAME,
} from "@opentelemetry/semantic-conventions";
import {
  createClientInterceptor,
  instrumentServer,
  parseSemconvStability,
  RPC_DURATION_BUCKETS_SECONDS,
  wrapService,
} from "../src/index.ts";
import {
  adderProto,
  bindServer,
  EchoClient,
  echoDefinition,
  spanNamed,
  startTestTelemetry,
  type TestTelemetry,
} from "./helpers.ts";

/** As the server sees it: unset `optional` fields arrive as null. */
type AddReq = { a?: string | null; b?: string | null };
type AddInput = { a?: string; b?: string };
type AdderClient = InstanceType<ReturnType<typeof adderProto>["grpc"]["adder"]["v1"]["Adder"]>;
type EchoClientType = grpc.Client & {
  Count(request: { n: number; fail?: boolean }): grpc.ClientReadableStream<{ i: number }>;
  Chat(): grpc.ClientDuplexStream<{ text: string }, { text: string }>;
};

let t: TestTelemetry;
let server: grpc.Server;
let port = 0;
let adder: AdderClient;
let echo: EchoClientType;
/** What the last handler saw, to check it ran inside the server span. */
const seen: { activeSpanId?: string; traceparent?: string; baggage?: string } = {};

function add(request: AddInput, client: AdderClient = adder): Promise<{ sum: string }> {
  return new Promise((resolve, reject) =>
    client.Add(request, (error, response) =>
      error ? reject(error) : resolve(response as { sum: string }),
    ),
  );
}

function addStream(requests: AddInput[]): Promise<{ count: string; total: string }> {
  return new Promise((resolve, reject) => {
    const call = adder.AddStream((error, response) =>
      error ? reject(error) : resolve(response as { count: string; total: string }),
    );
    for (const request of requests) call.write(request);
    call.end();
  });
}

beforeAll(async () => {
  t = startTestTelemetry();
  const { grpc: proto } = adderProto();

  const adderImpl = {
    // async on purpose: rejections must become a status, not a hung call.
    async Add(
      call: grpc.ServerUnaryCall<AddReq, unknown>,
      callback: grpc.sendUnaryData<{ sum: string }>,
    ) {
      seen.activeSpanId = trace.getActiveSpan()?.spanContext().spanId;
      seen.traceparent = String(call.metadata.get("traceparent")[0] ?? "");
      seen.baggage = propagation.getActiveBaggage()?.getEntry("tenant")?.value;
      const { a, b } = call.request;
      if (a == null || b == null) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: "a and b are required" });
        return;
      }
      if (a === "666") throw new Error("boom: secret internals");
      if (a === "100") {
        // A nested outbound call from inside the handler must become a child of it.
        await add({ a: "1", b: "2" });
      }
      callback(null, { sum: String(Number(a) + Number(b)) });
    },
    AddStream(
      call: grpc.ServerReadableStream<AddReq, unknown>,
      callback: grpc.sendUnaryData<{ count: string; total: string }>,
    ) {
      let count = 0;
      let total = 0;
      call.on("data", (r: AddReq) => {
        count += 1;
        total += Number(r.a) + Number(r.b);
      });
      call.on("end", () => callback(null, { count: String(count), total: String(total) }));
    },
  };
  const echoImpl = {
    Count(call: grpc.ServerWritableStream<{ n: number; fail?: boolean }, { i: number }>) {
      seen.activeSpanId = trace.getActiveSpan()?.spanContext().spanId;
      for (let i = 0; i < call.request.n; i++) call.write({ i });
      if (call.request.fail) {
        call.emit("error", { code: grpc.status.RESOURCE_EXHAUSTED, details: "too many" });
        return;
      }
      call.end();
    },
    Chat(call: grpc.ServerDuplexStream<{ text: string }, { text: string }>) {
      call.on("data", (m: { text: string }) => call.write({ text: m.text.toUpperCase() }));
      call.on("end", () => call.end());
    },
  };

  server = new grpc.Server();
  server.addService(
    proto.adder.v1.Adder.service,
    wrapService(proto.adder.v1.Adder.service, adderImpl),
  );
  instrumentServer(server).addService(echoDefinition, echoImpl);
  port = await bindServer(server);

  const target = `127.0.0.1:${port}`;
  const interceptors = [createClientInterceptor({ target })];
  adder = new proto.adder.v1.Adder(target, grpc.credentials.createInsecure(), { interceptors });
  echo = new EchoClient(target, grpc.credentials.createInsecure(), {
    interceptors,
  }) as unknown as EchoClientType;
});

afterAll(async () => {
  adder?.close();
  echo?.close();
  server?.forceShutdown();
  await t.telemetry.shutdown();
});

beforeEach(() => {
  t.exporter.reset();
  delete seen.activeSpanId;
  delete seen.traceparent;
  delete seen.baggage;
});

/** Server spans end when the status is sent, which can be just after the client sees it. */
async function spans(expected: number): Promise<ReadableSpan[]> {
  for (let i = 0; i < 100 && t.exporter.getFinishedSpans().length < expected; i++) {
    await Bun.sleep(5);
  }
  return t.exporter.getFinishedSpans();
}

function expectChild(child: ReadableSpan, parent: ReadableSpan) {
  expect(child.spanContext().traceId).toBe(parent.spanContext().traceId);
  expect(child.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
}

describe("unary", () => {
  test("client and server spans, linked through metadata", async () => {
    const tracer = trace.getTracer("test");
    const root = tracer.startSpan("root");
    const ctx = propagation.setBaggage(
      trace.setSpan(context.active(), root),
      propagation.createBaggage({ tenant: { value: "acme" } }),
    );
    const response = await context.with(ctx, () => add({ a: "2", b: "3" }));
    root.end();
    expect(response.sum).toBe("5");

    const all = await spans(3);
    const client = spanNamed(all, "adder.v1.Adder/Add", SpanKind.CLIENT);
    const srv = spanNamed(all, "adder.v1.Adder/Add", SpanKind.SERVER);
    expectChild(client, spanNamed(all, "root"));
    expectChild(srv, client);

    // The handler ran inside the server span, and saw the client's traceparent and baggage.
    expect(seen.activeSpanId).toBe(srv.spanContext().spanId);
    expect(seen.traceparent).toBe(
      `00-${client.spanContext().traceId}-${client.spanContext().spanId}-01`,
    );
    expect(seen.baggage).toBe("acme");

    // The current conventions (semconv 1.45), checked against the package's own constants.
    expect(client.attributes).toMatchObject({
      [ATTR_RPC_SYSTEM_NAME]: "grpc",
      [ATTR_RPC_METHOD]: "adder.v1.Adder/Add",
      [ATTR_RPC_STATUS_CODE]: "OK",
      "server.address": "127.0.0.1",
      "server.port": port,
      "network.peer.address": "127.0.0.1",
    });
    expect(srv.attributes).toMatchObject({
      [ATTR_RPC_SYSTEM_NAME]: "grpc",
      [ATTR_RPC_METHOD]: "adder.v1.Adder/Add",
      [ATTR_RPC_STATUS_CODE]: "OK",
      "network.peer.address": "127.0.0.1",
    });
    // No deprecated names by default: they come with OTEL_SEMCONV_STABILITY_OPT_IN=rpc/dup.
    for (const span of [client, srv])
      for (const old of ["rpc.system", "rpc.service", "rpc.grpc.status_code"])
        expect(span.attributes[old]).toBeUndefined();
    expect(typeof srv.attributes["network.peer.port"]).toBe("number");
    expect(client.status.code).toBe(SpanStatusCode.UNSET);
    expect(srv.status.code).toBe(SpanStatusCode.UNSET);
    expect(client.attributes["error.type"]).toBeUndefined();
  });

  test("without an active span the client span is a root", async () => {
    await add({ a: "1", b: "1" });
    const all = await spans(2);
    const client = spanNamed(all, "adder.v1.Adder/Add", SpanKind.CLIENT);
    expect(client.parentSpanContext).toBeUndefined();
  });

  test("a target listing several servers: each client span names the one its call reached", async () => {
    const { grpc: proto } = adderProto();
    const other = new grpc.Server();
    other.addService(proto.adder.v1.Adder.service, {
      Add: (_call: unknown, callback: grpc.sendUnaryData<{ sum: string }>) =>
        callback(null, { sum: "0" }),
    });
    const otherPort = await bindServer(other);
    const target = `ipv4:127.0.0.1:${port},127.0.0.1:${otherPort}`;
    const client = new proto.adder.v1.Adder(target, grpc.credentials.createInsecure(), {
      interceptors: [createClientInterceptor({ target })],
      "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
    });
    try {
      for (let i = 0; i < 4; i++) await add({ a: "1", b: "1" }, client);
    } finally {
      client.close();
      other.forceShutdown();
    }
    const clientSpans = (await spans(6)).filter((s) => s.kind === SpanKind.CLIENT);
    expect(clientSpans.map((s) => s.attributes["server.address"])).toEqual(
      Array(4).fill("127.0.0.1"),
    );
    expect(new Set(clientSpans.map((s) => s.attributes["server.port"]))).toEqual(
      new Set([port, otherPort]),
    );
  });

  test("a call made inside a handler is a child of the server span", async () => {
    expect((await add({ a: "100", b: "1" })).sum).toBe("101");
    const all = await spans(4);
    const clients = all.filter((s) => s.kind === SpanKind.CLIENT);
    const servers = all.filter((s) => s.kind === SpanKind.SERVER);
    expect(clients).toHaveLength(2);
    expect(servers).toHaveLength(2);
    const outerClient = clients.find((s) => s.parentSpanContext === undefined);
    if (!outerClient) throw new Error("no root client span");
    const outerServer = servers.find(
      (s) => s.parentSpanContext?.spanId === outerClient.spanContext().spanId,
    );
    if (!outerServer) throw new Error("no outer server span");
    const innerClient = clients.find((s) => s !== outerClient);
    const innerServer = servers.find((s) => s !== outerServer);
    if (!innerClient || !innerServer) throw new Error("missing inner spans");
    expectChild(innerClient, outerServer);
    expectChild(innerServer, innerClient);
  });

  test("INVALID_ARGUMENT: client span is an error, server span is not", async () => {
    const error = (await add({ a: "1" }).catch((e: unknown) => e)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);

    const all = await spans(2);
    const client = spanNamed(all, "adder.v1.Adder/Add", SpanKind.CLIENT);
    const srv = spanNamed(all, "adder.v1.Adder/Add", SpanKind.SERVER);
    expect(client.attributes["rpc.status_code"]).toBe("INVALID_ARGUMENT");
    expect(client.attributes["error.type"]).toBe("INVALID_ARGUMENT");
    expect(client.status).toEqual({ code: SpanStatusCode.ERROR, message: "a and b are required" });
    expect(srv.attributes["rpc.status_code"]).toBe("INVALID_ARGUMENT");
    expect(srv.attributes["error.type"]).toBeUndefined();
    expect(srv.status.code).toBe(SpanStatusCode.UNSET);
  });

  test("a rejected async handler answers UNKNOWN without leaking its message", async () => {
    const error = (await add({ a: "666", b: "1" }).catch((e: unknown) => e)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.UNKNOWN);
    expect(error.details).toBe("Unknown error");

    const all = await spans(2);
    const client = spanNamed(all, "adder.v1.Adder/Add", SpanKind.CLIENT);
    const srv = spanNamed(all, "adder.v1.Adder/Add", SpanKind.SERVER);
    expect(srv.attributes["rpc.status_code"]).toBe("UNKNOWN");
    expect(srv.attributes["error.type"]).toBe("UNKNOWN");
    expect(srv.status).toEqual({ code: SpanStatusCode.ERROR, message: "boom: secret internals" });
    const exception = srv.events.find((e) => e.name === "exception");
    expect(exception?.attributes?.["exception.message"]).toBe("boom: secret internals");
    expect(client.attributes["error.type"]).toBe("UNKNOWN");
    expect(client.status.code).toBe(SpanStatusCode.ERROR);
  });
});

describe("streaming", () => {
  test("client streaming", async () => {
    const response = await addStream([
      { a: "1", b: "2" },
      { a: "3", b: "4" },
    ]);
    expect(response).toEqual({ count: "2", total: "10" });
    const all = await spans(2);
    const client = spanNamed(all, "adder.v1.Adder/AddStream", SpanKind.CLIENT);
    const srv = spanNamed(all, "adder.v1.Adder/AddStream", SpanKind.SERVER);
    expectChild(srv, client);
    expect(client.attributes["rpc.method"]).toBe("adder.v1.Adder/AddStream");
    expect(srv.attributes["rpc.status_code"]).toBe("OK");
    expect(client.attributes["rpc.status_code"]).toBe("OK");
  });

  test("server streaming, success and error", async () => {
    const received = await new Promise<number[]>((resolve, reject) => {
      const items: number[] = [];
      const call = echo.Count({ n: 3 });
      call.on("data", (m: { i: number }) => items.push(m.i));
      call.on("error", reject);
      call.on("end", () => resolve(items));
    });
    expect(received).toEqual([0, 1, 2]);
    let all = await spans(2);
    let client = spanNamed(all, "test.v1.Echo/Count", SpanKind.CLIENT);
    let srv = spanNamed(all, "test.v1.Echo/Count", SpanKind.SERVER);
    expectChild(srv, client);
    expect(seen.activeSpanId).toBe(srv.spanContext().spanId);
    expect(srv.attributes["rpc.status_code"]).toBe("OK");
    expect(client.attributes["rpc.status_code"]).toBe("OK");

    t.exporter.reset();
    const code = await new Promise<number>((resolve) => {
      const call = echo.Count({ n: 1, fail: true });
      call.on("data", () => {});
      call.on("error", (e: grpc.ServiceError) => resolve(e.code));
    });
    expect(code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    all = await spans(2);
    client = spanNamed(all, "test.v1.Echo/Count", SpanKind.CLIENT);
    srv = spanNamed(all, "test.v1.Echo/Count", SpanKind.SERVER);
    expect(srv.attributes["rpc.status_code"]).toBe("RESOURCE_EXHAUSTED");
    expect(srv.status.code).toBe(SpanStatusCode.UNSET);
    expect(client.attributes["error.type"]).toBe("RESOURCE_EXHAUSTED");
    expect(client.status.code).toBe(SpanStatusCode.ERROR);
  });

  test("bidi streaming", async () => {
    const replies = await new Promise<string[]>((resolve, reject) => {
      const items: string[] = [];
      const call = echo.Chat();
      call.on("data", (m: { text: string }) => items.push(m.text));
      call.on("error", reject);
      call.on("end", () => resolve(items));
      call.write({ text: "a" });
      call.write({ text: "b" });
      call.end();
    });
    expect(replies).toEqual(["A", "B"]);
    const all = await spans(2);
    const client = spanNamed(all, "test.v1.Echo/Chat", SpanKind.CLIENT);
    const srv = spanNamed(all, "test.v1.Echo/Chat", SpanKind.SERVER);
    expectChild(srv, client);
    expect(srv.attributes["rpc.method"]).toBe("test.v1.Echo/Chat");
    expect(srv.attributes["rpc.status_code"]).toBe("OK");
  });
});

describe("rpc duration metrics", () => {
  test("histograms in seconds with semconv buckets and labels", async () => {
    await add({ a: "1", b: "2" });
    await add({ a: "1" }).catch(() => {});
    await spans(4);
    const { body, contentType } = await t.telemetry.renderMetrics();
    expect(contentType).toStartWith("text/plain; version=0.0.4");
    expect(body).toContain("# TYPE rpc_server_call_duration_seconds histogram");
    expect(body).toContain("# TYPE rpc_client_call_duration_seconds histogram");
    expect(body).not.toContain("rpc_server_call_duration{");

    const labels = 'rpc_system_name="grpc",rpc_method="adder.v1.Adder/Add"';
    expect(body).toMatch(
      new RegExp(
        `rpc_client_call_duration_seconds_count\\{${labels},rpc_status_code="INVALID_ARGUMENT",server_address="127.0.0.1",server_port="${port}",error_type="INVALID_ARGUMENT"\\} [1-9]`,
      ),
    );
    expect(body).toMatch(
      new RegExp(
        `rpc_server_call_duration_seconds_count\\{${labels},rpc_status_code="OK"\\} [1-9]`,
      ),
    );
    const buckets = [
      ...body.matchAll(
        new RegExp(
          `rpc_server_call_duration_seconds_bucket\\{${labels},rpc_status_code="OK",le="([^"]+)"\\}`,
          "g",
        ),
      ),
    ].map((m) => m[1]);
    expect(buckets).toEqual([...RPC_DURATION_BUCKETS_SECONDS.map(String), "+Inf"]);
  });
});

describe("OTEL_SEMCONV_STABILITY_OPT_IN", () => {
  test("parsed as the conventions define it: dup wins, anything else is the current names", () => {
    expect(parseSemconvStability(undefined)).toEqual({ rpc: "current", messaging: "current" });
    expect(parseSemconvStability("rpc,messaging")).toEqual({
      rpc: "current",
      messaging: "current",
    });
    expect(parseSemconvStability(" http , RPC/dup,rpc ")).toEqual({
      rpc: "dup",
      messaging: "current",
    });
    expect(parseSemconvStability("messaging/dup")).toEqual({ rpc: "current", messaging: "dup" });
  });

  test("rpc/dup: spans and samples carry the current and the pre-1.38 names", async () => {
    const previous = process.env.OTEL_SEMCONV_STABILITY_OPT_IN;
    process.env.OTEL_SEMCONV_STABILITY_OPT_IN = "rpc/dup";
    const dupServer = new grpc.Server();
    const { grpc: proto } = adderProto();
    const refuse = {
      Add: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
        callback({ code: grpc.status.INVALID_ARGUMENT, details: "no" }),
    };
    try {
      // Read when the instrumentation is built, as an app does at start.
      dupServer.addService(
        proto.adder.v1.Adder.service,
        wrapService(proto.adder.v1.Adder.service, refuse),
      );
      const dupPort = await bindServer(dupServer);
      const client = new proto.adder.v1.Adder(
        `127.0.0.1:${dupPort}`,
        grpc.credentials.createInsecure(),
        { interceptors: [createClientInterceptor({ target: `127.0.0.1:${dupPort}` })] },
      );
      await add({ a: "1", b: "2" }, client).catch(() => {});
      client.close();
      const all = await spans(2);
      for (const span of all)
        expect(span.attributes).toMatchObject({
          [ATTR_RPC_SYSTEM_NAME]: "grpc",
          [ATTR_RPC_METHOD]: "adder.v1.Adder/Add",
          [ATTR_RPC_STATUS_CODE]: "INVALID_ARGUMENT",
          "rpc.system": "grpc",
          "rpc.service": "adder.v1.Adder",
          "rpc.grpc.status_code": 3,
        });
      const { body } = await t.telemetry.renderMetrics();
      expect(body).toContain(
        'rpc_server_call_duration_seconds_count{rpc_system_name="grpc",rpc_method="adder.v1.Adder/Add",rpc_system="grpc",rpc_service="adder.v1.Adder",rpc_status_code="INVALID_ARGUMENT",rpc_grpc_status_code="3"}',
      );
    } finally {
      dupServer.forceShutdown();
      if (previous === undefined) delete process.env.OTEL_SEMCONV_STABILITY_OPT_IN;
      else process.env.OTEL_SEMCONV_STABILITY_OPT_IN = previous;
    }
  });
});
