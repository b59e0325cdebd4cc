// What the fault tests (test/e2e/faults.test.ts against the single broker, cluster-faults.test.ts
// against a cluster of their own) check after each fault: readiness, data flowing end to end
// again, and the invariants over everything the clients were told:
//   - every acknowledged transfer has exactly one ledger entry and one completed orchestrator
//     row, per-currency sums are 0, and the read model equals the ledger;
//   - the total moved by the sums that reached the topic, deduplicated by message id, each
//     counted once, and every acknowledged Add is among them;
//   - no transient failure dead-lettered anything;
//   - every consumer runs and every app is ready.
// The apps' databases are shared with other test files, so everything counts from a baseline.
import { expect } from "bun:test";
import type { Admin } from "@obs/kafka";
import { TOPICS } from "@obs/proto";
import type { AppName } from "../../lib/service/src/apps.ts";
import type { RunningApp } from "./apps.ts";
import { ENDPOINTS, eventually } from "./infra.ts";
import {
  type Databases,
  endOffsets,
  ledgerSystemSettled,
  readModelVersusLedger,
  readTotal,
  recordsSince,
  totalizerSettled,
} from "./system.ts";
import { mergeRecords, type Probe, type Traffic, type TrafficRecord } from "./traffic.ts";

/** The consumer group of each app that consumes, and the topics it reads. */
export const CONSUMER_GROUPS = {
  totalizer: { group: "totalizer", topics: [TOPICS.sums] },
  readmodel: { group: "readmodel", topics: [TOPICS.ledgerEntries, TOPICS.accounts] },
} as const;
export type ConsumerApp = keyof typeof CONSUMER_GROUPS;
export const DLQS = [`${TOPICS.sums}.dlq`, `${TOPICS.ledgerEntries}.dlq`, `${TOPICS.accounts}.dlq`];

export interface Baseline {
  total: bigint;
  messageCount: bigint;
  sums: Map<number, bigint>;
  dlqs: Map<string, Map<number, bigint>>;
}

