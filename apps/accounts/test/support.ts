// Shared by the accounts tests: one telemetry for the test process (spans kept in memory), a
// dedicated database migrated like production, a unique event topic per instance.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { migrateApp } from "@obs/db";
import { createKafka, type Kafka, type KafkaMessage } from "@obs/kafka";
import { startTelemetry, type Telemetry } from "@obs/otel";
import { type AppConfig, HTTP_METRIC_VIEWS, loadConfig } from "@obs/service";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import postgres from "postgres";
import { ENDPOINTS } from "../../../test/support/infra.ts";
import { type Accounts, type AccountsOptions, startAccounts } from "../src/app.ts";

/** Tests never touch the accounts a running `bun run dev` shows. */
export const TEST_DATABASE_URL = ENDPOINTS.postgresUrl("accounts_test");

let migrated: Promise<unknown> | undefined;
export function migrateTestDatabase(): Promise<unknown> {
  migrated ??= migrateApp({
    app: "accounts",
    schema: "accounts",
    url: TEST_DATABASE_URL,
    migrationsFolder: join(import.meta.dir, "..", "drizzle"),
    createDatabase: true,
  });
  return migrated;
}

export const spans = new InMemorySpanExporter();

let telemetry: Telemetry | undefined;
/** One SDK per process, as instances would share one in production. */
export function testTelemetry(): Telemetry {
  telemetry ??= startTelemetry({
    serviceName: "accounts",
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
    views: HTTP_METRIC_VIEWS,
    processMetrics: false,
    logger: { level: "warn" },
  });
  return telemetry;
}

export function testConfig(): AppConfig {
  return loadConfig("accounts", {
    KAFKA_BROKERS: ENDPOINTS.kafkaBrokers,
    DATABASE_URL: TEST_DATABASE_URL,
  });
}

export const unique = (what: string) => `accounts-test.${what}.${randomUUID().slice(0, 8)}`;

export function startTestAccounts(
  options: Partial<Omit<AccountsOptions, "config" | "telemetry">> = {},
): Promise<Accounts> {
  return startAccounts({
    config: testConfig(),
    telemetry: testTelemetry(),
    topic: unique("account"),
    grpcPort: 0,
    httpPort: 0,
    databaseUrl: TEST_DATABASE_URL,
    relayPollIntervalMs: 200,
    ...options,
  });
}

export function testKafka(): Promise<Kafka> {
  return createKafka({
    brokers: [ENDPOINTS.kafkaBrokers],
    clientId: "accounts-test",
    logger: { info() {}, warn() {}, error: console.error },
  });
}

/** A separate pool, to count rows as an outsider would. */
export function testSql(): postgres.Sql {
  return postgres(TEST_DATABASE_URL, { max: 2, onnotice: () => {} });
}

/** Reads `topic` from the start with a throwaway group until `done` says so (or time is up). */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  done: (received: KafkaMessage[]) => boolean,
  timeoutMs = 30_000,
): Promise<KafkaMessage[]> {
  const received: KafkaMessage[] = [];
  const { promise, resolve } = Promise.withResolvers<void>();
  const consumer = kafka.consumer({
    groupId: unique("reader"),
    topics: [topic],
    deadLetterTopic: false,
    eachMessage: (_payload, message) => {
      received.push(message);
      if (done(received)) resolve();
    },
  });
  const timer = setTimeout(resolve, timeoutMs);
  try {
    await promise;
  } finally {
    clearTimeout(timer);
    await consumer.close();
  }
  return received;
}
