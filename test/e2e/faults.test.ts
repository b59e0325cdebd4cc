// The faults of a normal week, against the six real apps under steady load through both flows,
// the real broker and PostgreSQL: a broker outage, a read model and a ledger killed with
// SIGKILL, a PostgreSQL restart, the trace backend (the Collector) away. Each fault stops or kills the real process. For each, the
// test measures how long the system took to say so (/readyz) and to carry data end to end
// again, then checks the invariants over everything the clients were told so far:
//   - every acknowledged transfer has exactly one ledger entry, per-currency sums are 0, and
//     the read model equals the ledger;
//   - the total equals the sums that reached the topic, minus those dead-lettered (each with
//     its reason), and every acknowledged Add is among them;
//   - no transient failure dead-lettered anything;
//   - every consumer runs again and every app is ready.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Admin, createKafka, type Kafka } from "@obs/kafka";
import { TOPICS } from "@obs/proto";
import postgres from "postgres";
import { down, ENDPOINTS, mode, type ServiceName, up } from "../../infra/local/infra.ts";
import { databaseUrlFor } from "../../lib/db/src/index.ts";
import { APP_NAMES, type AppName } from "../../lib/service/src/apps.ts";
import { assertAppPortsFree, type RunningApp, runApp, runApps, stopApp } from "../support/apps.ts";
import { ensureInfra, eventually } from "../support/infra.ts";
import {
  type Databases,
  endOffsets,
  ledgerSystemSettled,
  openAccount,
  readModelVersusLedger,
  readTotal,
  recordsSince,
  systemDatabases,
  totalizerSettled,
} from "../support/system.ts";
import {
  mergeRecords,
  type Probe,
  startTraffic,
  type Traffic,
  type TrafficRecord,
} from "../support/traffic.ts";

const LOAD = { addsPerSecond: 25, transfersPerSecond: 25 };
const CONSUMERS: Partial<Record<AppName, string>> = {
  totalizer: "totalizer",
  readmodel: "readmodel",
};
const DLQS = [`${TOPICS.sums}.dlq`, `${TOPICS.ledgerEntries}.dlq`, `${TOPICS.accounts}.dlq`];

let apps: Record<AppName, RunningApp>;
let kafka: Kafka;
let admin: Admin;
let dbs: Databases;
const readSide = {
  totalizer: postgres(databaseUrlFor("totalizer"), { max: 1, onnotice: () => {} }),
  readmodel: postgres(databaseUrlFor("readmodel"), { max: 1, onnotice: () => {} }),
};
let accounts: Record<string, string[]>;
let baseline: { total: bigint; sums: Map<number, bigint>; dlqs: Map<string, Map<number, bigint>> };
const records: TrafficRecord[] = [];
const report: string[] = [];

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function readyz(
  app: RunningApp,
): Promise<{ status: number; checks: Record<string, string> }> {
  try {
    const response = await fetch(app.url("/readyz"), { signal: AbortSignal.timeout(5_000) });
    const body = (await response.json()) as { checks: Record<string, string> };
    return { status: response.status, checks: body.checks };
  } catch (error) {
    return { status: 0, checks: { connection: String(error) } };
  }
}

/** Milliseconds until one of `names` answers /readyz with something other than 200. */
async function timeToNotReady(names: AppName[], timeoutMs = 20_000): Promise<number> {
  const start = Date.now();
  await eventually(
    `/readyz of ${names.join(", ")} to say not ready`,
    async () => {
      const answers = await Promise.all(names.map((name) => readyz(apps[name])));
      return answers.some((a) => a.status !== 200) ? true : undefined;
    },
    timeoutMs,
    100,
  );
  return Date.now() - start;
}

async function consumerRunning(app: AppName, group: string): Promise<boolean> {
  const text = await (await fetch(apps[app].url("/metrics"))).text();
  return new RegExp(
    `^kafka_consumer_running\\{[^}]*consumer_group="${group}"[^}]*\\} 1$`,
    "m",
  ).test(text);
}

