// What every app's ports refuse before a handler runs: text PostgreSQL cannot store faithfully
// (NUL and other control characters, unpaired surrogates), anywhere in a REST body, path or
// query or a gRPC request, and REST bodies over the size limit. Refusals are 400 / 413 /
// INVALID_ARGUMENT with a message naming the problem, and the handler never sees the input.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { startTelemetry } from "@obs/otel";
import { loadProto } from "@obs/proto";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { Hono } from "hono";
import { readJsonBody } from "../src/errors.ts";
import { type AppServers, startAppServers } from "../src/servers.ts";

const exporter = new InMemorySpanExporter();
const telemetry = startTelemetry({
  serviceName: "boundary-test",
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
  processMetrics: false,
  logger: { level: "silent" },
});
const MAX_BYTES = 1024;
const seen: unknown[] = [];
let servers: AppServers;
let client: grpc.Client & {
  GetBalance(
    request: object,
    callback: (error: grpc.ServiceError | null, reply?: unknown) => void,
  ): void;
};

beforeAll(async () => {
  const { definition, grpc: proto } = loadProto("readmodel");
  const routes = new Hono()
    .post("/v1/echo", async (c) => {
      const body = await readJsonBody(c);
      seen.push(body);
      return c.json(body);
    })
    .get("/v1/accounts/:id", (c) => {
      seen.push(c.req.param("id"));
      return c.json({ id: c.req.param("id"), q: c.req.query("q") ?? null });
    });
  servers = await startAppServers({
    config: { grpcPort: 0, httpPort: 0, host: "127.0.0.1", maxRequestBytes: MAX_BYTES },
    telemetry,
    packageDefinition: definition,
    service: {
      name: "readmodel.v1.ReadModel",
      definition: proto.readmodel.v1.ReadModel.service,
      implementation: {
        GetBalance: (
          call: grpc.ServerUnaryCall<{ account_id: string }, unknown>,
          callback: grpc.sendUnaryData<unknown>,
        ) => {
          seen.push(call.request.account_id);
          callback(null, { account_id: call.request.account_id, currency: "USD" });
        },
      },
    },
    routes,
  });
  const Client = proto.readmodel.v1.ReadModel;
  client = new Client(
    `127.0.0.1:${servers.grpcPort}`,
    grpc.credentials.createInsecure(),
  ) as unknown as typeof client;
});

afterAll(async () => {
  client?.close();
  await servers?.stop();
  await telemetry.shutdown();
});

const url = (path: string) => `http://127.0.0.1:${servers.httpPort}${path}`;
const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(url("/v1/echo"), { method: "POST", body, headers });

