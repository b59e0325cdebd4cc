// The accounts service in-process against the real broker and PostgreSQL: gRPC and REST, bad
// inputs that must write nothing, and the AccountOpened event travelling through the outbox
// with the trace of the request that opened the account.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import type { Kafka } from "@obs/kafka";
import { loadProto } from "@obs/proto";
import { SpanKind } from "@opentelemetry/api";
import type postgres from "postgres";
import { ensureInfra } from "../../../test/support/infra.ts";
import type { Accounts } from "../src/app.ts";
import { accountOpenedCodec } from "../src/store.ts";
import {
  migrateTestDatabase,
  readTopic,
  spans,
  startTestAccounts,
  testKafka,
  testSql,
} from "./support.ts";

interface AccountReply {
  account_id: string;
  currency: string;
  min_balance_minor?: string | null;
  opened_at: { seconds: string; nanos: number };
}
interface AccountJson {
  account_id: string;
  currency: string;
  min_balance_minor: string | null;
  opened_at: string;
}
interface ErrorJson {
  error: string;
  message: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let app: Accounts;
let kafka: Kafka;
let sql: postgres.Sql;
type Unary = (
  request: object,
  callback: (error: grpc.ServiceError | null, reply: unknown) => void,
) => void;
let client: grpc.Client & { OpenAccount: Unary; GetAccount: Unary };

beforeAll(async () => {
  await ensureInfra();
  await migrateTestDatabase();
  app = await startTestAccounts();
  kafka = await testKafka();
  sql = testSql();
  const Accounts = loadProto("accounts").grpc.accounts.v1.Accounts;
  client = new Accounts(
    `127.0.0.1:${app.grpcPort}`,
    grpc.credentials.createInsecure(),
  ) as unknown as typeof client;
}, 600_000);

afterAll(async () => {
  client?.close();
  // Published before the topic goes away, so no pending row of this run outlives it.
  await app?.relay.drain(10_000).catch(() => {});
  await app?.stop();
  await kafka
    ?.admin()
    .then((admin) => admin.deleteTopics([app.topic, `${app.topic}.dlq`]).then(() => admin.close()));
  await kafka?.close();
  await sql?.end();
}, 30_000);

function call<T>(method: "OpenAccount" | "GetAccount", request: object): Promise<T> {
  return new Promise((resolve, reject) =>
    client[method](request, (error, reply) => (error ? reject(error) : resolve(reply as T))),
  );
}

async function grpcError(method: "OpenAccount" | "GetAccount", request: object) {
  try {
    await call(method, request);
  } catch (error) {
    return error as grpc.ServiceError;
  }
  throw new Error(`${method} ${JSON.stringify(request)} succeeded`);
}

const http = (path: string, init?: RequestInit) =>
  fetch(`http://127.0.0.1:${app.httpPort}${path}`, init);

const post = (body: string, headers: Record<string, string> = {}) =>
  http("/v1/accounts", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });

async function rowCounts() {
  const [row] = await sql<{ accounts: number; outbox: number }[]>`
    select (select count(*)::int from accounts.accounts) as accounts,
           (select count(*)::int from accounts.outbox) as outbox`;
  return row;
}

describe("gRPC", () => {
  test("OpenAccount returns the account; GetAccount finds it", async () => {
    const opened = await call<AccountReply>("OpenAccount", { currency: "EUR" });
    expect(opened.account_id).toMatch(UUID);
    expect(opened.currency).toBe("EUR");
    expect(opened.min_balance_minor ?? null).toBeNull();
    expect(Number(opened.opened_at.seconds)).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(await call<AccountReply>("GetAccount", { account_id: opened.account_id })).toEqual(
      opened,
    );
  });

  test("min_balance_minor is kept as int64", async () => {
    const opened = await call<AccountReply>("OpenAccount", {
      currency: "JPY",
      min_balance_minor: "-9223372036854775808",
    });
    expect(opened.min_balance_minor).toBe("-9223372036854775808");
    const got = await call<AccountReply>("GetAccount", { account_id: opened.account_id });
    expect(got.min_balance_minor).toBe("-9223372036854775808");
  });

  test("a bad currency is INVALID_ARGUMENT", async () => {
    for (const currency of ["", "usd", "ABC", "US", "USDX"]) {
      const error = await grpcError("OpenAccount", { currency });
      expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(error.details).toContain("currency");
    }
  });

  test("an unknown or malformed id is NOT_FOUND", async () => {
    for (const account_id of [crypto.randomUUID(), "not-a-uuid", ""]) {
      const error = await grpcError("GetAccount", { account_id });
      expect(error.code).toBe(grpc.status.NOT_FOUND);
    }
  });
});

