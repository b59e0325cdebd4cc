// The faults of a Kafka cluster, under load through both flows: the apps run against a
// three-node KRaft cluster of the test's own (ports 29392–29397, KAFKA_CLUSTER_FAULTS_TEST_PORT
// moves them; topics with 3 replicas and min.insync.replicas=2), two instances of each
// consumer app (totalizer, read model) and of the ledger (whose outbox relays share the work),
// one of the others. Two faults:
//   1. the broker leading the most partitions of ledger.entry.v1 and adder.sums.v1 is
//      SIGKILLed, stays away 15 s, and is restarted until it is back in every ISR;
//   2. one totalizer and one read model are SIGKILLed mid-stream (their group rebalances onto
//      the survivor), then restarted (and get partitions again).
// Each is measured — client failures, how long acknowledgements stalled, the consumer lag
// peak and when it was back to about 0, the outbox backlog, the rebalance, the ISR — and
// printed as one `# cluster:` line; then the invariants of test/support/faults.ts are checked
// over everything the clients were told. PostgreSQL, the Collector and Jaeger are the usual
// local infrastructure; their data is shared with other files, hence the baseline.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { type Admin, createKafka, type Kafka } from "@obs/kafka";
import { TOPICS } from "@obs/proto";
import { kafkaMetadata } from "../../infra/local/services/kafka-metadata.ts";
import type { AppName } from "../../lib/service/src/apps.ts";
import { type AppInstance, planInstances } from "../../scripts/replicas.ts";
import { assertAppPortsFree, type RunningApp, runInstances, stopApp } from "../support/apps.ts";
import {
  CONSUMER_GROUPS,
  type ConsumerApp,
  everythingReady,
  expectInvariants,
  type FaultSystem,
  seconds,
  takeBaseline,
  timeToRecover,
} from "../support/faults.ts";
import { ensureInfra, eventually } from "../support/infra.ts";
import { busiestLeader, partitionsOf, quorum, testCluster } from "../support/kafka-cluster.ts";
import { metricsText, sumOf } from "../support/metrics.ts";
import { type Databases, openAccount, systemDatabases } from "../support/system.ts";
import { type Answer, haltAllTraffic, startTraffic, type Traffic } from "../support/traffic.ts";

const BASE_PORT = Number(process.env.KAFKA_CLUSTER_FAULTS_TEST_PORT || 29392);
const cluster = testCluster(BASE_PORT, "cluster-faults");
const NODE_IDS = cluster.nodes.map((n) => n.id);
const LOAD = { addsPerSecond: 25, transfersPerSecond: 25 };
/** Load before each fault, so that the figures after it start from a steady state. */
const WARM_UP_MS = 5_000;
/** Lag at or below this counts as caught up: under half a second of either flow. */
const CAUGHT_UP = 10;
const GROUPS = Object.keys(CONSUMER_GROUPS) as ConsumerApp[];

const plan: AppInstance[] = [
  ...planInstances(["totalizer", "readmodel", "ledger"], 2),
  ...planInstances(["adder", "accounts", "orchestrator"], 1),
];
/** What every instance runs against beyond the usual: the cluster, not the local broker. */
const APP_ENV = { KAFKA_BROKERS: cluster.bootstrap };

let running: RunningApp[] = [];
const byLabel = (label: string): RunningApp => {
  const app = running.find((a) => a.label === label);
  if (!app) throw new Error(`${label} is not running`);
  return app;
};
let kafka: Kafka | undefined;
let admin: Admin | undefined;
let dbs: Databases | undefined;
let system: FaultSystem;
let monitor: Monitor | undefined;
const report: string[] = [];

// An app left running would hold its ports for the next file: SIGKILL it if the test dies.
process.once("exit", () => {
  for (const app of running) if (app.proc.exitCode === null) app.proc.kill("SIGKILL");
});