/** Every app ready and every consumer running. */
async function everythingReady(): Promise<boolean> {
  const answers = await Promise.all(
    APP_NAMES.map(async (name) => [name, await readyz(apps[name])] as const),
  );
  const notReady = answers.filter(([, a]) => a.status !== 200);
  if (notReady.length > 0) return false;
  for (const [app, group] of Object.entries(CONSUMERS))
    if (!(await consumerRunning(app as AppName, group as string))) return false;
  return true;
}

/** Both probes visible on the read side: counted by the totalizer, projected by the read model. */
async function probeApplied(probe: Probe): Promise<boolean> {
  const [counted] =
    await readSide.totalizer`select count(*)::int as n from totalizer.processed_messages where topic = ${TOPICS.sums} and sum = ${probe.sum.toString()}`;
  const [projected] =
    await readSide.readmodel`select count(*)::int as n from readmodel.statement_lines where entry_id = ${probe.entryId}`;
  return (counted?.n as number) > 0 && (projected?.n as number) > 0;
}

/**
 * Milliseconds from now until the system carries data end to end again: every app ready, every
 * consumer running, and a probe Add and transfer sent from now on (retried as clients retry)
 * applied on the read side.
 */
async function timeToRecover(traffic: Traffic, timeoutMs = 180_000): Promise<number> {
  const start = Date.now();
  const probe = await traffic.probe();
  await eventually(
    "the probes on the read side",
    async () => ((await probeApplied(probe)) ? true : undefined),
    timeoutMs,
    200,
  );
  await eventually(
    "every app ready and every consumer running",
    async () => ((await everythingReady()) ? true : undefined),
    timeoutMs,
    200,
  );
  return Date.now() - start;
}

/** The invariants over everything every client was told since the test began. */
async function expectInvariants(label: string): Promise<void> {
  const traffic = mergeRecords(records);
  // Transfers: each one acknowledged in the end (clients retried), none refused.
  expect({ label, refused: traffic.transfersRefused }).toEqual({ label, refused: [] });
  expect(traffic.transfersAcked.length).toBe(traffic.transfersStarted);
  // A dependency that is away is 503 (retry), never 500 (a bug).
  expect({ label, transfers500: traffic.transferFailures.get("500") ?? 0 }).toEqual({
    label,
    transfers500: 0,
  });
  expect({ label, adds500: traffic.addFailures.get("500") ?? 0 }).toEqual({ label, adds500: 0 });

  await ledgerSystemSettled(dbs, admin, 120_000);
  const sums =
    await dbs.ledger`select currency, sum(balance_minor)::text as total from ledger.accounts group by currency`;
  for (const row of sums)
    expect({ label, currency: row.currency, sum: row.total }).toEqual({
      label,
      currency: row.currency,
      sum: "0",
    });

  const entryIds = traffic.transfersAcked.map((t) => t.entryId);
  const keys = traffic.transfersAcked.map((t) => t.key);
  const [entries] =
    await dbs.ledger`select count(*)::int as n, count(distinct entry_id)::int as d from ledger.entries where entry_id in ${dbs.ledger(entryIds)}`;
  expect({ label, entries: entries?.n, distinct: entries?.d }).toEqual({
    label,
    entries: entryIds.length,
    distinct: entryIds.length,
  });
  const perKey =
    await dbs.orchestrator`select idempotency_key, count(*)::int as n, min(status) as status from orchestrator.transfers where idempotency_key in ${dbs.orchestrator(keys)} group by 1`;
  expect(perKey.length).toBe(keys.length);
  expect(perKey.filter((r) => r.n !== 1 || r.status !== "completed")).toEqual([]);

  const all = Object.values(accounts).flat();
  const compared = await readModelVersusLedger(apps.readmodel, dbs.ledger, all);
  expect(compared.filter((c) => c.readModel !== c.ledger)).toEqual([]);

  // Adds: the total is what reached the topic, deduplicated by message id, minus the DLQ.
  await totalizerSettled(admin, 120_000);
  const onTopic = new Map<string, { sum: bigint; traceId: string }>();
  for (const record of await recordsSince(TOPICS.sums, baseline.sums)) {
    const body = JSON.parse(record.value) as { message_id: string; sum: string; trace_id: string };
    onTopic.set(body.message_id, { sum: BigInt(body.sum), traceId: body.trace_id });
  }
  const onTopicTraces = new Set([...onTopic.values()].map((m) => m.traceId));
  const lostAdds = [...traffic.addsAcked].filter((traceId) => !onTopicTraces.has(traceId));
  expect({ label, lostAdds }).toEqual({ label, lostAdds: [] });
  // A transient failure (broker, database, restart) must never dead-letter anything.
  for (const topic of DLQS) {
    const dead = await recordsSince(topic, baseline.dlqs.get(topic) ?? new Map());
    expect({ label, topic, dead: dead.map((d) => d.headers) }).toEqual({ label, topic, dead: [] });
  }
  const expected = [...onTopic.values()].reduce((sum, m) => sum + m.sum, 0n);
  const total = BigInt((await readTotal(apps.totalizer)).total);
  expect({ label, totalDelta: total - baseline.total }).toEqual({ label, totalDelta: expected });

  expect(await everythingReady()).toBe(true);
  const phantom = onTopic.size - traffic.addsAcked.size;
  report.push(
    `${label}: invariants hold over ${traffic.transfersAcked.length} transfers ` +
      `(${[...traffic.transferFailures].map(([k, v]) => `${v}×${k}`).join(", ") || "no"} failed attempts, retried) ` +
      `and ${traffic.addsAcked.size} acknowledged Adds (${[...traffic.addFailures].map(([k, v]) => `${v}×${k}`).join(", ") || "none"} failed; ${phantom} of those delivered anyway)`,
  );
}

