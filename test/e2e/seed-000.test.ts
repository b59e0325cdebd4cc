// Seed 000 end to end against the four real apps, the real broker, PostgreSQL, Jaeger: its
// manual flow with curl-shaped requests, invariants under random concurrent transfers
// (property-based), broker and read-model failures, and bad inputs.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Admin, createKafka, type Kafka } from "@obs/kafka";
import { TOPICS } from "@obs/proto";
import fc from "fast-check";
import postgres from "postgres";
import { DASHBOARDS } from "../../infra/grafana/build.ts";
import { expressions } from "../../infra/grafana/src/panels.ts";
import { down, mode, up } from "../../infra/local/infra.ts";
import { databaseUrlFor } from "../../lib/db/src/index.ts";
import type { AppName } from "../../lib/service/src/apps.ts";
import {
  assertAppPortsFree,
  describeSpans,
  type JaegerTrace,
  promQuery,
  type RunningApp,
  runApp,
  stopApp,
} from "../support/apps.ts";
import { ENDPOINTS, ensureInfra, eventually } from "../support/infra.ts";

const NAMES: AppName[] = ["accounts", "ledger", "readmodel", "orchestrator"];
const apps = {} as Record<AppName, RunningApp>;
let kafka: Kafka;
let admin: Admin;
const ledgerDb = postgres(databaseUrlFor("ledger"), { max: 2, onnotice: () => {} });
const orchestratorDb = postgres(databaseUrlFor("orchestrator"), { max: 2, onnotice: () => {} });
const accountsDb = postgres(databaseUrlFor("accounts"), { max: 1, onnotice: () => {} });

const json = { "content-type": "application/json" };

