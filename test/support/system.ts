// What system tests do with the running apps of both seeds, as a user would: open accounts,
// transfer, add, and read back — plus the database and topic views the invariants need.
import type { Admin } from "@obs/kafka";
import { TOPICS } from "@obs/proto";
import postgres from "postgres";
import { capture } from "../../infra/local/process.ts";
import { kafkaMetadata } from "../../infra/local/services/kafka-metadata.ts";
import { databaseUrlFor } from "../../lib/db/src/index.ts";
import type { RunningApp } from "./apps.ts";
import { ENDPOINTS, eventually } from "./infra.ts";

const JSON_HEADERS = { "content-type": "application/json" };

export interface TransferBody {
  from_account_id: string;
  to_account_id: string;
  amount_minor: number | string;
  currency: string;
  idempotency_key: string;
}

export interface Databases {
  ledger: postgres.Sql;
  orchestrator: postgres.Sql;
  accounts: postgres.Sql;
  totalizer: postgres.Sql;
  readmodel: postgres.Sql;
  end(): Promise<void>;
}

/** Connections to the apps' databases (postgres.js connects lazily: unused ones cost nothing). */
export function systemDatabases(): Databases {
  const connect = (app: string, max: number) =>
    postgres(databaseUrlFor(app), { max, onnotice: () => {} });
  const dbs = {
    ledger: connect("ledger", 2),
    orchestrator: connect("orchestrator", 2),
    accounts: connect("accounts", 1),
    totalizer: connect("totalizer", 1),
    readmodel: connect("readmodel", 1),
  };
  return {
    ...dbs,
    end: async () => {
      await Promise.all(Object.values(dbs).map((db) => db.end()));
    },
  };
}

/** Opens an account over REST; `minBalance` sets its floor (none: it may go negative). */
export async function openAccount(
  accounts: RunningApp,
  currency = "USD",
  minBalance?: number,
): Promise<string> {
  const body =
    minBalance === undefined ? { currency } : { currency, min_balance_minor: minBalance };
  const response = await fetch(accounts.url("/v1/accounts"), {
    method: "POST",
    headers: JSON_HEADERS,
    body: JSON.stringify(body),
  });
  if (response.status !== 201) throw new Error(`open account: ${response.status}`);
  return ((await response.json()) as { account_id: string }).account_id;
}

export const postTransfer = (
  orchestrator: RunningApp,
  body: TransferBody | string,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
) =>
  fetch(orchestrator.url("/v1/transfers"), {
    method: "POST",
    headers: { ...JSON_HEADERS, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal,
  });

/**
 * The read model's balance, or undefined while it does not know the account. A 503 is retried
 * a few times, as its contract asks: after a PostgreSQL restart a pooled connection can fail
 * its next query once.
 */
export async function readBalance(
  readmodel: RunningApp,
  account: string,
): Promise<bigint | undefined> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(readmodel.url(`/v1/accounts/${account}/balance`));
    if (response.status === 404) return undefined;
    if (response.status === 503 && attempt < 5) {
      await Bun.sleep(200);
      continue;
    }
    if (!response.ok) throw new Error(`read model balance: ${response.status}`);
    return BigInt(((await response.json()) as { balance_minor: string }).balance_minor);
  }
}

export async function ledgerBalances(
  ledgerDb: postgres.Sql,
  accounts: string[],
): Promise<Map<string, bigint>> {
  const rows =
    await ledgerDb`select account_id, balance_minor::text as b from ledger.accounts where account_id in ${ledgerDb(accounts)}`;
  return new Map(rows.map((r) => [r.account_id as string, BigInt(r.b as string)]));
}

/**
 * Waits until both outboxes (ledger, accounts) are empty and the read model has consumed
 * everything on both of its topics.
 */