beforeAll(async () => {
  await ensureInfra();
  await assertAppPortsFree(["totalizer", "readmodel", "ledger"], 2);
  await assertAppPortsFree(["adder", "accounts", "orchestrator"]);
  const t0 = Date.now();
  await cluster.cli("up", "kafka").catch((error: Error) => {
    throw new Error(
      `the three-node Kafka cluster on ports ${BASE_PORT}–${BASE_PORT + 5} (KAFKA_CLUSTER_FAULTS_TEST_PORT moves them) did not start: ${error.message}`,
    );
  });
  console.log(`cluster-faults: cluster of 3 up in ${seconds(Date.now() - t0)}`);
  running = await runInstances(plan, plan, APP_ENV);
  kafka = await createKafka({
    brokers: cluster.brokers,
    clientId: "cluster-faults-test",
    adapter: "platformatic",
  });
  admin = await kafka.admin();
  dbs = systemDatabases();
  const partial = {
    instances: () => running,
    app: (name: AppName) => byLabel(plan.find((i) => i.app === name)?.label ?? name),
    admin,
    dbs,
    brokers: cluster.bootstrap,
    accounts: { USD: [] as string[], EUR: [] as string[] },
    records: [],
  };
  await eventually(
    "every instance ready",
    async () => ((await everythingReady(partial)) ? true : undefined),
    90_000,
  );
  const accounts = partial.app("accounts");
  for (let i = 0; i < 8; i++) partial.accounts.USD.push(await openAccount(accounts, "USD"));
  for (let i = 0; i < 4; i++) partial.accounts.EUR.push(await openAccount(accounts, "EUR"));
  system = { ...partial, baseline: await takeBaseline(partial) };
  monitor = startMonitor(system);
  console.log(`cluster-faults: ${running.length} instances ready in ${seconds(Date.now() - t0)}`);
}, 300_000);

afterAll(async () => {
  for (const line of report) console.log(`# ${line}`);
  await monitor?.stop();
  // For a closer look at a run: every lag and outbox sample, one JSON line each.
  const dump = process.env.CLUSTER_FAULTS_SAMPLES;
  if (dump && monitor)
    await Bun.write(dump, monitor.samples.map((s) => JSON.stringify(s)).join("\n"));
  await Promise.all(running.map((app) => stopApp(app)));
  await admin?.close().catch(() => {});
  await kafka?.close().catch(() => {});
  await dbs?.end();
  await cluster.stop();
}, 120_000);

/** Rejects after `ms` so that a call to a dead broker cannot stall a poll. */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: Timer | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

interface Sample {
  at: number;
  /** Summed over the group's partitions; missing while the cluster did not answer. */
  lag: Partial<Record<ConsumerApp, number>>;
  /** Ledger outbox rows not yet published. */
  outbox?: number;
}

interface Monitor {
  samples: Sample[];
  stop(): Promise<void>;
}

/** Every 250 ms: each group's lag and the ledger outbox backlog, for peaks and recovery times. */
function startMonitor({ admin, dbs }: Pick<FaultSystem, "admin" | "dbs">): Monitor {
  const samples: Sample[] = [];
  let on = true;
  const groupLag = async (app: ConsumerApp) => {
    const { group, topics } = CONSUMER_GROUPS[app];
    const lags = await within(2_000, admin.lag(group, [...topics]));
    return lags.reduce((sum, l) => sum + Number(l.lag), 0);
  };
  const loop = (async () => {
    while (on) {
      const sample: Sample = { at: Date.now(), lag: {} };
      await Promise.all([
        ...GROUPS.map(async (app) => {
          sample.lag[app] = await groupLag(app).catch(() => undefined);
        }),
        (async () => {
          const [row] = await within(
            2_000,
            dbs.ledger`select count(*)::int as n from ledger.outbox where published_at is null`,
          ).catch(() => []);
          sample.outbox = row?.n as number | undefined;
        })(),
      ]);
      samples.push(sample);
      await Bun.sleep(250);
    }
  })();
  return {
    samples,
    async stop() {
      on = false;
      await loop;
    },
  };
}

