// The faults of a normal week, against the six real apps under steady load through both flows,
// the real broker and PostgreSQL: a broker outage, a read model and a ledger killed with
// SIGKILL, a PostgreSQL restart, the trace backend (the Collector) away. Each fault stops or
// kills the real process. For each, the test measures how long the system took to say so
// (/readyz) and to carry data end to end again, then checks the invariants of
// test/support/faults.ts over everything the clients were told so far: no acknowledged Add or
// transfer lost, none applied twice, the read model equal to the ledger, nothing dead-lettered,
// every consumer running and every app ready. cluster-faults.test.ts does the same against a
// three-node Kafka cluster.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createKafka, type Kafka } from "@obs/kafka";
import { down, ENDPOINTS, mode, type ServiceName, up } from "../../infra/local/infra.ts";
import { APP_NAMES, type AppName } from "../../lib/service/src/apps.ts";
import { assertAppPortsFree, type RunningApp, runApp, runApps, stopApp } from "../support/apps.ts";
import {
  everythingReady,
  expectInvariants,
  type FaultSystem,
  readyz,
  seconds,
  takeBaseline,
  timeToNotReady,
  timeToRecover,
} from "../support/faults.ts";
import { ensureInfra, eventually } from "../support/infra.ts";
import { openAccount, systemDatabases } from "../support/system.ts";
import { haltAllTraffic, mergeRecords, startTraffic, type Traffic } from "../support/traffic.ts";

const LOAD = { addsPerSecond: 25, transfersPerSecond: 25 };

let apps: Record<AppName, RunningApp>;
let kafka: Kafka;
/** Set up in beforeAll: the apps, the clients' records, the baseline. */
let system: FaultSystem;
const report: string[] = [];
function load(): Traffic {
  const traffic = startTraffic(apps, { ...LOAD, accounts: system.accounts });
  system.records.push(traffic.record);
  return traffic;
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
  const partial = {
    instances: () => Object.values(apps),
    app: (name: AppName) => apps[name],
    admin: await kafka.admin(),
    dbs: systemDatabases(),
    accounts: { USD: [] as string[], EUR: [] as string[] },
    records: [],
  };
  await eventually(
    "every app ready",
    async () => ((await everythingReady(partial)) ? true : undefined),
    60_000,
  );
  for (let i = 0; i < 8; i++) partial.accounts.USD.push(await openAccount(apps.accounts, "USD"));
  for (let i = 0; i < 4; i++) partial.accounts.EUR.push(await openAccount(apps.accounts, "EUR"));
  system = { ...partial, baseline: await takeBaseline(partial) };
}, 600_000);

afterEach(haltAllTraffic);

afterAll(async () => {
  for (const line of report) console.log(`# ${line}`);
  await Promise.all(Object.values(apps ?? {}).map(stopApp));
  await kafka?.close().catch(() => {});
  await system?.dbs.end();
  // Whatever a failed test left stopped comes back for the next file.
  await up(["kafka", "postgres", "collector"] as ServiceName[], { quiet: true }).catch((error) =>
    console.error(`faults: infrastructure not restored: ${error}`),
  );
}, 300_000);

/** Runs load, injects the fault, ends it, measures, stops the load and checks the invariants. */
async function underLoad(
  label: string,
  fault: { inject(): Promise<void>; end(): Promise<void>; watch: AppName[] },
): Promise<void> {
  const traffic = load();
  try {
    await Bun.sleep(3_000);
    const injectedAt = Date.now();
    await fault.inject();
    const detected =
      fault.watch.length > 0
        ? await timeToNotReady(fault.watch.map((name) => apps[name]))
        : undefined;
    await fault.end();
    const endedAt = Date.now();
    const recovered = await timeToRecover(system, traffic);
    report.push(
      `${label}: ${detected === undefined ? "" : `/readyz said not ready ${seconds(detected)} after the fault; `}` +
        `fault lasted ${seconds(endedAt - injectedAt)}; data flowed end to end again ${seconds(recovered)} after it ended`,
    );
    await Bun.sleep(3_000);
  } finally {
    await traffic.stop();
  }
  report.push(await expectInvariants(system, label));
}

async function restart(name: AppName): Promise<void> {
  apps[name] = await runApp(name);
}

describe("faults under load (both flows)", () => {
  test("Kafka broker stopped for 15 s: consumers outlive it, nothing acknowledged is lost", async () => {
    // The ledger and accounts write to their outbox whatever Kafka does: they stay in service
    // (200) and report their relay as degraded, rather than failing every transfer.
    const outboxApps = ["ledger", "accounts"] as const;
    const answers: { app: string; status: number; outbox?: string }[] = [];
    await underLoad("broker down 15 s", {
      watch: ["totalizer", "readmodel"],
      inject: () => down(["kafka"], { quiet: true }),
      async end() {
        // Longer than the ~12 s after which the consumers used to stop for good.
        const until = Date.now() + 15_000;
        while (Date.now() < until) {
          for (const app of outboxApps) {
            const { status, checks } = await readyz(apps[app]);
            answers.push({ app, status, outbox: checks.outbox });
          }
          await Bun.sleep(1_000);
        }
        await up(["kafka"], { quiet: true });
      },
    });
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    for (const app of outboxApps)
      expect(answers.some((a) => a.app === app && a.outbox !== "ok")).toBe(true);
    const degraded = answers.filter((a) => a.outbox !== "ok").length;
    report.push(
      `broker down 15 s: ledger and accounts /readyz 200 on all ${answers.length} polls during the outage, the outbox reported degraded on ${degraded}`,
    );
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
    const traffic = load();
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
    report.push(await expectInvariants(system, "Collector away 10 s"));
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
