// Shared by the accounts tests: the common harness (own database, in-memory spans, config),
// plus starting an instance with a unique event topic and reading that topic back.
import { createKafka, type Kafka, type KafkaMessage } from "@obs/kafka";
import postgres from "postgres";
import { appTestHarness } from "../../../test/support/app-harness.ts";
import { ENDPOINTS } from "../../../test/support/infra.ts";
import { type Accounts, type AccountsOptions, startAccounts } from "../src/app.ts";

/** Tests never touch the accounts a running `bun run dev` shows. */
export const { TEST_DATABASE_URL, migrateTestDatabase, spans, testTelemetry, testConfig, unique } =
  appTestHarness("accounts");

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
    relay: { pollIntervalMs: 200 },
    ...options,
  });
}

export function testKafka(): Promise<Kafka> {
  return createKafka({
    brokers: ENDPOINTS.kafkaBrokerList,
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
