// The ledger in-process against the real PostgreSQL and broker: its own topic, accounts with
// unique ids per test, the outbox relay publishing to the topic.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import type { Kafka } from "@obs/kafka";
import { eventCodec } from "@obs/proto";
import { SpanKind } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import type postgres from "postgres";
import { ensureInfra, eventually } from "../../../test/support/infra.ts";
import type { LedgerApp } from "../src/app.ts";
import {
  grpcClient,
  metricsText,
  migrateTestDatabase,
  post,
  readTopic,
  recordCount,
  spans,
  startTestLedger,
  testKafka,
  testSql,
  transfer,
  unary,
  unique,
} from "./support.ts";

interface EntryPosted {
  event_id: string;
  schema_version: number;
  entry: {
    entry_id: string;
    description: string;
    lines: { account_id: string; currency: string; amount_minor: string }[];
    posted_at: { seconds: string; nanos: number };
  };
  balances_after: { account_id: string; currency: string; balance_minor: string }[];
  occurred_at: { seconds: string; nanos: number };
}
interface GrpcError {
  code: number;
  details: string;
}

/** The gRPC error a call must fail with. */
const failure = (call: Promise<unknown>): Promise<GrpcError> =>
  call.then(
    () => {
      throw new Error("the call succeeded");
    },
    (error: GrpcError) => error,
  );

const codec = eventCodec<EntryPosted>("ledger.v1.EntryPosted");

let app: LedgerApp;
let kafka: Kafka;
let sql: postgres.Sql;
let topic: string;
const running = new Set<LedgerApp>();
const topics: string[] = [];

beforeAll(async () => {
  await ensureInfra();
  await migrateTestDatabase();
  sql = testSql();
  kafka = await testKafka();
  topic = unique("entries");
  topics.push(topic);
  app = await startTestLedger({ topic });
  running.add(app);
}, 600_000);

afterAll(async () => {
  await Promise.all([...running].map((a) => a.stop()));
  await (await kafka?.admin())?.deleteTopics(topics.flatMap((t) => [t, `${t}.dlq`]));
  await kafka?.close();
  await sql?.end();
}, 60_000);

const account = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

async function balances(ids: string[]): Promise<Map<string, bigint>> {
  const rows = await sql<{ account_id: string; balance_minor: string }[]>`
    select account_id, balance_minor from ledger.accounts where account_id in ${sql(ids)}`;
  return new Map(rows.map((r) => [r.account_id, BigInt(r.balance_minor)]));
}

/** What a failed request could have written: rows of these accounts, entries, outbox rows. */
async function footprint(ids: string[], entryId: string) {
  const [row] = await sql<Record<string, number>[]>`
    select
      (select count(*)::int from ledger.accounts where account_id in ${sql(ids)}) as accounts,
      (select count(*)::int from ledger.entry_lines where account_id in ${sql(ids)}) as lines,
      (select count(*)::int from ledger.entries where entry_id = ${entryId}) as entries,
      (select count(*)::int from ledger.outbox) as outbox`;
  return row;
}

