// The read model in-process against the real broker and PostgreSQL: one instance with its own
// topics and consumer group, fed EntryPosted and AccountOpened the way the ledger and the
// accounts service publish them, queried over gRPC and REST.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { status } from "@grpc/grpc-js";
import { DLQ_HEADERS, type Kafka, kafkaTelemetry, startLagMonitor } from "@obs/kafka";
import type { Balance } from "@obs/proto/gen/readmodel/v1/Balance.ts";
import type { ListStatementsResponse } from "@obs/proto/gen/readmodel/v1/ListStatementsResponse.ts";
import type { ReadModelClient } from "@obs/proto/gen/readmodel/v1/ReadModel.ts";
import { SpanKind } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { ensureInfra, eventually } from "../../../test/support/infra.ts";
import type { ReadModel } from "../src/app.ts";
import { withSeedConsumerLag } from "../src/lag.ts";
import {
  accountCodec,
  accountOpened,
  allStatementLines,
  allTopics,
  balancesMatch,
  call,
  entryCodec,
  grpcClient,
  metricsText,
  migrateTestDatabase,
  newAccountId,
  produceAccounts,
  produceEntries,
  readTopic,
  restBalance,
  restStatements,
  sample,
  spans,
  startTestReadModel,
  TestLedger,
  type TestTopics,
  testKafka,
  testTelemetry,
  uniqueTopics,
} from "./support.ts";

let app: ReadModel;
let kafka: Kafka;
let client: ReadModelClient;
let topics: TestTopics;

beforeAll(async () => {
  await ensureInfra();
  await migrateTestDatabase();
  topics = uniqueTopics();
  kafka = await testKafka();
  app = await startTestReadModel({ topics });
  client = grpcClient(app);
  await app.consumer.consumer.ready;
}, 600_000);

afterAll(async () => {
  client?.close();
  await app?.stop();
  await kafka?.admin().then((admin) => admin.deleteTopics(allTopics([topics])));
  await kafka?.close();
}, 30_000);

const getBalance = (account_id: string) =>
  call<{ account_id: string }, Balance>(client.GetBalance.bind(client), { account_id });

const listStatements = (request: { account_id: string; page_size?: number; page_token?: string }) =>
  call<typeof request, ListStatementsResponse>(client.ListStatements.bind(client), request);

async function grpcError(work: Promise<unknown>): Promise<{ code: number; details: string }> {
  const error = await work.then(
    () => undefined,
    (e: { code: number; details: string }) => e,
  );
  if (!error) throw new Error("the call succeeded");
  return error;
}

