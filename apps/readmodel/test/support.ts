// Shared by the read model's tests: one telemetry for the test process (spans kept in memory),
// a dedicated database migrated like production, unique topic and group names, a tiny ledger
// that builds EntryPosted events the way the ledger publishes them (balances_after included),
// and REST/gRPC helpers.
import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { createKafka, type DeliveryReport, type Kafka, kafkaTelemetry } from "@obs/kafka";
import { eventCodec, loadProto } from "@obs/proto";
import type { AccountOpened__Input } from "@obs/proto/gen/accounts/v1/AccountOpened.ts";
import type { EntryPosted__Input } from "@obs/proto/gen/ledger/v1/EntryPosted.ts";
import type { ReadModelClient } from "@obs/proto/gen/readmodel/v1/ReadModel.ts";
import { appTestHarness } from "../../../test/support/app-harness.ts";
import { ENDPOINTS, eventually } from "../../../test/support/infra.ts";
import { type ReadModel, type ReadModelOptions, startReadModel } from "../src/app.ts";
import type { BalanceJson, StatementsJson } from "../src/views.ts";

/**
 * Tests use their own database, so they never touch the balances a running `bun run dev`
 * shows; inside it every test uses fresh account and entry ids, so tests (and files running
 * at the same time) cannot see each other's rows without any truncation.
 */
export const { TEST_DATABASE_URL, migrateTestDatabase, spans, testTelemetry, testConfig, unique } =
  appTestHarness("readmodel");

export interface TestTopics {
  entries: string;
  accounts: string;
}

export const uniqueTopics = (): TestTopics => ({
  entries: unique("entries"),
  accounts: unique("accounts"),
});

export const allTopics = (topics: TestTopics[]) =>
  topics.flatMap((t) => [t.entries, t.accounts]).flatMap((t) => [t, `${t}.dlq`]);

export function startTestReadModel(
  options: Partial<Omit<ReadModelOptions, "config" | "telemetry">> & { topics: TestTopics },
): Promise<ReadModel> {
  const { topics, ...rest } = options;
  return startReadModel({
    config: testConfig(),
    telemetry: testTelemetry(),
    entriesTopic: topics.entries,
    accountsTopic: topics.accounts,
    groupId: unique("group"),
    grpcPort: 0,
    httpPort: 0,
    databaseUrl: TEST_DATABASE_URL,
    lagIntervalMs: 500,
    ...rest,
  });
}

/** A producer-side Kafka client. `hooks: false` gives a bare one: no trace headers. */
export async function testKafka(options: { hooks?: boolean } = {}): Promise<Kafka> {
  return createKafka({
    brokers: ENDPOINTS.kafkaBrokerList,
    clientId: "readmodel-test",
    logger: { info() {}, warn() {}, error: console.error },
    ...(options.hooks === false ? {} : { hooks: kafkaTelemetry(testTelemetry()) }),
  });
}

export const entryCodec = eventCodec<EntryPosted__Input>("ledger.v1.EntryPosted");
export const accountCodec = eventCodec<AccountOpened__Input>("accounts.v1.AccountOpened");

const pbTimestamp = (date: Date) => {
  const ms = date.getTime();
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
};

export const newAccountId = () => `acct-${randomUUID()}`;

/** A posting: [account, signed amount] pairs, one currency. */
export type Posting = [accountId: string, amountMinor: bigint | number][];

/**
 * The ledger's side, small: keeps running balances and stamps each entry with a later
 * posting time, so that every event it builds carries the balances_after the real ledger
 * would write, whatever order the read model later receives them in.
 */
export class TestLedger {
  readonly balances = new Map<string, bigint>();
  /** Expected statement of each account, in posting order. */
  readonly statements = new Map<
    string,
    { entryId: string; amount: bigint; after: bigint; postedAt: Date }[]
  >();
  private clock = Date.UTC(2026, 0, 1);

  constructor(readonly currency = "USD") {}

  post(posting: Posting, description = "test entry"): EntryPosted__Input {
    const entryId = `entry-${randomUUID()}`;
    this.clock += 1_001;
    const postedAt = new Date(this.clock);
    const touched = new Set<string>();
    for (const [account, amount] of posting) {
      const after = (this.balances.get(account) ?? 0n) + BigInt(amount);
      this.balances.set(account, after);
      touched.add(account);
    }
    for (const account of touched) {
      const amount = posting.filter(([a]) => a === account).reduce((n, [, v]) => n + BigInt(v), 0n);
      const lines = this.statements.get(account) ?? [];
      lines.push({ entryId, amount, after: this.balances.get(account) ?? 0n, postedAt });
      this.statements.set(account, lines);
    }
    return {
      event_id: randomUUID(),
      schema_version: 1,
      entry: {
        entry_id: entryId,
        lines: posting.map(([account_id, amount]) => ({
          account_id,
          currency: this.currency,
          amount_minor: String(amount),
        })),
        description,
        posted_at: pbTimestamp(postedAt),
      },
      balances_after: [...touched].map((account_id) => ({
        account_id,
        currency: this.currency,
        balance_minor: String(this.balances.get(account_id)),
      })),
      occurred_at: pbTimestamp(postedAt),
    };
  }