describe("REST", () => {
  test("NUL, control characters and lone surrogates in a JSON body are 400 naming the field", async () => {
    const cases: [string, string][] = [
      [
        String.raw`{"idempotency_key":"abc\u0000"}`,
        "idempotency_key contains the control character U+0000 at index 3",
      ],
      [
        String.raw`{"idempotency_key":"key\ud800"}`,
        "idempotency_key is not valid Unicode: unpaired surrogate U+D800",
      ],
      [
        String.raw`{"entry":{"lines":[{"account_id":"a\u001b[31m"}]}}`,
        "entry.lines[0].account_id contains the control character U+001B",
      ],
      [String.raw`{"k\u0000":1}`, "a field name contains the control character U+0000"],
    ];
    const before = seen.length;
    for (const [body, message] of cases) {
      const response = await post(body);
      expect(response.status).toBe(400);
      const answer = (await response.json()) as { error: string; message: string };
      expect(answer.error).toBe("INVALID_ARGUMENT");
      expect(answer.message).toContain(message);
    }
    expect(seen.length).toBe(before);
    // Bytes that are not UTF-8 would be decoded to U+FFFD and make two keys one.
    const raw = await fetch(url("/v1/echo"), {
      method: "POST",
      body: Buffer.concat([
        Buffer.from('{"key":"k'),
        Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from('"}'),
      ]),
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({
      error: "INVALID_ARGUMENT",
      message: "body is not valid UTF-8",
    });
    // Well-formed surrogate pairs are text like any other.
    const ok = await post(String.raw`{"key":"\ud83d\udc4d caf\u00e9"}`);
    expect(await ok.json()).toEqual({ key: "👍 café" });
  });

  test("path segments and query values are decoded and held to the same rule", async () => {
    const bad: [string, string][] = [
      ["/v1/accounts/%00", "the path contains the control character U+0000"],
      ["/v1/accounts/a%0Ab", "the path contains the control character U+000A"],
      ["/v1/accounts/%ED%A0%80", "the path is not valid percent-encoded UTF-8"],
      ["/v1/accounts/%FF", "the path is not valid percent-encoded UTF-8"],
      ["/v1/accounts/ok?q=%00", "query parameter q contains the control character U+0000"],
      ["/v1/accounts/ok?%01=x", "a query parameter name contains the control character U+0001"],
    ];
    const before = seen.length;
    for (const [path, message] of bad) {
      const response = await fetch(url(path));
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      const answer = (await response.json()) as { error: string; message: string };
      expect(answer.error).toBe("INVALID_ARGUMENT");
      expect(answer.message).toStartWith(message);
    }
    expect(seen.length).toBe(before);
    const ok = await fetch(url("/v1/accounts/caf%C3%A9?q=a+b"));
    expect(await ok.json()).toEqual({ id: "café", q: "a b" });
  });

  test("a body over the limit is 413 with the JSON error, from Content-Length, unread", async () => {
    const response = await post("x".repeat(MAX_BYTES + 1));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: "RESOURCE_EXHAUSTED",
      message: `the request body is larger than ${MAX_BYTES} bytes`,
    });
    const atLimit = await post(JSON.stringify({ pad: "y".repeat(MAX_BYTES - 20) }));
    expect(atLimit.status).toBe(200);
  });

  test("a chunked body is refused once it passes the limit, without waiting for the rest", async () => {
    // 1 KiB over the limit, then the client stalls and never finishes its 10 MB: the answer
    // must come anyway, so the server did not set out to read the whole body.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(servers.httpPort, "127.0.0.1");
      let received = "";
      socket.setTimeout(10_000, () => reject(new Error("no answer while the body was unfinished")));
      socket.on("data", (chunk) => {
        received += chunk.toString();
        if (received.includes("\r\n\r\n") && received.includes("}")) {
          socket.destroy();
          resolve(received);
        }
      });
      socket.on("error", reject);
      socket.write(
        "POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
      );
      const chunk = "z".repeat(MAX_BYTES * 2);
      socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    });
    expect(answer).toStartWith("HTTP/1.1 413");
    expect(answer).toContain('"error":"RESOURCE_EXHAUSTED"');
  });
});

describe("gRPC", () => {
  const getBalance = (account_id: string) =>
    new Promise<{ error: grpc.ServiceError | null; reply?: unknown }>((resolve) =>
      client.GetBalance({ account_id }, (error, reply) => resolve({ error, reply })),
    );

  test("a request field with NUL or a lone surrogate is INVALID_ARGUMENT; the handler never runs", async () => {
    const before = seen.length;
    const nul = await getBalance("acc\u0000");
    expect(nul.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(nul.error?.details).toBe("account_id contains the control character U+0000 at index 3");
    const tab = await getBalance("a\tb");
    expect(tab.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    // protobufjs writes an unpaired surrogate as invalid UTF-8 (ED A0 80) and decodes that as
    // U+FFFDs: "k\ud800" and "k\ud801" would arrive as one string. Refused on the raw bytes.
    for (const key of ["k\ud800", "k\ud801"]) {
      const lone = await getBalance(key);
      expect(lone.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(lone.error?.details).toBe("a string field is not valid UTF-8");
    }
    expect(seen.length).toBe(before);
    const ok = await getBalance("acc-1");
    expect(ok.error).toBeNull();
    // A real U+FFFD is text like any other.
    const replacement = await getBalance("acc-\ufffd");
    expect(replacement.error).toBeNull();
  });

  test("a refused call still has its SERVER span with the status", async () => {
    exporter.reset();
    await getBalance("x\u0007");
    const span = exporter
      .getFinishedSpans()
      .find((s) => s.name === "readmodel.v1.ReadModel/GetBalance");
    expect(span).toBeDefined();
    expect(span?.attributes["rpc.status_code"]).toBe("INVALID_ARGUMENT");
  });

  test("a message over the size limit is RESOURCE_EXHAUSTED", async () => {
    const big = await getBalance("a".repeat(MAX_BYTES * 2));
    expect(big.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });
});