describe("projection", () => {
  test("entries become balances and statement lines with the ledger's balance_after", async () => {
    const [alice, bob, carol] = [newAccountId(), newAccountId(), newAccountId()];
    const ledger = new TestLedger();
    const events = [
      ledger.transfer(alice, bob, 5000),
      ledger.transfer(bob, carol, 1200),
      ledger.post([
        [carol, -700],
        [alice, 500],
        [bob, 200],
      ]),
    ];
    await produceEntries(kafka, topics.entries, events);
    await balancesMatch(app, ledger.balances);
    expect((await restBalance(app, alice)).body).toMatchObject({
      account_id: alice,
      currency: "USD",
      balance_minor: "-4500",
    });
    expect((await restBalance(app, carol)).body.balance_minor).toBe("500");
    // Seed 000: the two sides of a transfer sum to zero, in the read model too.
    const sum = [...ledger.balances.values()].reduce((n, v) => n + v, 0n);
    expect(sum).toBe(0n);

    const bobLines = await allStatementLines(app, bob);
    expect(bobLines.map((l) => [l.entry_id, l.amount_minor, l.balance_after_minor])).toEqual(
      (ledger.statements.get(bob) ?? []).map((l) => [
        l.entryId,
        l.amount.toString(),
        l.after.toString(),
      ]),
    );
    expect(bobLines.map((l) => l.balance_after_minor)).toEqual(["5000", "3800", "4000"]);
    expect(bobLines[0]).toMatchObject({
      account_id: bob,
      currency: "USD",
      description: "test entry",
      posted_at: ledger.statements.get(bob)?.[0]?.postedAt.toISOString(),
    });
  }, 60_000);

  test("each message is processed in a `process` span whose parent is its `send` span", async () => {
    const ledger = new TestLedger();
    const [a, b] = [newAccountId(), newAccountId()];
    const reports = await produceEntries(kafka, topics.entries, [
      ledger.transfer(a, b, 1),
      ledger.transfer(b, a, 2),
    ]);
    await balancesMatch(app, ledger.balances);
    for (const report of reports) {
      const finished = spans.getFinishedSpans();
      const send = finished.find(
        (s) =>
          s.name === `send ${topics.entries}` &&
          s.attributes["kafka.offset"] === Number(report.offset) &&
          s.attributes["messaging.destination.partition.id"] === String(report.partition),
      );
      const processed = finished.find(
        (s) =>
          s.name === `process ${topics.entries}` &&
          s.attributes["kafka.offset"] === Number(report.offset) &&
          s.attributes["messaging.destination.partition.id"] === String(report.partition),
      );
      expect(send?.kind).toBe(SpanKind.PRODUCER);
      expect(processed?.kind).toBe(SpanKind.CONSUMER);
      expect(processed?.spanContext().traceId).toBe(send?.spanContext().traceId as string);
      expect(processed?.parentSpanContext?.spanId).toBe(send?.spanContext().spanId as string);
      expect(processed?.attributes["messaging.consumer.group.name"]).toBe(app.groupId);
    }
  }, 60_000);

  test("a batch is projected in a `project batch` span holding its statement, reached from the message's span", async () => {
    const ledger = new TestLedger();
    const [a, b] = [newAccountId(), newAccountId()];
    const [report] = await produceEntries(kafka, topics.entries, [ledger.transfer(a, b, 3)]);
    await balancesMatch(app, ledger.balances);
    // The message's span ends just after the projection committed.
    const isOurs = (s: ReadableSpan) =>
      s.name === `process ${topics.entries}` &&
      s.attributes["kafka.offset"] === Number(report?.offset) &&
      s.attributes["messaging.destination.partition.id"] === String(report?.partition);
    const finished = await eventually("the message's process span", async () => {
      const all = spans.getFinishedSpans();
      return all.some(isOurs) ? all : undefined;
    });
    const processed = finished.find(isOurs);
    // The projection runs in the message's own span when its batch was just it, else in the
    // batch's span, which the message's span links to.
    const batchId = processed?.links[0]?.context.spanId ?? processed?.spanContext().spanId;
    const project = finished.find(
      (s) => s.name === "project batch" && s.parentSpanContext?.spanId === batchId,
    );
    expect(project?.kind).toBe(SpanKind.INTERNAL);
    expect(project?.attributes["readmodel.projection.applied"]).toBeGreaterThanOrEqual(1);
    // The projection is one statement (its own transaction), so no transaction span.
    const statements = finished.filter(
      (s) => s.parentSpanContext?.spanId === project?.spanContext().spanId,
    );
    expect(statements).toHaveLength(1);
    const [statement] = statements;
    expect(statement?.kind).toBe(SpanKind.CLIENT);
    expect(statement?.attributes["db.system.name"]).toBe("postgresql");
    expect(String(statement?.attributes["db.query.summary"])).toContain(
      "INSERT readmodel.balances",
    );
    expect(String(statement?.attributes["db.query.text"])).not.toContain(a);
  }, 60_000);

  test("an event produced twice with the same event_id is applied once", async () => {
    const [a, b] = [newAccountId(), newAccountId()];
    const ledger = new TestLedger();
    const twice = ledger.transfer(a, b, 1234);
    const after = ledger.transfer(a, b, 1);
    // The second copy lands at a later offset: deduplication by offset would miss it.
    const reports = await produceEntries(kafka, topics.entries, [twice, twice, after]);
    expect(reports[1]?.offset).not.toBe(reports[0]?.offset);
    await balancesMatch(app, ledger.balances);
    // Give a wrongly applied duplicate time to show up before concluding.
    await Bun.sleep(1000);
    expect((await restBalance(app, b)).body.balance_minor).toBe("1235");
    expect(await allStatementLines(app, b)).toHaveLength(2);
  }, 60_000);

  test("AccountOpened makes a zero balance; a later AccountOpened never resets money", async () => {
    const fresh = newAccountId();
    const early = newAccountId();
    const ledger = new TestLedger();
    await produceEntries(kafka, topics.entries, [ledger.transfer(newAccountId(), early, 77)]);
    await balancesMatch(app, ledger.balances);
    await produceAccounts(kafka, topics.accounts, [
      accountOpened(fresh, "CHF"),
      accountOpened(early),
    ]);
    const rest = await eventually("the opened account's balance", async () => {
      const { status: code, body } = await restBalance(app, fresh);
      return code === 200 ? body : undefined;
    });
    expect(rest).toMatchObject({ account_id: fresh, currency: "CHF", balance_minor: "0" });
    const grpcBalance = await getBalance(fresh);
    expect(grpcBalance).toMatchObject({ account_id: fresh, currency: "CHF", balance_minor: "0" });
    expect(await listStatements({ account_id: fresh })).toEqual({
      lines: [],
      next_page_token: "",
    });
    // Both AccountOpened went through the same partition order as `fresh`'s; allow for them.
    await eventually("the second AccountOpened consumed", async () => {
      const text = await metricsText(app);
      return (sample(text, "kafka_messages_consumed_total", { topic: topics.accounts }) ?? 0) >= 2
        ? true
        : undefined;
    });
    expect((await restBalance(app, early)).body.balance_minor).toBe("77");
  }, 60_000);
});