describe("posting", () => {
  test("a valid posting: 201, stored, balances moved, readable over REST and gRPC", async () => {
    const [a, b] = [account("a"), account("b")];
    const body = transfer(a, b, 5000);
    const created = await post(app, body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      entry_id: body.entry_id,
      description: body.description,
      lines: [
        { account_id: a, currency: "EUR", amount_minor: "-5000" },
        { account_id: b, currency: "EUR", amount_minor: "5000" },
      ],
    });
    expect(Date.parse(String(created.body.posted_at))).toBeGreaterThan(Date.now() - 60_000);
    expect(await balances([a, b])).toEqual(
      new Map([
        [a, -5000n],
        [b, 5000n],
      ]),
    );

    const got = await fetch(`http://127.0.0.1:${app.httpPort}/v1/entries/${body.entry_id}`);
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(created.body);

    const client = grpcClient(app);
    try {
      const reply = await unary<{ entry_id: string }, { entry_id: string; lines: unknown[] }>(
        client.GetEntry.bind(client),
        { entry_id: body.entry_id },
      );
      expect(reply.entry_id).toBe(body.entry_id);
      expect(reply.lines).toEqual([
        { account_id: a, currency: "EUR", amount_minor: "-5000" },
        { account_id: b, currency: "EUR", amount_minor: "5000" },
      ]);
    } finally {
      client.close();
    }
  }, 30_000);

  test("PostEntry over gRPC, with JSON numbers and a min_balance_minor", async () => {
    const [a, b] = [account("a"), account("b")];
    const client = grpcClient(app);
    try {
      const entryId = randomUUID();
      const reply = await unary<
        unknown,
        { entry_id: string; lines: { min_balance_minor?: string }[] }
      >(client.PostEntry.bind(client), {
        entry_id: entryId,
        lines: [
          { account_id: a, currency: "JPY", amount_minor: -70, min_balance_minor: -100 },
          { account_id: b, currency: "JPY", amount_minor: 70 },
        ],
      });
      expect(reply.entry_id).toBe(entryId);
      expect(reply.lines[0]?.min_balance_minor).toBe("-100");
      const error = await failure(
        unary(client.PostEntry.bind(client), transfer(a, b, 31, { currency: "JPY", min: -100 })),
      );
      expect(error.code).toBe(9); // FAILED_PRECONDITION
      expect(error.details).toContain("insufficient funds");
      const missing = await failure(
        unary(client.GetEntry.bind(client), {
          entry_id: "no-such-entry",
        }),
      );
      expect(missing.code).toBe(5); // NOT_FOUND
      const invalid = await failure(
        unary(client.PostEntry.bind(client), {
          entry_id: "x",
          lines: [],
        }),
      );
      expect(invalid.code).toBe(3); // INVALID_ARGUMENT
    } finally {
      client.close();
    }
  }, 30_000);

  test("every bad input answers its error and writes nothing", async () => {
    const [rich, poor, other] = [account("rich"), account("poor"), account("usd")];
    // Existing state: rich has 100 EUR from poor (no limit on poor), other holds USD.
    expect((await post(app, transfer(poor, rich, 100))).status).toBe(201);
    expect((await post(app, transfer(account("x"), other, 1, { currency: "USD" }))).status).toBe(
      201,
    );
    const reused = transfer(rich, poor, 10);
    expect((await post(app, reused)).status).toBe(201);
    const fresh = account("fresh");

    const cases: [string, unknown, number, string, string[]][] = [
      ["malformed JSON", "{not json", 400, "INVALID_ARGUMENT", []],
      ["a JSON array", "[1]", 400, "INVALID_ARGUMENT", []],
      [
        "one line",
        {
          entry_id: randomUUID(),
          lines: [{ account_id: fresh, currency: "EUR", amount_minor: "5" }],
        },
        400,
        "INVALID_ARGUMENT",
        [fresh],
      ],
      ["a zero amount", { ...transfer(rich, fresh, 0) }, 400, "INVALID_ARGUMENT", [fresh]],
      [
        "a fractional amount",
        {
          ...transfer(rich, fresh, 1),
          lines: [
            { account_id: rich, currency: "EUR", amount_minor: "-0.5" },
            { account_id: fresh, currency: "EUR", amount_minor: "0.5" },
          ],
        },
        400,
        "INVALID_ARGUMENT",
        [fresh],
      ],
      [
        "lines not summing to zero",
        {
          ...transfer(rich, fresh, 1),
          lines: [
            { account_id: rich, currency: "EUR", amount_minor: "-2" },
            { account_id: fresh, currency: "EUR", amount_minor: "1" },
          ],
        },
        400,
        "INVALID_ARGUMENT",
        [fresh],
      ],
      [
        "an unknown currency",
        transfer(rich, fresh, 1, { currency: "ABC" }),
        400,
        "INVALID_ARGUMENT",
        [fresh],
      ],
      [
        "no entry_id",
        { ...transfer(rich, fresh, 1), entry_id: "" },
        400,
        "INVALID_ARGUMENT",
        [fresh],
      ],
      [
        "a currency mismatch (a new account next to a USD one)",
        transfer(fresh, other, 1),
        422,
        "FAILED_PRECONDITION",
        [fresh],
      ],
      [
        "insufficient funds",
        transfer(rich, fresh, 101, { min: 0 }),
        422,
        "FAILED_PRECONDITION",
        [fresh],
      ],
      [
        "an entry_id reused with other content",
        { ...transfer(rich, fresh, 10), entry_id: reused.entry_id },
        409,
        "ALREADY_EXISTS",
        [fresh],
      ],
    ];
    for (const [what, body, status, error, newAccounts] of cases) {
      const entryId =
        typeof body === "object" && body && "entry_id" in body ? String(body.entry_id) : "none";
      const ids = [rich, poor, other, ...newAccounts];
      const before = await footprint(ids, entryId);
      const beforeBalances = await balances(ids);
      const response = await post(app, body);
      expect({ what, status: response.status, error: response.body.error }).toEqual({
        what,
        status,
        error,
      });
      expect(typeof response.body.message).toBe("string");
      expect({ what, after: await footprint(ids, entryId) }).toEqual({ what, after: before });
      expect(await balances(ids)).toEqual(beforeBalances);
    }
    const missing = await fetch(`http://127.0.0.1:${app.httpPort}/v1/entries/${randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: "NOT_FOUND" });
  }, 60_000);

  test("idempotent by entry_id: the same posting again returns the stored entry and posts once", async () => {
    const [a, b] = [account("a"), account("b")];
    const body = transfer(a, b, 250);
    const countBefore = Number(
      /^ledger_entries_created_total(?:\{[^}]*\})? (\d+)/m.exec(await metricsText(app))?.[1] ?? 0,
    );
    const first = await post(app, body);
    const again = await post(app, body);
    // Concurrent retries too: they queue on the entry row and see the first.
    const concurrent = await Promise.all([post(app, body), post(app, body), post(app, body)]);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    for (const r of concurrent) expect(r).toEqual({ status: 200, body: first.body });
    expect(await balances([a, b])).toEqual(
      new Map([
        [a, -250n],
        [b, 250n],
      ]),
    );
    const [row] = await sql<{ n: number }[]>`
      select count(*)::int as n from ledger.outbox where key = ${a}`;
    expect(row?.n).toBe(1);
    const countAfter = Number(
      /^ledger_entries_created_total(?:\{[^}]*\})? (\d+)/m.exec(await metricsText(app))?.[1],
    );
    expect(countAfter - countBefore).toBe(1);
  }, 30_000);

  test("200 concurrent transfers between 10 accounts: balances sum to zero, none below its minimum", async () => {
    const bank = account("bank");
    const ids = Array.from({ length: 10 }, (_, i) => account(`acc${i}`));
    for (const id of ids) expect((await post(app, transfer(bank, id, 1_000))).status).toBe(201);
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const bodies = Array.from({ length: 200 }, () => {
      const from = random(10);
      const to = (from + 1 + random(9)) % 10;
      return transfer(ids[from] as string, ids[to] as string, 1 + random(200), { min: 0 });
    });
    const started = Date.now();
    const results = await Promise.all(bodies.map((body) => post(app, body)));
    const elapsed = Date.now() - started;
    const statuses = Map.groupBy(results, (r) => r.status);
    console.log(
      `200 concurrent transfers in ${elapsed} ms: ${statuses.get(201)?.length ?? 0} posted, ${statuses.get(422)?.length ?? 0} insufficient funds`,
    );
    expect([...statuses.keys()].every((s) => s === 201 || s === 422)).toBe(true);
    // Enough of them went through for the races to matter.
    expect(statuses.get(201)?.length ?? 0).toBeGreaterThan(50);

    const after = await balances([bank, ...ids]);
    expect([...after.values()].reduce((n, b) => n + b, 0n)).toBe(0n);
    for (const id of ids) expect(after.get(id) ?? -1n).toBeGreaterThanOrEqual(0n);
    // Each balance is exactly the sum of its lines.
    const sums = await sql<{ account_id: string; sum: string }[]>`
      select account_id, sum(amount_minor)::text as sum from ledger.entry_lines
      where account_id in ${sql([bank, ...ids])} group by account_id`;
    for (const { account_id, sum } of sums) expect(after.get(account_id)).toBe(BigInt(sum));
  }, 60_000);
});

describe("outbox", () => {
  test("the EntryPosted on the topic matches the entry, with balances after it", async () => {
    const [a, b] = [account("a"), account("b")];
    await post(app, transfer(a, b, 700));
    const body = transfer(a, b, 300);
    const created = await post(app, body);
    await app.relay.drain();
    const messages = await readTopic(kafka, topic, Number.MAX_SAFE_INTEGER, 3_000);
    const ours = messages.filter((m) => m.key?.toString() === a);
    expect(ours).toHaveLength(2);
    const event = codec.decode(
      ours.find((m) => codec.decode(m.value).entry.entry_id === body.entry_id)?.value ?? null,
    );
    expect(event.schema_version).toBe(1);
    expect(event.event_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.entry).toMatchObject({
      entry_id: body.entry_id,
      description: body.description,
      lines: [
        { account_id: a, currency: "EUR", amount_minor: "-300" },
        { account_id: b, currency: "EUR", amount_minor: "300" },
      ],
    });
    const postedAt = Date.parse(String(created.body.posted_at));
    expect(
      Number(event.occurred_at.seconds) * 1000 + Math.floor(event.occurred_at.nanos / 1e6),
    ).toBe(postedAt);
    expect(event.balances_after).toEqual(
      [
        { account_id: a, currency: "EUR", balance_minor: "-1000" },
        { account_id: b, currency: "EUR", balance_minor: "1000" },
      ].sort((x, y) => (x.account_id < y.account_id ? -1 : 1)),
    );
    const message = ours.find((m) => codec.decode(m.value).entry.entry_id === body.entry_id);
    expect(message?.headers["content-type"]?.toString()).toBe("application/json");
  }, 30_000);

  test("the trace runs from the PostEntry server span through the relay to the send", async () => {
    const [a, b] = [account("a"), account("b")];
    spans.reset();
    const client = grpcClient(app);
    const body = transfer(a, b, 1);
    try {
      await unary(client.PostEntry.bind(client), body);
    } finally {
      client.close();
    }
    await app.relay.drain();
    const finished = await eventually("send span", async () => {
      const all = spans.getFinishedSpans();
      return all.some((s) => s.name === `send ${topic}`) ? all : undefined;
    });
    const server = finished.find((s) => s.kind === SpanKind.SERVER && s.name.includes("PostEntry"));
    expect(server).toBeDefined();
    const traceId = server?.spanContext().traceId;
    const mine = finished.filter((s) => s.spanContext().traceId === traceId);
    const childrenOf = (parent: ReadableSpan | undefined) =>
      mine.filter((s) => s.parentSpanContext?.spanId === parent?.spanContext().spanId);
    // server → post entry → transaction → its statements, the outbox row's among them.
    const step = childrenOf(server).find((s) => s.name === "post entry");
    expect(step?.kind).toBe(SpanKind.INTERNAL);
    expect(step?.attributes).toMatchObject({
      "ledger.entry.created": true,
      "ledger.entry.lines": 2,
    });
    const transaction = childrenOf(step).find((s) => s.name === "transaction");
    expect(transaction?.kind).toBe(SpanKind.CLIENT);
    const statements = childrenOf(transaction).filter((s) => s.kind === SpanKind.CLIENT);
    for (const statement of statements) {
      expect(statement.kind).toBe(SpanKind.CLIENT);
      expect(statement.attributes["db.system.name"]).toBe("postgresql");
      expect(String(statement.attributes["db.query.text"])).not.toContain(a);
    }
    expect(statements.map((s) => s.attributes["db.query.summary"]).sort()).toEqual(
      [
        "INSERT ledger.entries",
        "INSERT ledger.accounts SELECT",
        "SELECT ledger.accounts",
        "UPDATE ledger.accounts",
        "INSERT ledger.entry_lines SELECT",
        "INSERT ledger.outbox",
      ].sort(),
    );
    // The outbox row carries the context it was written in: the relay's publish continues
    // the posting's trace from inside its transaction.
    const publish = mine.find((s) => s.name === "outbox publish");
    expect(publish?.parentSpanContext?.spanId).toBe(transaction?.spanContext().spanId);
    const send = finished.find(
      (s) => s.name === `send ${topic}` && s.spanContext().traceId === traceId,
    );
    expect(send?.kind).toBe(SpanKind.PRODUCER);
    expect(send?.parentSpanContext?.spanId).toBe(publish?.spanContext().spanId);
  }, 30_000);

  test("a REST posting continues an incoming traceparent", async () => {
    const traceId = randomUUID().replaceAll("-", "");
    const parent = "00f067aa0ba902b7";
    spans.reset();
    const response = await post(app, transfer(account("a"), account("b"), 2), {
      traceparent: `00-${traceId}-${parent}-01`,
    });
    expect(response.status).toBe(201);
    await app.relay.drain();
    const finished = await eventually("send span", async () => {
      const all = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      return all.some((s) => s.name === `send ${topic}`) ? all : undefined;
    });
    const server = finished.find((s) => s.kind === SpanKind.SERVER);
    expect(server?.parentSpanContext?.spanId).toBe(parent);
    // server → post entry → transaction → outbox publish.
    const byId = new Map(finished.map((s) => [s.spanContext().spanId, s]));
    const ancestry: string[] = [];
    let span = finished.find((s) => s.name === "outbox publish");
    while (span) {
      ancestry.push(span.name);
      span = byId.get(span.parentSpanContext?.spanId ?? "");
    }
    expect(ancestry).toEqual([
      "outbox publish",
      "transaction",
      "post entry",
      server?.name ?? "server",
    ]);
  }, 30_000);

  test("two ledger instances: every posting's event is published exactly once", async () => {
    const shared = unique("shared");
    topics.push(shared);
    const [one, two] = await Promise.all([
      startTestLedger({ topic: shared }),
      startTestLedger({ topic: shared }),
    ]);
    running.add(one);
    running.add(two);
    const ids = Array.from({ length: 6 }, (_, i) => account(`two${i}`));
    const bodies = Array.from({ length: 300 }, (_, i) =>
      transfer(ids[i % 6] as string, ids[(i + 1) % 6] as string, 1 + i),
    );
    const results = await Promise.all(bodies.map((body, i) => post(i % 2 ? one : two, body)));
    expect(results.every((r) => r.status === 201)).toBe(true);
    await eventually(
      "outbox drained",
      async () => {
        const [row] = await sql<{ n: number }[]>`
          select count(*)::int as n from ledger.outbox where topic = ${shared} and published_at is null`;
        return row?.n === 0 ? true : undefined;
      },
      60_000,
      50,
    );
    await Promise.all([one.relay.drain(), two.relay.drain()]);
    expect(await recordCount(kafka, shared)).toBe(300);
    const messages = await readTopic(kafka, shared, 300);
    const entryIds = new Set(messages.map((m) => codec.decode(m.value).entry.entry_id));
    expect(entryIds.size).toBe(300);
    // Keyed by the paying account: each account's events share one partition.
    const partitionsByKey = new Map<string, Set<number>>();
    for (const m of messages) {
      const key = m.key?.toString() ?? "";
      partitionsByKey.set(key, (partitionsByKey.get(key) ?? new Set()).add(m.partition));
    }
    expect(partitionsByKey.size).toBe(6);
    for (const set of partitionsByKey.values()) expect(set.size).toBe(1);
    await Promise.all([one.stop(), two.stop()]);
    running.delete(one);
    running.delete(two);
  }, 120_000);

  test("/metrics and /readyz", async () => {
    const text = await metricsText(app);
    expect(text).toMatch(/^ledger_entries_created_total(\{[^}]*\})? \d+/m);
    expect(text).toMatch(
      new RegExp(`^outbox_relay_latency_seconds_bucket\\{[^}]*topic="${topic}"`, "m"),
    );
    expect(text).toMatch(/^outbox_pending_rows\{outbox="ledger.outbox"\} \d+/m);
    expect(text).toMatch(/^outbox_oldest_unpublished_age_seconds\{outbox="ledger.outbox"\} /m);
    expect(text).toMatch(new RegExp(`^outbox_published_total\\{topic="${topic}"\\} \\d+`, "m"));
    const ready = await fetch(`http://127.0.0.1:${app.httpPort}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: "ready",
      checks: { postgres: "ok", outbox: "ok" },
    });
  }, 30_000);
});