beforeAll(async () => {
  if (mode() !== "native")
    throw new Error("the fault tests drive the native infrastructure (OBS_INFRA=native)");
  await ensureInfra();
  await assertAppPortsFree(APP_NAMES);
  apps = await runApps(APP_NAMES);
  kafka = await createKafka({
    brokers: ENDPOINTS.kafkaBrokerList,
    clientId: "faults-test",
    adapter: "platformatic",
  });
  admin = await kafka.admin();
  dbs = systemDatabases();
  await eventually(
    "every app ready",
    async () => ((await everythingReady()) ? true : undefined),
    60_000,
  );
  accounts = { USD: [], EUR: [] };
  for (let i = 0; i < 8; i++) accounts.USD?.push(await openAccount(apps.accounts, "USD"));
  for (let i = 0; i < 4; i++) accounts.EUR?.push(await openAccount(apps.accounts, "EUR"));
  await ledgerSystemSettled(dbs, admin);
  await totalizerSettled(admin);
  baseline = {
    total: BigInt((await readTotal(apps.totalizer)).total),
    sums: await endOffsets(admin, TOPICS.sums),
    dlqs: new Map(
      await Promise.all(DLQS.map(async (t) => [t, await endOffsets(admin, t)] as const)),
    ),
  };
}, 600_000);

afterAll(async () => {
  for (const line of report) console.log(`# ${line}`);
  // Whatever a failed test left stopped comes back for the next file.
  await up(["kafka", "postgres", "collector"] as ServiceName[], { quiet: true }).catch(() => {});
  await kafka?.close();
  await Promise.all(Object.values(apps ?? {}).map(stopApp));
  await dbs?.end();
  await Promise.all(Object.values(readSide).map((db) => db.end()));
}, 120_000);

/** Runs load, injects the fault, ends it, measures, stops the load and checks the invariants. */
async function underLoad(
  label: string,
  fault: { inject(): Promise<void>; end(): Promise<void>; watch: AppName[] },
): Promise<void> {
  const traffic = startTraffic(apps, { ...LOAD, accounts });
  records.push(traffic.record);
  try {
    await Bun.sleep(3_000);
    const injectedAt = Date.now();
    await fault.inject();
    const detected = fault.watch.length > 0 ? await timeToNotReady(fault.watch) : undefined;
    await fault.end();
    const endedAt = Date.now();
    const recovered = await timeToRecover(traffic);
    report.push(
      `${label}: ${detected === undefined ? "" : `/readyz said not ready ${seconds(detected)} after the fault; `}` +
        `fault lasted ${seconds(endedAt - injectedAt)}; data flowed end to end again ${seconds(recovered)} after it ended`,
    );
    await Bun.sleep(3_000);
  } finally {
    await traffic.stop();
  }
  await expectInvariants(label);
}