type Series = (s: Sample) => number | undefined;
const series: Record<ConsumerApp | "outbox", Series> = {
  totalizer: (s) => s.lag.totalizer,
  readmodel: (s) => s.lag.readmodel,
  outbox: (s) => s.outbox,
};

/** The highest value of the series and the sample it was seen in. */
function peakOf(samples: Sample[], of: Series): { value: number; index: number } {
  let best = { value: 0, index: -1 };
  samples.forEach((sample, index) => {
    const value = of(sample);
    if (value !== undefined && value > best.value) best = { value, index };
  });
  return best;
}

/**
 * Milliseconds from `from` until the series was back at or below CAUGHT_UP after its peak
 * (0 when it never rose above), or undefined if it has not been yet. The first sample after
 * the peak counts: later blips of a few messages are the load's, not the fault's.
 */
function backAfter(samples: Sample[], of: Series, from: number): number | undefined {
  const peak = peakOf(samples, of);
  if (peak.value <= CAUGHT_UP) return 0;
  const back = samples.slice(peak.index).find((s) => (of(s) ?? CAUGHT_UP + 1) <= CAUGHT_UP);
  return back === undefined ? undefined : back.at - from;
}

/** The longest time the lag could not be read (the cluster did not answer within 2 s). */
function unreadable(samples: Sample[]): number {
  let longest = 0;
  let lastRead: number | undefined = samples[0]?.at;
  for (const sample of samples) {
    if (GROUPS.some((app) => sample.lag[app] === undefined)) continue;
    if (lastRead !== undefined) longest = Math.max(longest, sample.at - lastRead);
    lastRead = sample.at;
  }
  return longest;
}

/** "peak 288 (≤10 after 14.0 s)" for one series of the samples since `from`. */
function peakFigures(samples: Sample[], of: Series, from: number): string {
  const back = backAfter(samples, of, from);
  const after = back === undefined ? "not back yet" : `≤${CAUGHT_UP} after ${seconds(back)}`;
  return `peak ${peakOf(samples, of).value} (${after})`;
}

/** Waits until every lag and the outbox have been at or below CAUGHT_UP for a second. */
async function waitCaughtUp(timeoutMs = 90_000): Promise<void> {
  const settled = () => {
    const last = monitor?.samples.slice(-4) ?? [];
    return (
      last.length === 4 &&
      last.every((s) =>
        Object.values(series).every((of) => {
          const value = of(s);
          return value !== undefined && value <= CAUGHT_UP;
        }),
      )
    );
  };
  await eventually(
    "every lag and the outbox near 0",
    async () => settled() || undefined,
    timeoutMs,
  );
}

/** Lag peak of each group since `from`, when it was back to about 0, and any blind spell. */
function lagFigures(from: number): string {
  const samples = (monitor?.samples ?? []).filter((s) => s.at >= from);
  const blind = unreadable(samples);
  const lags = GROUPS.map((app) => `${app} lag ${peakFigures(samples, series[app], from)}`);
  return `${lags.join(", ")}${blind > 1_000 ? `, lag unreadable for ${seconds(blind)}` : ""}`;
}

function outboxFigures(from: number): string {
  const samples = (monitor?.samples ?? []).filter((s) => s.at >= from);
  return `ledger outbox backlog ${peakFigures(samples, series.outbox, from)}`;
}

/**
 * What the clients of one flow saw from `from` on: failed answers, and the longest time
 * without an acknowledgement (counted from `from`).
 */
function clientFigures(answers: Answer[], flow: Answer["flow"], from: number) {
  const seen = answers.filter((a) => a.flow === flow && a.at >= from);
  const acks = [from, ...seen.filter((a) => a.ok).map((a) => a.at)].sort((a, b) => a - b);
  const stalled = Math.max(0, ...acks.slice(1).map((t, i) => t - (acks[i] ?? t)));
  return { failed: seen.filter((a) => !a.ok).length, stalled };
}

/**
 * What the clients saw from `from` on. Failures in the warm-up before it are named apart: on a
 * busy machine a second of CPU starvation fails a few calls with no fault at all.
 */
