// Shared by the ledger's tests: a dedicated database migrated like production, one telemetry
// with an in-memory span exporter, instances on ephemeral ports with their own topic, and
// small REST/gRPC/Kafka helpers.
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { createKafka, type Kafka, kafkaTelemetry } from "@obs/kafka";
import { loadProto } from "@obs/proto";
import postgres from "postgres";
import { appTestHarness } from "../../../test/support/app-harness.ts";
import { ENDPOINTS } from "../../../test/support/infra.ts";
import { type LedgerApp, type LedgerOptions, startLedger } from "../src/app.ts";

export const { TEST_DATABASE_URL, migrateTestDatabase, spans, testTelemetry, testConfig, unique } =
  appTestHarness("ledger");

export function startTestLedger(
  options: Partial<Omit<LedgerOptions, "config" | "telemetry">> & { topic: string },
): Promise<LedgerApp> {
  return startLedger({
    config: testConfig(),
    telemetry: testTelemetry(),
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
    clientId: "ledger-test",
    logger: { info() {}, warn() {}, error: console.error },
    hooks: kafkaTelemetry(testTelemetry()),
  });
}

/** A direct connection for checking what was (not) written. */
export function testSql(): postgres.Sql {
  return postgres(TEST_DATABASE_URL, { max: 4, onnotice: () => {} });
}

export interface LineJson {
  account_id: string;
  currency: string;
  amount_minor: string | number;
  min_balance_minor?: string | number;
}

export interface EntryJson {
  entry_id: string;
  lines: LineJson[];
  description: string;
  posted_at: string;
}

export async function post(
  app: LedgerApp,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${app.httpPort}/v1/entries`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A two-line transfer: `from` pays `amount` to `to`, optionally limited by `min` on `from`. */
export function transfer(
  from: string,
  to: string,
  amount: number | bigint,
  options: { currency?: string; min?: number; entryId?: string } = {},
) {
  const currency = options.currency ?? "EUR";
  return {
    entry_id: options.entryId ?? randomUUID(),
    description: `${from} → ${to}`,
    lines: [
      {
        account_id: from,
        currency,
        amount_minor: String(-BigInt(amount)),
        ...(options.min === undefined ? {} : { min_balance_minor: String(options.min) }),
      },
      { account_id: to, currency, amount_minor: String(amount) },
    ],
  };
}

type LedgerClient = InstanceType<
  ReturnType<typeof loadProto<"ledger">>["grpc"]["ledger"]["v1"]["Ledger"]
>;

export function grpcClient(app: LedgerApp): LedgerClient {
  const { grpc: proto } = loadProto("ledger");
  return new proto.ledger.v1.Ledger(`127.0.0.1:${app.grpcPort}`, grpc.credentials.createInsecure());
}

/** A unary call as a promise. `call` is a bound client method (its overloads defeat typing). */
export function unary<Req, Res = unknown>(call: unknown, request: Req): Promise<Res> {
  const invoke = call as (
    request: Req,
    callback: (error: grpc.ServiceError | null, response?: Res) => void,
  ) => unknown;
  return new Promise((resolve, reject) =>
    invoke(request, (error, response) => (error || !response ? reject(error) : resolve(response))),
  );
}

export async function metricsText(app: LedgerApp): Promise<string> {
  return (await fetch(`http://127.0.0.1:${app.httpPort}/metrics`)).text();
}

export { readTopic } from "../../../test/support/kafka.ts";

/** Records on the topic: the sum of its partitions' high watermarks. */
export async function recordCount(kafka: Kafka, topic: string): Promise<number> {
  const lag = await (await kafka.admin()).lag(unique("nobody"), [topic]);
  return lag.reduce((n, p) => n + Number(p.highWatermark), 0);
}
