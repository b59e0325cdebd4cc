// lib/db's statement tracing: the query summary read from SQL text (pure), and the spans and
// duration samples real statements make against the project's PostgreSQL.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTelemetry, type Telemetry } from "@obs/otel";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace";
import { sql as drizzleSql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import { ENDPOINTS, ensureInfra } from "../../../test/support/infra.ts";
import { sample } from "../../../test/support/metrics.ts";
import { closePool, createPool, describeQuery, targetOf } from "../src/index.ts";

describe("describeQuery", () => {
  test.each([
    ["select 1", "SELECT", "SELECT", undefined],
    [
      "SELECT total FROM totalizer.totals WHERE key = $1",
      "SELECT totalizer.totals",
      "SELECT",
      "totalizer.totals",
    ],
    [
      'select "id" from "ledger"."accounts" where "id" = $1',
      "SELECT ledger.accounts",
      "SELECT",
      "ledger.accounts",
    ],
    [
      "insert into ledger.entries (a, b) values ($1, $2)",
      "INSERT ledger.entries",
      "INSERT",
      "ledger.entries",
    ],
    [
      "update readmodel.balances set x = $1",
      "UPDATE readmodel.balances",
      "UPDATE",
      "readmodel.balances",
    ],
    ["delete from outbox where id = any($1)", "DELETE outbox", "DELETE", "outbox"],
    ["-- a comment with select from secrets\nselect now()", "SELECT", "SELECT", undefined],
    [
      "select id from ledger.accounts where id = any($1) for update",
      "SELECT ledger.accounts",
      "SELECT",
      "ledger.accounts",
    ],
    ["select 1 from t for no key update", "SELECT t", "SELECT", "t"],
    [
      "insert into b (k, v) values ($1, $2) on conflict (k) do update set v = excluded.v",
      "INSERT b",
      "INSERT",
      "b",
    ],
  ])("%s → %s", (text, summary, operation, collection) => {
    expect(describeQuery(text)).toEqual({ summary, operation, collection });
  });

  test("a statement doing two things names both, in order, with neither operation nor collection", () => {
    const d = describeQuery(
      "with claimed as (insert into t.processed (id) values ($1) on conflict do nothing returning id) update t.totals set n = n + 1 where exists (select 1 from claimed)",
    );
    expect(d.summary).toBe("INSERT t.processed UPDATE t.totals SELECT");
    expect(d.operation).toBeUndefined();
    expect(d.collection).toBeUndefined();
  });

  test("a CTE's name and a function call are not tables", () => {
    expect(describeQuery("with x as (select 1) select * from x").summary).toBe("SELECT");
    expect(describeQuery("select * from generate_series(1, 3)").summary).toBe("SELECT");
  });

  test("text that is not SQL still gets a summary, never a value", () => {
    expect(describeQuery("").summary).toBe("query");
    expect(describeQuery("vacuum analyze").summary).toBe("query");
  });
});

test("targetOf reads namespace, address and port from the URL", () => {
  expect(targetOf("postgres://u:p@db.internal:6543/ledger%20x")).toEqual({
    namespace: "ledger x",
    serverAddress: "db.internal",
    serverPort: 6543,
  });
  expect(targetOf("postgres://u@localhost/").serverPort).toBe(5432);
});

describe("against PostgreSQL", () => {
  const exporter = new InMemorySpanExporter();
  let telemetry: Telemetry;
  let sql: ReturnType<typeof createPool>;
  const url = ENDPOINTS.postgresUrl("postgres");
  const tracer = () => trace.getTracer("db-test");

  beforeAll(async () => {
    await ensureInfra();
    telemetry = startTelemetry({
      serviceName: "db-test",
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
      processMetrics: false,
      logger: { level: "warn" },
    });
    sql = createPool(url, 4);
  }, 600_000);
  afterAll(async () => {
    await closePool(sql);
    await telemetry.shutdown();
  });

  /** Runs `body` inside a parent span and returns the spans it made (parent excluded). */
  async function within(body: () => Promise<unknown>): Promise<ReadableSpan[]> {
    exporter.reset();
    await tracer().startActiveSpan("parent", async (span) => {
      try {
        await body().catch(() => {});
      } finally {
        span.end();
      }
    });
    return exporter.getFinishedSpans().filter((s) => s.name !== "parent");
  }

  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

  test("a tagged statement is one CLIENT span with the stable attributes and no values", async () => {
    const secret = "s3cr3t-value";
    const spans = await within(() => sql`select ${secret}::text as v, count(*) from pg_class`);
    expect(spans).toHaveLength(1);
    const span = spans[0] as ReadableSpan;
    expect(span.name).toBe("SELECT pg_class");
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.attributes).toMatchObject({
      "db.system.name": "postgresql",
      "db.namespace": "postgres",
      "db.operation.name": "SELECT",
      "db.collection.name": "pg_class",
      "db.query.summary": "SELECT pg_class",
      "db.query.text": "select $1::text as v, count(*) from pg_class",
      "server.address": targetOf(url).serverAddress,
      "server.port": targetOf(url).serverPort,
    });
    expect(JSON.stringify(span.attributes)).not.toContain(secret);
  });

  test("unsafe() and drizzle's statements are traced with their parameterised text", async () => {
    const db = drizzle(sql);
    const spans = await within(async () => {
      await sql.unsafe("select $1::int + 1 as n", [41]);
      await db.execute(drizzleSql`select ${"x"}::text as t from pg_namespace limit 1`);
    });
    expect(spans.map((s) => s.attributes["db.query.text"])).toEqual([
      "select $1::int + 1 as n",
      "select $1::text as t from pg_namespace limit 1",
    ]);
  });

  test("identifiers and fragments are in the text as sent; a fragment has no span of its own", async () => {
    const table = "pg_catalog.pg_class";
    const spans = await within(
      () => sql`select ${1}::int from ${sql(table)} ${sql`where relname = ${"pg_type"}`}`,
    );
    expect(spans).toHaveLength(1);
    expect(spans[0]?.name).toBe("SELECT pg_catalog.pg_class");
    expect(spans[0]?.attributes["db.query.text"]).toBe(
      'select $1::int from "pg_catalog"."pg_class" where relname = $2',
    );
  });

  test("a query that never runs has no span; one awaited twice has one", async () => {
    const spans = await within(async () => {
      sql`select 'never' from pg_class`;
      const twice = sql`select 'twice' from pg_namespace limit 1`;
      await twice;
      await twice;
    });
    expect(spans.map((s) => s.name)).toEqual(["SELECT pg_namespace"]);
  });

  test("a transaction is one span with its statements inside", async () => {
    const spans = await within(() =>
      sql.begin(async (tx) => {
        await tx`select 1 from pg_class limit 1`;
        await tx`select 2 from pg_namespace limit 1`;
      }),
    );
    const transaction = spans.find((s) => s.name === "transaction");
    expect(transaction?.kind).toBe(SpanKind.CLIENT);
    const inside = spans.filter((s) => s !== transaction);
    expect(inside.map((s) => s.name).sort()).toEqual(["SELECT pg_class", "SELECT pg_namespace"]);
    for (const s of inside) expect(parentOf(s)).toBe(transaction?.spanContext().spanId);
  });

  test("a failed statement carries its SQLSTATE as error.type and db.response.status_code", async () => {
    const spans = await within(() => sql`select * from no_such_table_here`);
    const span = spans[0] as ReadableSpan;
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes["error.type"]).toBe("42P01");
    expect(span.attributes["db.response.status_code"]).toBe("42P01");
  });

  test("a failed transaction fails its span, rolled back", async () => {
    const spans = await within(() =>
      sql.begin(async (tx) => {
        await tx`select 1/0`;
      }),
    );
    const transaction = spans.find((s) => s.name === "transaction");
    expect(transaction?.status.code).toBe(SpanStatusCode.ERROR);
    expect(transaction?.attributes["error.type"]).toBe("22012");
  });

  test("outside any trace a statement makes no span, but its duration is measured", async () => {
    exporter.reset();
    await sql`select 3 from pg_database limit 1`;
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    const text = (await telemetry.renderMetrics()).body;
    const count = sample(text, "db_client_operation_duration_seconds_count", {
      db_operation_name: "SELECT",
      db_collection_name: "pg_database",
    });
    expect(count).toBeGreaterThanOrEqual(1);
    expect(text).toContain("db_client_operation_duration_seconds_bucket{");
    expect(text).toMatch(/db_client_operation_duration_seconds_bucket\{[^}]*le="0\.001"/);
  });

  test("a failed statement's sample carries error.type", async () => {
    await sql`select * from still_no_such_table`.catch(() => {});
    const text = (await telemetry.renderMetrics()).body;
    expect(
      sample(text, "db_client_operation_duration_seconds_count", { error_type: "42P01" }),
    ).toBeGreaterThanOrEqual(1);
  });
});