export async function ledgerSystemSettled(
  dbs: Databases,
  admin: Admin,
  timeoutMs = 90_000,
): Promise<void> {
  await eventually(
    "outboxes drained and read model caught up",
    async () => {
      const [ledgerPending] =
        await dbs.ledger`select count(*)::int as n from ledger.outbox where published_at is null`;
      const [accountsPending] =
        await dbs.accounts`select count(*)::int as n from accounts.outbox where published_at is null`;
      if ((ledgerPending?.n as number) > 0 || (accountsPending?.n as number) > 0) return undefined;
      const lags = await admin.lag("readmodel", [TOPICS.ledgerEntries, TOPICS.accounts]);
      return lags.every((l) => Number(l.lag) === 0) ? true : undefined;
    },
    timeoutMs,
    250,
  );
}

/** Every account's read-model balance next to the ledger's (0 where the ledger has no row). */
export async function readModelVersusLedger(
  readmodel: RunningApp,
  ledgerDb: postgres.Sql,
  accounts: string[],
): Promise<{ account: string; readModel: bigint | undefined; ledger: bigint }[]> {
  const ledger = await ledgerBalances(ledgerDb, accounts);
  return Promise.all(
    accounts.map(async (account) => ({
      account,
      readModel: await readBalance(readmodel, account),
      ledger: ledger.get(account) ?? 0n,
    })),
  );
}

/** Waits until the totalizer group has consumed everything on the sums topic (lag 0). */
export async function totalizerSettled(admin: Admin, timeoutMs = 90_000): Promise<void> {
  await eventually(
    "the totalizer to catch up",
    async () => {
      const lags = await admin.lag("totalizer", [TOPICS.sums]);
      return lags.length > 0 && lags.every((l) => Number(l.lag) === 0) ? true : undefined;
    },
    timeoutMs,
    250,
  );
}

export interface TotalJson {
  total: string;
  message_count: string;
}

export async function readTotal(totalizer: RunningApp): Promise<TotalJson> {
  const response = await fetch(totalizer.url("/v1/total"));
  if (!response.ok) throw new Error(`GET /v1/total: ${response.status}`);
  return (await response.json()) as TotalJson;
}

/** Where each partition of `topic` ends now: read from here to see only what comes next. */
export async function endOffsets(admin: Admin, topic: string): Promise<Map<number, bigint>> {
  const lags = await admin.lag("offsets-probe-group-that-never-commits", [topic]);
  return new Map(lags.map((l) => [l.partition, l.highWatermark]));
}

export interface TopicRecord {
  partition: number;
  offset: bigint;
  value: string;
  headers: string;
}

/**
 * Every record of `topic` after `from` (per partition), read with kcat: values and headers.
 * A partition `from` does not know — the topic (a DLQ, say) did not exist when it was taken —
 * is read from its beginning, so a fresh broker cannot make the check vacuous. `brokers`: the
 * local infrastructure's unless a test runs a cluster of its own.
 */
export async function recordsSince(
  topic: string,
  from: Map<number, bigint>,
  brokers = ENDPOINTS.kafkaBrokers,
): Promise<TopicRecord[]> {
  const records: TopicRecord[] = [];
  const starts = new Map(from);
  const metadata = await kafkaMetadata(brokers, { topic });
  for (const { partition } of metadata?.partitions ?? []) {
    if (!starts.has(partition)) starts.set(partition, 0n);
  }
  for (const [partition, offset] of starts) {
    const {
      code,
      stdout: out,
      stderr: err,
    } = await capture([
      "kcat",
      "-b",
      brokers,
      "-C",
      "-t",
      topic,
      "-p",
      String(partition),
      "-o",
      String(offset),
      "-e",
      "-q",
      "-f",
      "%o\\t%h\\t%s\\n",
    ]);
    if (code !== 0) throw new Error(`kcat ${topic}/${partition}: ${err}`);
    for (const line of out.split("\n").filter(Boolean)) {
      const [at = "", headers = "", ...value] = line.split("\t");
      records.push({ partition, offset: BigInt(at), headers, value: value.join("\t") });
    }
  }
  return records;
}