describe("queries", () => {
  const account = newAccountId();
  const ledger = new TestLedger();

  beforeAll(async () => {
    // 101 lines: one more than the default page.
    const events = Array.from({ length: 101 }, (_, i) =>
      ledger.transfer(account, newAccountId(), i + 1),
    );
    await produceEntries(kafka, topics.entries, events);
    await balancesMatch(app, new Map([[account, ledger.balances.get(account) ?? 0n]]));
  }, 60_000);

  test("GetBalance over gRPC and GET …/balance agree", async () => {
    const reply = await getBalance(account);
    const { status: code, body } = await restBalance(app, account);
    expect(code).toBe(200);
    expect(reply.balance_minor).toBe(String(-(101 * 102) / 2));
    expect({ ...reply, updated_at: undefined }).toEqual({ ...body, updated_at: undefined });
    const at = reply.updated_at;
    if (!at) throw new Error("no updated_at");
    expect(Number(at.seconds) * 1000 + Math.floor(at.nanos / 1e6)).toBe(
      Date.parse(body.updated_at),
    );
  }, 30_000);

  test("pages of ListStatements and GET …/statements agree and cover every line once", async () => {
    const expected = (ledger.statements.get(account) ?? []).map((l) => l.entryId);
    const seenGrpc: string[] = [];
    const seenRest: string[] = [];
    let token = "";
    let pages = 0;
    do {
      const grpcPage = await listStatements({
        account_id: account,
        page_size: 30,
        page_token: token,
      });
      const restPage = await restStatements(app, account, {
        page_size: "30",
        ...(token ? { page_token: token } : {}),
      });
      expect(restPage.status).toBe(200);
      expect(grpcPage.next_page_token).toBe(restPage.body.next_page_token);
      expect(grpcPage.lines.map((l) => ({ ...l, posted_at: undefined }))).toEqual(
        restPage.body.lines.map((l) => ({ ...l, posted_at: undefined })),
      );
      expect(grpcPage.lines.length).toBeLessThanOrEqual(30);
      seenGrpc.push(...grpcPage.lines.map((l) => l.entry_id));
      seenRest.push(...restPage.body.lines.map((l) => l.entry_id));
      token = grpcPage.next_page_token;
      pages++;
    } while (token && pages < 10);
    expect(pages).toBe(4);
    expect(seenGrpc).toEqual(expected);
    expect(seenRest).toEqual(expected);
  }, 30_000);

  test("page_size 0 or absent is the default of 100", async () => {
    const zero = await listStatements({ account_id: account, page_size: 0 });
    expect(zero.lines).toHaveLength(100);
    expect(zero.next_page_token).not.toBe("");
    const absent = await restStatements(app, account);
    expect(absent.body.lines).toHaveLength(100);
    const max = await restStatements(app, account, { page_size: "500" });
    expect(max.body.lines).toHaveLength(101);
    expect(max.body.next_page_token).toBe("");
  }, 30_000);

  test("an unknown account is NOT_FOUND over gRPC and 404 over REST", async () => {
    const unknown = newAccountId();
    expect((await grpcError(getBalance(unknown))).code).toBe(status.NOT_FOUND);
    expect((await grpcError(listStatements({ account_id: unknown }))).code).toBe(status.NOT_FOUND);
    for (const response of [await restBalance(app, unknown), await restStatements(app, unknown)]) {
      expect(response.status).toBe(404);
      expect(response.body).toEqual({
        error: "NOT_FOUND",
        message: `account ${unknown} not found`,
      } as never);
    }
  }, 30_000);

  test("bad arguments are INVALID_ARGUMENT over gRPC and 400 over REST", async () => {
    const invalid = async (request: Parameters<typeof listStatements>[0]) =>
      (await grpcError(listStatements(request))).code;
    expect(await invalid({ account_id: account, page_size: 501 })).toBe(status.INVALID_ARGUMENT);
    expect(await invalid({ account_id: account, page_token: "not a token!" })).toBe(
      status.INVALID_ARGUMENT,
    );
    expect(await invalid({ account_id: account, page_token: "bm9wZQ" })).toBe(
      status.INVALID_ARGUMENT,
    );
    expect(await invalid({ account_id: "" })).toBe(status.INVALID_ARGUMENT);
    expect((await grpcError(getBalance(""))).code).toBe(status.INVALID_ARGUMENT);

    const queries: Record<string, string>[] = [
      { page_size: "501" },
      { page_size: "-1" },
      { page_size: "abc" },
      { page_size: "1.5" },
      { page_token: "garbage" },
    ];
    for (const query of queries) {
      const response = await restStatements(app, account, query);
      expect(response.status).toBe(400);
      expect(response.body.error).toBe("INVALID_ARGUMENT");
    }
  }, 30_000);

  test("a page token of one account is refused for another", async () => {
    const { next_page_token } = await listStatements({ account_id: account, page_size: 1 });
    expect(next_page_token).not.toBe("");
    // Any counterparty of `account` exists in the read model.
    const statement = await listStatements({ account_id: account, page_size: 1 });
    const entryId = statement.lines[0]?.entry_id;
    const other = [...ledger.statements.entries()].find(
      ([id, lines]) => id !== account && lines.some((l) => l.entryId === entryId),
    )?.[0];
    if (!other) throw new Error("no counterparty");
    const error = await grpcError(
      listStatements({ account_id: other, page_token: next_page_token }),
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toContain("another account");
    const response = await restStatements(app, other, { page_token: next_page_token });
    expect(response.status).toBe(400);
  }, 30_000);
});

describe("poison events", () => {
  test("unknown schema versions and broken events go to <topic>.dlq; later events are applied", async () => {
    const [a, b] = [newAccountId(), newAccountId()];
    const ledger = new TestLedger();
    const v2 = { ...new TestLedger().transfer(a, b, 999), schema_version: 2 };
    const noEventId = { ...new TestLedger().transfer(a, b, 999), event_id: "" };
    const after = ledger.transfer(a, b, 5);
    const entryPoison = [
      entryCodec.encode(v2).toString(),
      entryCodec.encode(noEventId).toString(),
      "this is not an EntryPosted",
    ];
    const accountPoison = [accountCodec.encode({ ...accountOpened(a), schema_version: 2 })];
    const bare = await testKafka({ hooks: false });
    try {
      const producer = await bare.producer();
      // The good entry goes last, on the same partition (same key): it must not be held up.
      await producer.send([
        ...entryPoison.map((value) => ({ topic: topics.entries, key: a, value })),
        { topic: topics.entries, key: a, value: entryCodec.encode(after) },
        ...accountPoison.map((value) => ({ topic: topics.accounts, key: a, value })),
      ]);
    } finally {
      await bare.close();
    }
    await balancesMatch(app, ledger.balances);
    expect((await restBalance(app, b)).body.balance_minor).toBe("5");

    const dead = await readTopic(kafka, `${topics.entries}.dlq`, entryPoison.length);
    expect(dead.map((m) => m.value?.toString()).sort()).toEqual([...entryPoison].sort());
    for (const message of dead) {
      expect(message.headers[DLQ_HEADERS.errorType]?.toString()).toBe("PoisonMessageError");
      expect(message.headers[DLQ_HEADERS.errorStage]?.toString()).toBe("decode");
      expect(message.headers[DLQ_HEADERS.originalTopic]?.toString()).toBe(topics.entries);
      expect(message.headers[DLQ_HEADERS.consumerGroup]?.toString()).toBe(app.groupId);
    }
    const v2Dead = dead.find((m) => m.value?.toString() === entryPoison[0]);
    expect(v2Dead?.headers[DLQ_HEADERS.errorMessage]?.toString()).toContain("schema_version 2");

    const deadAccounts = await readTopic(kafka, `${topics.accounts}.dlq`, 1);
    expect(deadAccounts.map((m) => m.value?.toString())).toEqual(
      accountPoison.map((v) => v.toString()),
    );
    const metrics = await eventually("dead letters counted", async () => {
      const text = await metricsText(app);
      const n = sample(text, "kafka_consumer_errors_total", {
        topic: topics.entries,
        error_type: "PoisonMessageError",
      });
      return n === entryPoison.length ? text : undefined;
    });
    expect(
      sample(metrics, "kafka_consumer_errors_total", {
        topic: topics.accounts,
        error_type: "PoisonMessageError",
      }),
    ).toBe(1);
  }, 60_000);
});

describe("operations", () => {
  test("/metrics has consumer_lag and kafka_consumer_lag from the same poll", async () => {
    const text = await eventually(
      "both lag gauges at 0 for the entries topic",
      async () => {
        const text = await metricsText(app);
        const seed = sample(text, "consumer_lag", { topic: topics.entries, partition: "0" });
        const lib = sample(text, "kafka_consumer_lag", {
          consumer_group: app.groupId,
          topic: topics.entries,
          partition: "0",
        });
        return seed === 0 && lib === 0 ? text : undefined;
      },
      20_000,
    );
    expect(text).toContain("# TYPE consumer_lag gauge");
    for (const partition of ["0", "1", "2"]) {
      for (const topic of [topics.entries, topics.accounts]) {
        expect(sample(text, "consumer_lag", { topic, partition })).toBe(
          sample(text, "kafka_consumer_lag", { consumer_group: app.groupId, topic, partition }) ??
            Number.NaN,
        );
      }
    }
    expect(
      sample(text, "kafka_messages_consumed_total", { topic: topics.entries }),
    ).toBeGreaterThan(0);
    expect(text).toMatch(
      new RegExp(`^kafka_message_delivery_latency_bucket\\{[^}]*topic="${topics.entries}"`, "m"),
    );
  }, 30_000);

  test("consumer_lag shows a backlog while a group is behind, equal to kafka_consumer_lag", async () => {
    // A topic of its own with three records and a group that never consumes: its lag is the
    // whole topic. (consumer_lag has no group label, so it must not share a topic with `app`.)
    const topic = `${topics.entries}.backlog`;
    const admin = await kafka.admin();
    await admin.createTopics([{ topic, partitions: 1 }]);
    const idle = `${app.groupId}-idle`;
    const telemetry = testTelemetry();
    const stop = startLagMonitor({
      admin,
      groupId: idle,
      topics: [topic],
      metrics: withSeedConsumerLag(kafkaTelemetry(telemetry).metrics, telemetry.meter),
      intervalMs: 200,
    });
    try {
      const producer = await kafka.producer();
      await producer.send([1, 2, 3].map((n) => ({ topic, key: "k", value: String(n) })));
      const text = await eventually("a lag of 3", async () => {
        const text = (await telemetry.renderMetrics()).body;
        return sample(text, "consumer_lag", { topic, partition: "0" }) === 3 ? text : undefined;
      });
      expect(
        sample(text, "kafka_consumer_lag", { consumer_group: idle, topic, partition: "0" }),
      ).toBe(3);
    } finally {
      await stop();
      await admin.deleteTopics([topic]);
    }
  }, 30_000);

  test("/readyz reports Kafka and PostgreSQL reachable", async () => {
    const response = await fetch(`http://127.0.0.1:${app.httpPort}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: "ready",
      checks: { postgres: "ok", kafka: "ok", consumer: "ok" },
    });
  });
});