  /** A transfer of `amount` from one account to another. */
  transfer(from: string, to: string, amount: bigint | number): EntryPosted__Input {
    return this.post([
      [from, -BigInt(amount)],
      [to, BigInt(amount)],
    ]);
  }
}

export const accountOpened = (accountId: string, currency = "USD"): AccountOpened__Input => ({
  event_id: randomUUID(),
  schema_version: 1,
  account: { account_id: accountId, currency, opened_at: pbTimestamp(new Date()) },
});

const firstAccount = (event: EntryPosted__Input) => event.entry?.lines?.[0]?.account_id ?? null;

/**
 * Sends events as the ledger's relay does (keyed by the entry's first account), or to the
 * given partitions in the given order. One send: reports come back in order.
 */
export async function produceEntries(
  kafka: Kafka,
  topic: string,
  events: EntryPosted__Input[],
  partitions?: number[],
): Promise<DeliveryReport[]> {
  const producer = await kafka.producer();
  return producer.send(
    events.map((event, i) => ({
      topic,
      key: firstAccount(event),
      value: entryCodec.encode(event),
      ...(partitions ? { partition: partitions[i % partitions.length] } : {}),
    })),
  );
}

export async function produceAccounts(
  kafka: Kafka,
  topic: string,
  events: AccountOpened__Input[],
): Promise<DeliveryReport[]> {
  const producer = await kafka.producer();
  return producer.send(
    events.map((event) => ({
      topic,
      key: event.account?.account_id ?? null,
      value: accountCodec.encode(event),
    })),
  );
}

export async function restBalance(
  app: ReadModel,
  accountId: string,
): Promise<{ status: number; body: BalanceJson & { error?: string; message?: string } }> {
  const response = await fetch(
    `http://127.0.0.1:${app.httpPort}/v1/accounts/${encodeURIComponent(accountId)}/balance`,
  );
  return { status: response.status, body: (await response.json()) as BalanceJson };
}

export async function restStatements(
  app: ReadModel,
  accountId: string,
  query: Record<string, string> = {},
): Promise<{ status: number; body: StatementsJson & { error?: string; message?: string } }> {
  const qs = new URLSearchParams(query).toString();
  const response = await fetch(
    `http://127.0.0.1:${app.httpPort}/v1/accounts/${encodeURIComponent(accountId)}/statements${qs ? `?${qs}` : ""}`,
  );
  return { status: response.status, body: (await response.json()) as StatementsJson };
}

/** Waits until every account's REST balance equals the ledger's (and stays there a moment). */
export async function balancesMatch(
  app: ReadModel,
  expected: Map<string, bigint>,
  timeoutMs = 60_000,
): Promise<void> {
  await eventually(
    `${expected.size} balances`,
    async () => {
      for (const [account, balance] of expected) {
        const { status, body } = await restBalance(app, account);
        if (status !== 200 || body.balance_minor !== balance.toString()) return undefined;
      }
      return true;
    },
    timeoutMs,
  );
}

/** Every statement line of an account, following next_page_token to the end. */
export async function allStatementLines(app: ReadModel, accountId: string, pageSize = 500) {
  const lines: StatementsJson["lines"] = [];
  let token = "";
  for (let pages = 0; pages < 1000; pages++) {
    const { status, body } = await restStatements(app, accountId, {
      page_size: String(pageSize),
      ...(token ? { page_token: token } : {}),
    });
    if (status !== 200) throw new Error(`statements of ${accountId}: ${status}`);
    lines.push(...body.lines);
    token = body.next_page_token;
    if (!token) return lines;
  }
  throw new Error("statements never ended");
}

export function grpcClient(app: ReadModel): ReadModelClient {
  const { grpc: proto } = loadProto("readmodel");
  return new proto.readmodel.v1.ReadModel(
    `127.0.0.1:${app.grpcPort}`,
    grpc.credentials.createInsecure(),
  );
}

/** A unary call as a promise; rejects with the ServiceError. */
export function call<Req, Res>(
  method: (
    request: Req,
    callback: (error: grpc.ServiceError | null, response?: Res) => void,
  ) => unknown,
  request: Req,
): Promise<Res> {
  return new Promise((resolve, reject) =>
    method(request, (error, response) =>
      error || response === undefined ? reject(error) : resolve(response),
    ),
  );
}

export { readTopic } from "../../../test/support/kafka.ts";
export { metricsText, sample } from "../../../test/support/metrics.ts";