/** The system under test, as the checks see it; a restart may replace any instance. */
export interface FaultSystem {
  /** Every app instance that should be running now. */
  instances(): RunningApp[];
  /** The instance asked for an app's answers (what it answers comes from shared data). */
  app(name: AppName): RunningApp;
  admin: Admin;
  dbs: Databases;
  /** Where kcat reads the topics: the local infrastructure's brokers, or a test's cluster. */
  brokers?: string;
  /** The accounts the traffic moves money between, per currency. */
  accounts: Record<string, string[]>;
  /** Every client's record since the test began. */
  records: TrafficRecord[];
  baseline: Baseline;
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Where the total and the topics stand once everything in flight has landed. */
export async function takeBaseline(
  system: Pick<FaultSystem, "admin" | "dbs" | "app">,
): Promise<Baseline> {
  await ledgerSystemSettled(system.dbs, system.admin);
  await totalizerSettled(system.admin);
  const total = await readTotal(system.app("totalizer"));
  return {
    total: BigInt(total.total),
    messageCount: BigInt(total.message_count),
    sums: await endOffsets(system.admin, TOPICS.sums),
    dlqs: new Map(
      await Promise.all(DLQS.map(async (t) => [t, await endOffsets(system.admin, t)] as const)),
    ),
  };
}

export async function readyz(
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

/** Milliseconds until one of `apps` answers /readyz with something other than 200. */
export async function timeToNotReady(apps: RunningApp[], timeoutMs = 20_000): Promise<number> {
  const start = Date.now();
  await eventually(
    `/readyz of ${apps.map((a) => a.label).join(", ")} to say not ready`,
    async () => {
      const answers = await Promise.all(apps.map(readyz));
      return answers.some((a) => a.status !== 200) ? true : undefined;
    },
    timeoutMs,
    100,
  );
  return Date.now() - start;
}

export async function consumerRunning(app: RunningApp, group: string): Promise<boolean> {
  const text = await (await fetch(app.url("/metrics"))).text();
  return new RegExp(
    `^kafka_consumer_running\\{[^}]*consumer_group="${group}"[^}]*\\} 1$`,
    "m",
  ).test(text);
}

/** Every instance ready and every consumer running. */
export async function everythingReady(system: Pick<FaultSystem, "instances">): Promise<boolean> {
  const instances = system.instances();
  const answers = await Promise.all(instances.map(readyz));
  if (answers.some((a) => a.status !== 200)) return false;
  for (const instance of instances) {
    const consumes = CONSUMER_GROUPS[instance.name as ConsumerApp];
    if (consumes && !(await consumerRunning(instance, consumes.group))) return false;
  }
  return true;
}

/** Both probes visible on the read side: counted by the totalizer, projected by the read model. */
async function probeApplied(dbs: Databases, probe: Probe): Promise<boolean> {
  const [counted] =
    await dbs.totalizer`select count(*)::int as n from totalizer.processed_messages where topic = ${TOPICS.sums} and sum = ${probe.sum.toString()}`;
  const [projected] =
    await dbs.readmodel`select count(*)::int as n from readmodel.statement_lines where entry_id = ${probe.entryId}`;
  return (counted?.n as number) > 0 && (projected?.n as number) > 0;
}

/**
 * What each instance says about itself right now, one line each: /readyz with its failing
 * checks, and whether its consumer runs. Appended to a recovery that did not happen, so the
 * failure names the part that stayed down.
 */
export async function describeInstances(system: Pick<FaultSystem, "instances">): Promise<string> {
  const lines = await Promise.all(
    system.instances().map(async (instance) => {
      const ready = await readyz(instance);
      const failing = Object.entries(ready.checks ?? {}).filter(([, v]) => v !== "ok");
      const consumes = CONSUMER_GROUPS[instance.name as ConsumerApp];
      const consumer = consumes
        ? `; consumer ${(await consumerRunning(instance, consumes.group).catch(() => false)) ? "running" : "NOT running"}`
        : "";
      return `${instance.label}: /readyz ${ready.status}${failing.length ? ` ${JSON.stringify(Object.fromEntries(failing))}` : ""}${consumer}`;
    }),
  );
  return lines.join("\n");
}

/** Runs `step`; if it throws, the error says how every instance stood at that moment. */
async function described<T>(
  system: Pick<FaultSystem, "instances">,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const state = await describeInstances(system).catch((e) => `(no state: ${e})`);
    throw new Error(`${(error as Error).message}\nthe instances then:\n${state}`, {
      cause: error,
    });
  }
}

/**
 * Milliseconds from now until the system carries data end to end again: every app ready, every
 * consumer running, and a probe Add and transfer sent from now on (retried as clients retry)
 * applied on the read side. Each step waits at most `timeoutMs`.
 */
export async function timeToRecover(
  system: Pick<FaultSystem, "instances" | "dbs">,
  traffic: Traffic,
  timeoutMs = 120_000,
): Promise<number> {
  const start = Date.now();
  const probe = await described(system, () => traffic.probe(timeoutMs));
  await described(system, () =>
    eventually(
      "the probes on the read side",
      async () => ((await probeApplied(system.dbs, probe)) ? true : undefined),
      timeoutMs,
      200,
    ),
  );
  await described(system, () =>
    eventually(
      "every app ready and every consumer running",
      async () => ((await everythingReady(system)) ? true : undefined),
      timeoutMs,
      200,
    ),
  );
  return Date.now() - start;
}

const failures = (counts: Map<string, number>, none: string) =>
  [...counts].map(([k, v]) => `${v}×${k}`).join(", ") || none;

/**
 * The invariants over everything every client was told since the test began; returns the
 * line for the test's report.
 */
export async function expectInvariants(system: FaultSystem, label: string): Promise<string> {
  const { admin, dbs, baseline } = system;
  const brokers = system.brokers ?? ENDPOINTS.kafkaBrokers;
  const traffic = mergeRecords(system.records);
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

  const all = Object.values(system.accounts).flat();
  const compared = await readModelVersusLedger(system.app("readmodel"), dbs.ledger, all);
  expect(compared.filter((c) => c.readModel !== c.ledger)).toEqual([]);

  // Adds: the total is what reached the topic, deduplicated by message id.
  await totalizerSettled(admin, 120_000);
  const onTopic = new Map<string, { sum: bigint; traceId: string }>();
  for (const record of await recordsSince(TOPICS.sums, baseline.sums, brokers)) {
    const body = JSON.parse(record.value) as { message_id: string; sum: string; trace_id: string };
    onTopic.set(body.message_id, { sum: BigInt(body.sum), traceId: body.trace_id });
  }
  const onTopicTraces = new Set([...onTopic.values()].map((m) => m.traceId));
  const lostAdds = [...traffic.addsAcked].filter((traceId) => !onTopicTraces.has(traceId));
  expect({ label, lostAdds }).toEqual({ label, lostAdds: [] });
  // A transient failure (broker, database, restart) must never dead-letter anything.
  for (const topic of DLQS) {
    const dead = await recordsSince(topic, baseline.dlqs.get(topic) ?? new Map(), brokers);
    expect({ label, topic, dead: dead.map((d) => d.headers) }).toEqual({ label, topic, dead: [] });
  }
  const expected = [...onTopic.values()].reduce((sum, m) => sum + m.sum, 0n);
  const now = await readTotal(system.app("totalizer"));
  // None applied twice: the total moved by each message once, and it counted each id once.
  expect({
    label,
    totalDelta: BigInt(now.total) - baseline.total,
    counted: BigInt(now.message_count) - baseline.messageCount,
  }).toEqual({ label, totalDelta: expected, counted: BigInt(onTopic.size) });

  expect(await everythingReady(system)).toBe(true);
  const phantom = onTopic.size - traffic.addsAcked.size;
  return (
    `${label}: invariants hold over ${traffic.transfersAcked.length} transfers ` +
    `(${failures(traffic.transferFailures, "no")} failed attempts, retried) ` +
    `and ${traffic.addsAcked.size} acknowledged Adds (${failures(traffic.addFailures, "none")} failed; ${phantom} of those delivered anyway)`
  );
}
