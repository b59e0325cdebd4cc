// Shared by the outbox tests: a database of their own (outbox_test), a fresh schema per test
// built from the generated migration (so each test's relays see only its own rows), one
// telemetry with an in-memory span exporter, and Kafka clients for the real broker.
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { migrateApp } from "@obs/db";
import { createKafka, type Kafka, kafkaTelemetry } from "@obs/kafka";
import { startTelemetry, type Telemetry } from "@obs/otel";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { pgSchema } from "drizzle-orm/pg-core";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { ENDPOINTS } from "../../../test/support/infra.ts";
import { type OutboxTable, outboxTable } from "../src/index.ts";

export const TEST_DATABASE_URL = ENDPOINTS.postgresUrl("outbox_test");
const MIGRATIONS = join(import.meta.dir, "drizzle");

let migrated: Promise<unknown> | undefined;
export function migrateTestDatabase(): Promise<unknown> {
  migrated ??= migrateApp({
    app: "outbox",
    schema: "outbox_test",
    url: TEST_DATABASE_URL,
    migrationsFolder: MIGRATIONS,
    createDatabase: true,
  });
  return migrated;
}

export const spans = new InMemorySpanExporter();
let telemetry: Telemetry | undefined;
export function testTelemetry(): Telemetry {
  telemetry ??= startTelemetry({
    serviceName: "outbox-test",
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
    processMetrics: false,
    logger: { level: "warn" },
  });
  return telemetry;
}

export const unique = (what: string) => `outbox-test.${what}.${randomUUID().slice(0, 8)}`;

export interface TestOutbox {
  schema: string;
  table: OutboxTable;
  sql: postgres.Sql;
  db: PostgresJsDatabase;
  drop(): Promise<void>;
}

/** A new schema holding the migration's outbox table, with its own pool. */
export async function freshOutbox(): Promise<TestOutbox> {
  await migrateTestDatabase();
  const schema = `outbox_t_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const sql = postgres(TEST_DATABASE_URL, { max: 10, onnotice: () => {} });
  for (const file of readdirSync(MIGRATIONS)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    const ddl = readFileSync(join(MIGRATIONS, file), "utf8").replaceAll(
      '"outbox_test"',
      `"${schema}"`,
    );
    for (const statement of ddl.split("--> statement-breakpoint")) await sql.unsafe(statement);
  }
  return {
    schema,
    table: outboxTable(pgSchema(schema)),
    sql,
    db: drizzle(sql),
    async drop() {
      await sql.unsafe(`drop schema if exists "${schema}" cascade`);
      await sql.end({ timeout: 5 });
    },
  };
}

const quiet = { info() {}, warn() {}, error: console.error };

export function testKafka(brokers = ENDPOINTS.kafkaBrokers): Promise<Kafka> {
  return createKafka({
    brokers: brokers.split(","),
    clientId: "outbox-test",
    logger: quiet,
    hooks: kafkaTelemetry(testTelemetry()),
  });
}

export { readTopic } from "../../../test/support/kafka.ts";

export async function pendingCount(outbox: TestOutbox): Promise<number> {
  const [row] = await outbox.sql<{ n: number }[]>`
    select count(*)::int as n from ${outbox.sql(`${outbox.schema}.outbox`)}
    where published_at is null`;
  return row?.n ?? 0;
}