async function restart(name: AppName): Promise<void> {
  apps[name] = await runApp(name);
}

describe("faults under load (both flows)", () => {
  test("Kafka broker stopped for 15 s: consumers outlive it, nothing acknowledged is lost", async () => {
    await underLoad("broker down 15 s", {
      watch: ["totalizer", "readmodel"],
      inject: () => down(["kafka"], { quiet: true }),
      async end() {
        // Longer than the ~12 s after which the consumers used to stop for good.
        await Bun.sleep(15_000);
        await up(["kafka"], { quiet: true });
      },
    });
  }, 420_000);

  test("read model killed with SIGKILL mid-stream, restarted", async () => {
    await underLoad("readmodel SIGKILL", {
      watch: [],
      async inject() {
        apps.readmodel.proc.kill("SIGKILL");
        await apps.readmodel.proc.exited;
      },
      end: () => restart("readmodel"),
    });
  }, 300_000);

  test("ledger killed with SIGKILL mid-stream, restarted: clients retry, nothing posts twice", async () => {
    await underLoad("ledger SIGKILL", {
      watch: [],
      async inject() {
        apps.ledger.proc.kill("SIGKILL");
        await apps.ledger.proc.exited;
      },
      async end() {
        await Bun.sleep(2_000);
        await restart("ledger");
      },
    });
  }, 300_000);

  test("trace backend (the Collector) away for 10 s under load: every request answered, apps ready, traces flow again", async () => {
    const traffic = startTraffic(apps, { ...LOAD, accounts });
    records.push(traffic.record);
    const notReadyDuringOutage: string[] = [];
    try {
      await Bun.sleep(2_000);
      await down(["collector"], { quiet: true });
      const outageEnds = Date.now() + 10_000;
      while (Date.now() < outageEnds) {
        for (const name of APP_NAMES)
          if ((await readyz(apps[name])).status !== 200) notReadyDuringOutage.push(name);
        await Bun.sleep(1_000);
      }
      await up(["collector"], { quiet: true });
      await Bun.sleep(2_000);
    } finally {
      await traffic.stop();
    }
    // Telemetry is not a dependency: no request failed, no app stopped being ready.
    const seen = mergeRecords([traffic.record]);
    expect({
      notReadyDuringOutage,
      addFailures: [...seen.addFailures],
      transferFailures: [...seen.transferFailures],
    }).toEqual({ notReadyDuringOutage: [], addFailures: [], transferFailures: [] });
    expect(seen.addsAcked.size).toBeGreaterThan(100);
    expect(seen.transfersAcked.length).toBeGreaterThan(100);
    // And the exporters found the Collector again: a request made now is a trace in Jaeger.
    const traceId = crypto.randomUUID().replaceAll("-", "");
    const opened = await fetch(apps.accounts.url("/v1/accounts"), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        traceparent: `00-${traceId}-${"ab".repeat(8)}-01`,
      },
      body: JSON.stringify({ currency: "USD" }),
    });
    expect(opened.status).toBe(201);
    const started = Date.now();
    await eventually(
      "the request's trace in Jaeger",
      async () => {
        const response = await fetch(`${ENDPOINTS.jaegerQuery}/api/traces/${traceId}`);
        return response.ok ? true : undefined;
      },
      30_000,
      250,
    );
    report.push(
      `Collector away 10 s: ${seen.addsAcked.size} Adds and ${seen.transfersAcked.length} transfers answered, none failed, every app ready throughout; a new trace in Jaeger ${seconds(Date.now() - started)} after the request`,
    );
    await expectInvariants("Collector away 10 s");
  }, 300_000);

  test("PostgreSQL restarted under load: every app says so, then recovers by itself", async () => {
    await underLoad("PostgreSQL restart", {
      watch: ["totalizer", "readmodel", "ledger", "accounts", "orchestrator"],
      inject: () => down(["postgres"], { quiet: true }),
      async end() {
        await Bun.sleep(5_000);
        await up(["postgres"], { quiet: true });
      },
    });
  }, 300_000);
});