async function openAccount(currency = "USD", minBalance?: number): Promise<string> {
  const body =
    minBalance === undefined ? { currency } : { currency, min_balance_minor: minBalance };
  const response = await fetch(apps.accounts.url("/v1/accounts"), {
    method: "POST",
    headers: json,
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { account_id: string }).account_id;
}

interface TransferBody {
  from_account_id: string;
  to_account_id: string;
  amount_minor: number | string;
  currency: string;
  idempotency_key: string;
}

const transfer = (body: TransferBody | string, headers: Record<string, string> = {}) =>
  fetch(apps.orchestrator.url("/v1/transfers"), {
    method: "POST",
    headers: { ...json, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

async function readBalance(account: string): Promise<bigint | undefined> {
  const response = await fetch(apps.readmodel.url(`/v1/accounts/${account}/balance`));
  if (response.status === 404) return undefined;
  return BigInt(((await response.json()) as { balance_minor: string }).balance_minor);
}

async function ledgerBalances(accounts: string[]): Promise<Map<string, bigint>> {
  const rows =
    await ledgerDb`select account_id, balance_minor::text as b from ledger.accounts where account_id in ${ledgerDb(accounts)}`;
  return new Map(rows.map((r) => [r.account_id as string, BigInt(r.b as string)]));
}

/**
 * Waits until both outboxes (ledger, accounts) are empty and the read model has consumed
 * everything on both of its topics.
 */
async function settled(timeoutMs = 90_000): Promise<void> {
  await eventually(
    "outboxes drained and read model caught up",
    async () => {
      const [ledgerPending] =
        await ledgerDb`select count(*)::int as n from ledger.outbox where published_at is null`;
      const [accountsPending] =
        await accountsDb`select count(*)::int as n from accounts.outbox where published_at is null`;
      if ((ledgerPending?.n as number) > 0 || (accountsPending?.n as number) > 0) return undefined;
      const lags = await admin.lag("readmodel", [TOPICS.ledgerEntries, TOPICS.accounts]);
      return lags.every((l) => Number(l.lag) === 0) ? true : undefined;
    },
    timeoutMs,
    250,
  );
}

/** The read model equals the ledger for these accounts (0 where the ledger has no row yet). */
async function expectReadModelEqualsLedger(accounts: string[]): Promise<void> {
  await settled();
  const ledger = await ledgerBalances(accounts);
  for (const account of accounts) {
    expect({ account, balance: await readBalance(account) }).toEqual({
      account,
      balance: ledger.get(account) ?? 0n,
    });
  }
}

beforeAll(async () => {
  await ensureInfra();
  await assertAppPortsFree(NAMES);
  const started = await Promise.all(NAMES.map((name) => runApp(name)));
  for (const app of started) apps[app.name] = app;
  kafka = await createKafka({
    brokers: ENDPOINTS.kafkaBrokerList,
    clientId: "seed-000-test",
    adapter: "platformatic",
  });
  admin = await kafka.admin();
}, 600_000);

afterAll(async () => {
  await kafka?.close();
  await Promise.all(Object.values(apps).map(stopApp));
  await Promise.all([ledgerDb.end(), orchestratorDb.end(), accountsDb.end()]);
}, 60_000);

describe("seed 000: accounts → orchestrator → ledger → outbox → read model", () => {
  test("the manual flow: two accounts, one transfer, balances -5000/+5000, one connected trace", async () => {
    const a = await openAccount("USD");
    const b = await openAccount("USD");
    const traceId = crypto.randomUUID().replaceAll("-", "");
    const response = await transfer(
      {
        from_account_id: a,
        to_account_id: b,
        amount_minor: 5000,
        currency: "USD",
        idempotency_key: `manual-${traceId}`,
      },
      { traceparent: `00-${traceId}-${"cd".repeat(8)}-01` },
    );
    expect(response.status).toBe(201);
    await eventually(
      "read-model balances",
      async () =>
        (await readBalance(a)) === -5000n && (await readBalance(b)) === 5000n ? true : undefined,
      30_000,
    );

    const spans = await eventually(
      "the whole trace in Jaeger",
      async () => {
        const r = await fetch(`${ENDPOINTS.jaegerQuery}/api/traces/${traceId}`);
        if (!r.ok) return undefined;
        const [trace] = ((await r.json()) as { data: JaegerTrace[] }).data;
        const described = trace ? describeSpans(trace) : [];
        // Each app exports on its own schedule: wait for all four and the projection span.
        const services = new Set(described.map((s) => s.service));
        // The projection is in the trace unless its batch held other messages too (then the
        // message's span links to the batch's trace instead).
        const process = described.find((s) => s.name === "process ledger.entry.v1");
        const complete =
          ["orchestrator", "accounts", "ledger", "readmodel"].every((name) => services.has(name)) &&
          process !== undefined &&
          (process.links > 0 || described.some((s) => s.name === "project batch"));
        return complete ? described : undefined;
      },
      30_000,
      500,
    );
    const byId = new Map(spans.map((s) => [s.id, s]));
    const ancestry = (span: (typeof spans)[number]) => {
      const chain = [];
      for (let at = byId.get(span.parent ?? ""); at; at = byId.get(at.parent ?? ""))
        chain.push(`${at.service}: ${at.name}`);
      return chain;
    };
    const find = (service: string, name: string) =>
      spans.find((s) => s.service === service && s.name === name);
    expect(new Set(spans.map((s) => s.service))).toEqual(
      new Set(["orchestrator", "accounts", "ledger", "readmodel"]),
    );
    const root = find("orchestrator", "POST /v1/transfers");
    expect(root?.kind).toBe("server");
    // Every span hangs off the request, except the request itself (its parent is our header's).
    for (const span of spans.filter((s) => s !== root))
      expect(ancestry(span)).toContain("orchestrator: POST /v1/transfers");
    expect(
      spans.filter((s) => s.service === "accounts" && s.name === "accounts.v1.Accounts/GetAccount"),
    ).toHaveLength(2);
    const process = find("readmodel", "process ledger.entry.v1");
    if (!process) throw new Error("no process span of the read model in the trace");
    expect(process.kind).toBe("consumer");
    expect(ancestry(process)).toEqual(
      expect.arrayContaining([
        "ledger: send ledger.entry.v1",
        "ledger: outbox publish",
        "ledger: ledger.v1.Ledger/PostEntry",
        "orchestrator: ledger.v1.Ledger/PostEntry",
      ]),
    );
    expect(process.reference).toBe("CHILD_OF");

    // Its SQL, under the services that ran it: a CLIENT span per statement, named by its
    // summary, inside the steps the seed names; never a value.
    const statements = spans.filter((s) => s.tags["db.system.name"] === "postgresql");
    for (const statement of statements) {
      expect(statement.kind).toBe("client");
      expect(JSON.stringify(statement.tags)).not.toContain(`manual-${traceId}`);
      expect(JSON.stringify(statement.tags)).not.toContain(a);
    }
    const sqlOf = (service: string) =>
      statements.filter((s) => s.service === service).map((s) => s.name);
    const under = (service: string, step: string) =>
      statements
        .filter((s) => s.service === service && ancestry(s).includes(`${service}: ${step}`))
        .map((s) => s.name);
    expect(under("orchestrator", "idempotency claim").sort()).toEqual([
      "INSERT orchestrator.transfers",
      "SELECT orchestrator.transfers",
    ]);
    expect(sqlOf("orchestrator")).toContain("UPDATE orchestrator.transfers");
    expect(sqlOf("accounts")).toEqual(["SELECT accounts.accounts", "SELECT accounts.accounts"]);
    expect(under("ledger", "post entry")).toEqual(
      expect.arrayContaining(["transaction", "INSERT ledger.entries", "INSERT ledger.outbox"]),
    );
    if (process.links === 0)
      expect(under("readmodel", "project batch").join(" ")).toContain("INSERT readmodel.balances");
  }, 120_000);

  test("invariants hold under random concurrent transfers with retried idempotency keys", async () => {
    const usd = [await openAccount("USD"), await openAccount("USD"), await openAccount("USD", 0)];
    const eur = [await openAccount("EUR"), await openAccount("EUR", 0)];
    const all = [...usd, ...eur];
    const floors = [usd[2], eur[1]].filter((a): a is string => a !== undefined);
    const move = fc.record({
      from: fc.nat({ max: all.length - 1 }),
      to: fc.nat({ max: all.length - 1 }),
      amount: fc.integer({ min: 1, max: 500 }),
      retries: fc.integer({ min: 0, max: 2 }),
    });
    const keys: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(move, { minLength: 5, maxLength: 20 }), async (moves) => {
        await Promise.all(
          moves.map(async ({ from, to, amount, retries }) => {
            const body: TransferBody = {
              from_account_id: all[from] as string,
              to_account_id: all[to] as string,
              amount_minor: amount,
              currency: usd.includes(all[from] as string) ? "USD" : "EUR",
              idempotency_key: crypto.randomUUID(),
            };
            keys.push(body.idempotency_key);
            // The same request again, concurrently: the first answer for all of them.
            const statuses = await Promise.all(
              Array.from({ length: retries + 1 }, () => transfer(body).then((r) => r.status)),
            );
            expect(new Set(statuses).size).toBe(1);
            expect([201, 400, 422]).toContain(statuses[0] as number);
          }),
        );
        const [sums] =
          await ledgerDb`select coalesce(sum(case when currency = 'USD' then balance_minor end), 0)::text as usd, coalesce(sum(case when currency = 'EUR' then balance_minor end), 0)::text as eur from ledger.accounts`;
        expect({ usd: sums?.usd, eur: sums?.eur }).toEqual({ usd: "0", eur: "0" });
        const balances = await ledgerBalances(all);
        for (const account of floors) expect((balances.get(account) ?? 0n) >= 0n).toBe(true);
      }),
      { numRuns: 4 },
    );
    // No idempotency key posted twice: one transfer row per key, at most one entry per transfer.
    const posted =
      await orchestratorDb`select idempotency_key, count(*)::int as n from orchestrator.transfers where idempotency_key in ${orchestratorDb(keys)} group by 1 having count(*) > 1`;
    expect([...posted]).toEqual([]);
    const ids =
      await orchestratorDb`select transfer_id::text as id from orchestrator.transfers where idempotency_key in ${orchestratorDb(keys)} and status = 'completed'`;
    const entries =
      await ledgerDb`select entry_id from ledger.entries where entry_id in ${ledgerDb(ids.map((r) => r.id as string))}`;
    expect(entries.length).toBe(ids.length);
    await expectReadModelEqualsLedger(all);
  }, 240_000);

  test("with Kafka stopped transfers still succeed and the outbox grows; after a restart it drains and the read model converges", async () => {
    if (mode() !== "native")
      throw new Error("the broker fault test drives the native infrastructure (OBS_INFRA=native)");
    const a = await openAccount("USD");
    const b = await openAccount("USD");
    await down(["kafka"], { quiet: true });
    try {
      for (let i = 0; i < 10; i++) {
        const r = await transfer({
          from_account_id: a,
          to_account_id: b,
          amount_minor: 100,
          currency: "USD",
          idempotency_key: crypto.randomUUID(),
        });
        expect(r.status).toBe(201);
      }
      const [pending] =
        await ledgerDb`select count(*)::int as n from ledger.outbox where published_at is null`;
      expect(pending?.n as number).toBeGreaterThanOrEqual(10);
    } finally {
      await up(["kafka"], { quiet: true });
    }
    await expectReadModelEqualsLedger([a, b]);
    expect(await readBalance(b)).toBe(1000n);
  }, 240_000);

  test("a read model killed with SIGKILL mid-stream restarts with exact balances", async () => {
    const a = await openAccount("USD");
    const b = await openAccount("USD");
    const sending = (async () => {
      for (let i = 0; i < 60; i++) {
        const r = await transfer({
          from_account_id: a,
          to_account_id: b,
          amount_minor: 7,
          currency: "USD",
          idempotency_key: crypto.randomUUID(),
        });
        expect(r.status).toBe(201);
      }
    })();
    await Bun.sleep(500);
    apps.readmodel.proc.kill("SIGKILL");
    await apps.readmodel.proc.exited;
    await Bun.sleep(500);
    apps.readmodel = await runApp("readmodel");
    await sending;
    await expectReadModelEqualsLedger([a, b]);
    expect(await readBalance(b)).toBe(420n);
  }, 240_000);

  test("bad inputs get clear errors and move no money", async () => {
    const usd = await openAccount("USD");
    const floor = await openAccount("USD", 0);
    const eur = await openAccount("EUR");
    const [before] = await ledgerDb`select count(*)::int as n from ledger.entries`;
    const base = { from_account_id: usd, to_account_id: floor, amount_minor: 10, currency: "USD" };
    const cases: [string, TransferBody | string, number, string][] = [
      [
        "unknown account",
        { ...base, to_account_id: crypto.randomUUID(), idempotency_key: crypto.randomUUID() },
        404,
        "NOT_FOUND",
      ],
      [
        "currency mismatch",
        { ...base, to_account_id: eur, idempotency_key: crypto.randomUUID() },
        422,
        "FAILED_PRECONDITION",
      ],
      [
        "zero amount",
        { ...base, amount_minor: 0, idempotency_key: crypto.randomUUID() },
        400,
        "INVALID_ARGUMENT",
      ],
      [
        "negative amount",
        { ...base, amount_minor: -5, idempotency_key: crypto.randomUUID() },
        400,
        "INVALID_ARGUMENT",
      ],
      [
        "insufficient funds",
        {
          ...base,
          from_account_id: floor,
          to_account_id: usd,
          idempotency_key: crypto.randomUUID(),
        },
        422,
        "FAILED_PRECONDITION",
      ],
      ["malformed JSON", '{"from_account_id": ', 400, "INVALID_ARGUMENT"],
    ];
    for (const [what, body, status, code] of cases) {
      const response = await transfer(body);
      const answer = (await response.json()) as { error: string; message: string };
      expect({
        what,
        status: response.status,
        error: answer.error,
        hasMessage: answer.message.length > 0,
      }).toEqual({ what, status, error: code, hasMessage: true });
    }
    const [after] = await ledgerDb`select count(*)::int as n from ledger.entries`;
    expect(after?.n).toBe(before?.n);
    // AccountOpened reaches the read model through the accounts outbox and Kafka: wait until
    // it knows the account, then its balance must still be exactly zero.
    const floorBalance = await eventually(
      "the read model to know the account",
      () => readBalance(floor),
      30_000,
    );
    expect(floorBalance).toBe(0n);

    const mark = crypto.randomUUID();
    const event = JSON.stringify({
      event_id: mark,
      schema_version: 2,
      entry: { entry_id: mark, lines: [] },
    });
    const kcat = Bun.spawn(
      ["kcat", "-b", ENDPOINTS.kafkaBrokers, "-P", "-t", TOPICS.ledgerEntries, "-k", mark],
      { stdin: new TextEncoder().encode(`${event}\n`) },
    );
    expect(await kcat.exited).toBe(0);
    await eventually(
      "the unknown event version on the DLQ",
      async () => {
        const dlq = Bun.spawn(
          [
            "kcat",
            "-b",
            ENDPOINTS.kafkaBrokers,
            "-C",
            "-t",
            `${TOPICS.ledgerEntries}.dlq`,
            "-o",
            "beginning",
            "-e",
            "-q",
            "-f",
            "%s\\n",
          ],
          { stdout: "pipe" },
        );
        return (await new Response(dlq.stdout).text()).includes(mark) ? true : undefined;
      },
      30_000,
      500,
    );
  }, 120_000);

  test("Prometheus has data for every panel of the ledger dashboard", async () => {
    const dashboard = DASHBOARDS["ledger-system"];
    if (!dashboard) throw new Error("no ledger-system dashboard");
    for (const { panel, expr } of expressions(dashboard())) {
      const samples = await eventually(
        `data for "${panel}": ${expr}`,
        async () => {
          const result = await promQuery(expr);
          return result.length > 0 ? result : undefined;
        },
        45_000,
        1000,
      );
      expect(samples.length).toBeGreaterThan(0);
    }
  }, 120_000);
});