describe("REST", () => {
  test("POST /v1/accounts opens an account (201); GET /v1/accounts/:id returns it", async () => {
    const response = await post(JSON.stringify({ currency: "USD" }));
    expect(response.status).toBe(201);
    const opened = (await response.json()) as AccountJson;
    expect(opened).toMatchObject({ currency: "USD", min_balance_minor: null });
    expect(opened.account_id).toMatch(UUID);
    expect(response.headers.get("location")).toBe(`/v1/accounts/${opened.account_id}`);
    expect(new Date(opened.opened_at).getTime()).toBeGreaterThan(Date.now() - 60_000);

    const got = await http(`/v1/accounts/${opened.account_id}`);
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(opened);
    // The same account over gRPC.
    const viaGrpc = await call<AccountReply>("GetAccount", { account_id: opened.account_id });
    expect(viaGrpc.currency).toBe("USD");
  });

  test("min_balance_minor is accepted as a decimal string or a safe integer", async () => {
    for (const [given, stored] of [
      ['"-5000"', "-5000"],
      ["0", "0"],
    ] as const) {
      const response = await post(`{"currency":"GBP","min_balance_minor":${given}}`);
      expect(response.status).toBe(201);
      expect(((await response.json()) as AccountJson).min_balance_minor).toBe(stored);
    }
  });

  test("GET of an unknown or malformed id is 404 {error: NOT_FOUND}", async () => {
    for (const id of [crypto.randomUUID(), "nope"]) {
      const response = await http(`/v1/accounts/${id}`);
      expect(response.status).toBe(404);
      const body = (await response.json()) as ErrorJson;
      expect(body.error).toBe("NOT_FOUND");
      expect(body.message).toContain(id);
    }
  });

  test("bad bodies are 400 {error: INVALID_ARGUMENT, message}", async () => {
    for (const body of [
      "{not json",
      "[]",
      '"USD"',
      "{}",
      '{"currency":"usd"}',
      '{"currency":"XYZ"}',
      '{"currency":840}',
      '{"currency":"USD","min_balance_minor":"1.5"}',
      '{"currency":"USD","min_balance_minor":"99999999999999999999"}',
      '{"currency":"USD","min_balance":"-1"}',
    ]) {
      const response = await post(body);
      expect(response.status, body).toBe(400);
      const json = (await response.json()) as ErrorJson;
      expect(json.error).toBe("INVALID_ARGUMENT");
      expect(json.message).toBeString();
    }
  });
});

test("a refused request writes neither an account nor an outbox row", async () => {
  const before = await rowCounts();
  await post('{"currency":"usd"}');
  await post("{oops");
  await post('{"currency":"USD","min_balance_minor":true}');
  await grpcError("OpenAccount", { currency: "NOPE" });
  await grpcError("GetAccount", { account_id: crypto.randomUUID() });
  await http(`/v1/accounts/${crypto.randomUUID()}`);
  expect(await rowCounts()).toEqual(before);
  // And an accepted one writes exactly one of each, in the same transaction.
  expect((await post('{"currency":"CHF"}')).status).toBe(201);
  const after = await rowCounts();
  expect(after?.accounts).toBe((before?.accounts ?? 0) + 1);
  expect(after?.outbox).toBe((before?.outbox ?? 0) + 1);
});

test("AccountOpened reaches the topic, keyed by account id, carrying the request's trace", async () => {
  const traceId = crypto.randomUUID().replaceAll("-", "");
  const response = await post(JSON.stringify({ currency: "SEK", min_balance_minor: "-100" }), {
    traceparent: `00-${traceId}-${"a1".repeat(8)}-01`,
  });
  expect(response.status).toBe(201);
  const opened = (await response.json()) as AccountJson;

  const messages = await readTopic(kafka, app.topic, (received) =>
    received.some((m) => m.key?.toString() === opened.account_id),
  );
  const message = messages.find((m) => m.key?.toString() === opened.account_id);
  if (!message) throw new Error("AccountOpened did not arrive");

  const event = accountOpenedCodec.decode(message.value);
  expect(event.schema_version).toBe(1);
  expect(event.event_id).toMatch(UUID);
  expect(event.account).toMatchObject({
    account_id: opened.account_id,
    currency: "SEK",
    min_balance_minor: "-100",
  });
  expect(message.headers["content-type"]?.toString()).toBe("application/json");
  const traceparent = message.headers.traceparent?.toString() ?? "";
  expect(traceparent.split("-")[1]).toBe(traceId);

  // The row is marked published.
  const [row] = await sql<{ published_at: Date | null }[]>`
    select published_at from accounts.outbox where key = ${opened.account_id}`;
  expect(row?.published_at).toBeInstanceOf(Date);

  // One trace: the REST SERVER span, and a PRODUCER span of the relay under it.
  const inTrace = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const server = inTrace.find((s) => s.kind === SpanKind.SERVER);
  expect(server?.name).toBe("POST /v1/accounts");
  expect(inTrace.some((s) => s.kind === SpanKind.PRODUCER)).toBe(true);
}, 60_000);

test("REST requests produce SERVER spans with the route template", async () => {
  spans.reset();
  const opened = (await (await post('{"currency":"NOK"}')).json()) as AccountJson;
  await http(`/v1/accounts/${opened.account_id}`);
  await http(`/v1/accounts/${crypto.randomUUID()}`);
  const server = spans.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
  const summary = server.map((s) => [s.name, s.attributes["http.response.status_code"]]);
  expect(summary).toEqual(
    expect.arrayContaining([
      ["POST /v1/accounts", 201],
      ["GET /v1/accounts/:id", 200],
      ["GET /v1/accounts/:id", 404],
    ]),
  );
});

test("/readyz checks PostgreSQL and Kafka; /metrics shows HTTP, RPC and outbox metrics", async () => {
  const ready = await http("/readyz");
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({
    status: "ready",
    checks: { postgres: "ok", outbox: "ok" },
  });
  const text = await (await http("/metrics")).text();
  expect(text).toContain('http_server_request_duration_seconds_count{http_request_method="POST"');
  expect(text).toContain("rpc_server_call_duration_seconds_count");
  expect(text).toContain("outbox_relay_latency_seconds_count");
});