function clientLine(traffic: Traffic, from: number): string {
  const { answers } = traffic.record;
  const adds = clientFigures(answers, "add", from);
  const transfers = clientFigures(answers, "transfer", from);
  const before = answers.filter((a) => a.at < from && !a.ok);
  const warmUp = (flow: Answer["flow"]) => before.filter((a) => a.flow === flow).length;
  return (
    `Adds unacknowledged for ${seconds(adds.stalled)} at most, transfers ${seconds(transfers.stalled)}; ` +
    `failed: ${adds.failed} Adds, ${transfers.failed} transfer attempts` +
    (before.length > 0
      ? ` (and in the warm-up before the fault ${warmUp("add")} Adds, ${warmUp("transfer")} transfer attempts)`
      : "")
  );
}

afterEach(haltAllTraffic);

function startLoad(): Traffic {
  const traffic = startTraffic(
    { adder: system.app("adder"), orchestrator: system.app("orchestrator") },
    { ...LOAD, accounts: system.accounts },
  );
  system.records.push(traffic.record);
  return traffic;
}

/** Each consumer instance's kafka_consumer_assigned_partitions for its group (-1: no answer). */
async function assignments(): Promise<Map<string, number>> {
  const consumers = running.filter((a) => a.name in CONSUMER_GROUPS);
  const counts = await Promise.all(
    consumers.map(async (app) => {
      const { group } = CONSUMER_GROUPS[app.name as ConsumerApp];
      const text = await metricsText(app).catch(() => undefined);
      const held =
        text === undefined
          ? -1
          : sumOf(text, "kafka_consumer_assigned_partitions", { consumer_group: group });
      return [app.label, held] as const;
    }),
  );
  return new Map(counts);
}

