// Real grpc-js servers standing in for accounts and ledger: the accounts.v1 and ledger.v1
// protos over lib/service's startGrpcServer (health, reflection, SERVER spans), state in
// memory. Enough ledger semantics for the orchestrator's contract: idempotency per entry_id,
// ALREADY_EXISTS on different content, FAILED_PRECONDITION "insufficient funds" below a
// debit's min_balance_minor. The real apps are exercised by the system tests.
import { randomUUID } from "node:crypto";
import type { Telemetry } from "@obs/otel";
import { loadProto } from "@obs/proto";
import { AppError, type GrpcServer, startGrpcServer, unaryHandler } from "@obs/service";
import type { Account, LedgerEntry, LedgerLine } from "../src/upstream.ts";

type ServerTelemetry = Pick<Telemetry, "tracerProvider" | "meterProvider">;

export interface FakeAccounts {
  port: number;
  getAccountCalls: number;
  open(currency: string, minBalanceMinor?: bigint): string;
  stop(): Promise<void>;
}

export async function startFakeAccounts(telemetry: ServerTelemetry): Promise<FakeAccounts> {
  const accounts = new Map<string, Account>();
  const proto = loadProto("accounts");
  const fake = {
    port: 0,
    getAccountCalls: 0,
    open(currency: string, minBalanceMinor?: bigint) {
      const id = randomUUID();
      accounts.set(id, {
        account_id: id,
        currency,
        ...(minBalanceMinor !== undefined ? { min_balance_minor: String(minBalanceMinor) } : {}),
      });
      return id;
    },
    stop: async () => {},
  };
  const server: GrpcServer = await startGrpcServer({
    port: 0,
    packageDefinition: proto.definition,
    services: [
      {
        name: "accounts.v1.Accounts",
        definition: proto.grpc.accounts.v1.Accounts.service,
        implementation: {
          GetAccount: unaryHandler(async (request: { account_id: string }) => {
            fake.getAccountCalls++;
            const account = accounts.get(request.account_id);
            if (!account) throw AppError.notFound(`account ${request.account_id} not found`);
            return account;
          }),
          OpenAccount: unaryHandler(async () => {
            throw AppError.unavailable("not implemented by the fake");
          }),
        },
      },
    ],
    telemetry,
  });
  fake.port = server.port;
  fake.stop = () => server.stop(0);
  return fake;
}

export interface FakeLedger {
  port: number;
  /** Every PostEntry call, including replays and refusals. */
  postEntryCalls: number;
  entries: Map<string, LedgerEntry>;
  balances: Map<string, bigint>;
  /** Each PostEntry waits this long first (widens race windows). */
  delayMs: number;
  /** Each PostEntry applies the entry, then waits this long before answering (outlives a deadline). */
  answerDelayMs: number;
  stop(): Promise<void>;
}

const lineKey = (line: LedgerLine) =>
  `${line.account_id}|${line.currency}|${BigInt(line.amount_minor)}|${line.min_balance_minor ?? ""}`;
const sameEntry = (a: LedgerEntry, b: LedgerEntry) =>
  JSON.stringify(a.lines.map(lineKey).sort()) === JSON.stringify(b.lines.map(lineKey).sort());

export async function startFakeLedger(
  telemetry: ServerTelemetry,
  options: { port?: number } = {},
): Promise<FakeLedger> {
  const proto = loadProto("ledger");
  const fake: FakeLedger = {
    port: 0,
    postEntryCalls: 0,
    entries: new Map(),
    balances: new Map(),
    delayMs: 0,
    answerDelayMs: 0,
    stop: async () => {},
  };
  const post = (entry: LedgerEntry): LedgerEntry => {
    const existing = fake.entries.get(entry.entry_id);
    if (existing) {
      if (!sameEntry(existing, entry))
        throw AppError.alreadyExists(`entry ${entry.entry_id} exists with other lines`);
      return existing;
    }
    for (const line of entry.lines) {
      const after = (fake.balances.get(line.account_id) ?? 0n) + BigInt(line.amount_minor);
      if (
        BigInt(line.amount_minor) < 0n &&
        line.min_balance_minor !== undefined &&
        after < BigInt(line.min_balance_minor)
      )
        throw AppError.failedPrecondition(`insufficient funds in account ${line.account_id}`);
    }
    for (const line of entry.lines)
      fake.balances.set(
        line.account_id,
        (fake.balances.get(line.account_id) ?? 0n) + BigInt(line.amount_minor),
      );
    const stored = { ...entry, lines: entry.lines.map((l) => ({ ...l })) };
    fake.entries.set(entry.entry_id, stored);
    return stored;
  };
  const server = await startGrpcServer({
    port: options.port ?? 0,
    packageDefinition: proto.definition,
    services: [
      {
        name: "ledger.v1.Ledger",
        definition: proto.grpc.ledger.v1.Ledger.service,
        implementation: {
          PostEntry: unaryHandler(async (request: LedgerEntry) => {
            fake.postEntryCalls++;
            if (fake.delayMs) await Bun.sleep(fake.delayMs);
            const entry = post(request);
            if (fake.answerDelayMs) await Bun.sleep(fake.answerDelayMs);
            return entry;
          }),
          GetEntry: unaryHandler(async (request: { entry_id: string }) => {
            const entry = fake.entries.get(request.entry_id);
            if (!entry) throw AppError.notFound(`entry ${request.entry_id} not found`);
            return entry;
          }),
        },
      },
    ],
    telemetry,
  });
  fake.port = server.port;
  fake.stop = () => server.stop(0);
  return fake;
}