/** Partitions of each group's topics. */
async function groupPartitions(): Promise<Record<ConsumerApp, number>> {
  const entries = await Promise.all(
    GROUPS.map(async (app) => {
      const topics = [...CONSUMER_GROUPS[app].topics];
      const counts = await system.admin.partitionCounts(topics);
      return [app, topics.reduce((sum, t) => sum + (counts.get(t) ?? 0), 0)] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<ConsumerApp, number>;
}

/** Every consumer instance holds partitions, and each group's instances hold all of them. */
async function everyConsumerConsuming(): Promise<boolean> {
  const [held, wanted] = await Promise.all([assignments(), groupPartitions()]);
  return GROUPS.every((app) => {
    const counts = running.filter((a) => a.name === app).map((a) => held.get(a.label) ?? -1);
    return counts.every((c) => c > 0) && counts.reduce((a, b) => a + b, 0) === wanted[app];
  });
}

/** Every partition the cluster lists (internal topics too) has `id` in its ISR. */
async function inEveryIsr(id: number): Promise<boolean> {
  const metadata = await kafkaMetadata(cluster.bootstrap);
  const partitions = metadata?.partitions ?? [];
  return (
    partitions.length > 0 &&
    partitions.every((p) => !p.replicas.includes(id) || (p.leader !== -1 && p.isr.includes(id)))
  );
}

describe("faults of a three-node Kafka cluster under load (both flows)", () => {
  test("SIGKILL of the busiest leader, 15 s away, restarted: nothing acknowledged lost or applied twice", async () => {
    const watched = [TOPICS.ledgerEntries, TOPICS.sums];
    // Before the load: the tool's JVM, starting on cores the load needs, slowed the warm-up.
    const controller = (await quorum(cluster.bootstrap)).leader;
    const traffic = startLoad();
    try {
      await Bun.sleep(WARM_UP_MS);
      const partitions = await partitionsOf(cluster.bootstrap, watched);
      expect(partitions).toHaveLength(6);
      const victim = busiestLeader(partitions, NODE_IDS, controller);
      const killedAt = Date.now();
      process.kill(cluster.pidOf(victim.id), "SIGKILL");
      await Bun.sleep(15_000);

      const restartAt = Date.now();
      // Watched from the moment of the restart, not from when `up` returns.
      const rejoined = eventually(
        `kafka-${victim.id} back in every ISR`,
        async () => ((await inEveryIsr(victim.id)) ? Date.now() - restartAt : undefined),
        90_000,
        200,
      );
      rejoined.catch(() => {}); // awaited below; only a failed `up` leaves it unwatched
      await cluster.cli("up", `kafka-${victim.id}`);
      const readyAfter = Date.now() - restartAt;
      const isrAfter = await rejoined;
      const recovered = await timeToRecover(system, traffic, 120_000);
      await waitCaughtUp();
      report.push(
        `cluster: SIGKILL kafka-${victim.id} (leads ${victim.leads} of ${partitions.length} partitions of ${watched.join(" + ")}` +
          `${victim.id === controller ? ", the active controller" : ""}): ${clientLine(traffic, killedAt)}; ` +
          `${lagFigures(killedAt)}; ${outboxFigures(killedAt)}; restarted after ${seconds(restartAt - killedAt)}: ` +
          `ready in ${seconds(readyAfter)}, back in every ISR after ${seconds(isrAfter)}; data end to end again ${seconds(recovered)} after that`,
      );
    } finally {
      await traffic.stop();
    }
    report.push(await expectInvariants(system, "cluster: broker SIGKILL"));
    expect(await everyConsumerConsuming()).toBe(true);
  }, 240_000);

  test("SIGKILL of one totalizer and one read model mid-stream: the survivors take over, the restarted ones get partitions again", async () => {
    const victims = ["totalizer-1", "readmodel-1"];
    const survivors = ["totalizer-0", "readmodel-0"];
    const groupOf = (label: string) => byLabel(label).name as ConsumerApp;
    const wanted = await groupPartitions();
    const traffic = startLoad();
    try {
      await Bun.sleep(WARM_UP_MS);
      const killed = victims.map(byLabel);
      const killedAt = Date.now();
      for (const app of killed) app.proc.kill("SIGKILL");
      await Promise.all(killed.map((app) => app.proc.exited));
      running = running.filter((app) => !victims.includes(app.label));

      // Each survivor's time to hold every partition of its group: the session time-out of
      // the dead member (10 s) plus the rebalance.
      const takeover = await Promise.all(
        survivors.map((label) =>
          eventually(
            `${label} to hold every partition`,
            async () => {
              const held = (await assignments()).get(label);
              return held === wanted[groupOf(label)] ? Date.now() - killedAt : undefined;
            },
            60_000,
            200,
          ),
        ),
      );
      await waitCaughtUp();
      // Before the restart, whose own rebalance would blur the kill's figures.
      const afterKill = `${lagFigures(killedAt)}; ${clientLine(traffic, killedAt)}`;

      const restartAt = Date.now();
      running.push(
        ...(await runInstances(
          plan.filter((i) => victims.includes(i.label)),
          plan,
          APP_ENV,
        )),
      );
      const rebalanced = await eventually(
        "every consumer instance to hold partitions again",
        async () => ((await everyConsumerConsuming()) ? Date.now() - restartAt : undefined),
        60_000,
        200,
      );
      const recovered = await timeToRecover(system, traffic, 120_000);
      await waitCaughtUp();
      report.push(
        `cluster: SIGKILL ${victims.join(" + ")}: ${survivors
          .map(
            (label, i) =>
              `${label} held all ${wanted[groupOf(label)]} partitions after ${seconds(takeover[i] ?? 0)}`,
          )
          .join(", ")}; ${afterKill}; ` +
          `restarted: partitions spread over both instances again after ${seconds(rebalanced)}, ${lagFigures(restartAt)}, data end to end again ${seconds(recovered)} after that`,
      );
    } finally {
      await traffic.stop();
    }
    report.push(await expectInvariants(system, "cluster: consumer SIGKILL"));
    expect(await everyConsumerConsuming()).toBe(true);
  }, 240_000);
});
