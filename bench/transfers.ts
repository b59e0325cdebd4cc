// Transfers through the whole seed-000 system at steady rates: POST /v1/transfers on the
// orchestrator (→ accounts, → ledger + outbox), relay → Kafka → read model. For each offered
// rate it reports achieved transfers/s, errors, client-side and exported
// (transfer_latency_seconds) latency, the outbox-to-read-model lag of each entry (the read
// model's processed_at minus the ledger's posted_at, the start of the transaction that wrote
// the outbox row, both read from PostgreSQL's clock) and the CPU each process used.
//
//   bun bench/transfers.ts                              sweep 50, 100, 200, 300… /s, 20 s a level,
//                                                       until a level is not sustainable (= --max)
//   bun bench/transfers.ts --rate 200 --duration 30     one level
//   bun bench/transfers.ts --rates 50,100,200,400,800   these levels; apps are started once
//   bun bench/transfers.ts --quick                      100–400/s, 6 s levels, under a minute
//   bun bench/transfers.ts --tracing off                OTEL_TRACES_EXPORTER=none in every app
//   … --json out.json                                   the result object (stdout without it);
//                                                       the per-level summary goes to stderr
//   … --keep-going                                      run every level, sustainable or not
//
// "Sustainable" level: completed transfers ≥ 95% of the offered rate, fewer than 1% errors,
// client p99 ≤ --p99-bound ms (default 500) and every entry projected by the read model
// within the drain timeout. `maxSustainable` is the highest such level; a sweep stops after
// the first level that is not sustainable, since higher ones only build a backlog.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { up, wantedServices } from "../infra/local/infra.ts";
import { databaseUrlFor } from "../lib/db/src/index.ts";
import { APPS } from "../lib/service/src/apps.ts";
import { type RunningApp, runApps, stopApp } from "../scripts/app-process.ts";
import { migrateAll } from "../scripts/migrate.ts";
import { diffBuckets, parseBuckets, percentile, quantile } from "./support/histogram.ts";
import { type CpuReport, startCpuWindow, systemClassifier } from "./transfers/cpu.ts";

const { values } = parseArgs({
  options: {
    rate: { type: "string" },
    rates: { type: "string" },
    // The default already; kept so `--max` reads as what it does.
    max: { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    duration: { type: "string" },
    warmup: { type: "string" },
    settle: { type: "string" },
    accounts: { type: "string", default: "50" },
    tracing: { type: "string", default: "on" },
    "log-level": { type: "string", default: "warn" },
    "p99-bound": { type: "string", default: "500" },
    "drain-timeout": { type: "string" },
    json: { type: "string" },
    "keep-going": { type: "boolean", default: false },
  },
});

const quick = values.quick;
const MAX_RATES = [50, 100, 200, 300, 400, 500, 600, 800, 1000, 1200, 1600, 2000];
const rates = values.rates
  ? values.rates.split(",").map(Number)
  : values.rate
    ? [Number(values.rate)]
    : quick
      ? [100, 200, 300, 400]
      : MAX_RATES;
if (rates.some((r) => !Number.isFinite(r) || r <= 0)) throw new Error("rates must be positive");
const durationS = Number(values.duration ?? (quick ? 6 : 20));
const warmupS = Number(values.warmup ?? (quick ? 3 : 5));
const settleS = Number(values.settle ?? (quick ? 1 : 3));
const drainTimeoutS = Number(values["drain-timeout"] ?? (quick ? 10 : 60));
const accountCount = Number(values.accounts);
const tracing = values.tracing !== "off";
const logLevel = values["log-level"] as string;
const p99BoundMs = Number(values["p99-bound"]);
const command = ["bun", "bench/transfers.ts", ...process.argv.slice(2)].join(" ");

await up(wantedServices(), { quiet: true });
await migrateAll();
// App logs go through this process (runApp prefixes every line), so per-request info logs
// would cost the load generator CPU that a real deployment's log shipper would not.
const env: Record<string, string> = {
  LOG_LEVEL: logLevel,
  ...(tracing ? {} : { OTEL_TRACES_EXPORTER: "none" }),
};
const names = ["accounts", "ledger", "readmodel", "orchestrator"] as const;
type Name = (typeof names)[number];
// runApp waits for /healthz on the app's port: an instance left running there (by another
// run) would answer for ours and be measured instead.
for (const n of names) {
  const port = APPS[n].httpPort;
  const taken = await fetch(`http://127.0.0.1:${port}/healthz`).then(
    () => true,
    () => false,
  );
  if (taken) throw new Error(`port ${port} (${n}) is already in use; stop that process first`);
}
const apps: Record<Name, RunningApp> = await runApps(names, () => ({ env }));
const classify = systemClassifier(
  Object.fromEntries(names.map((n) => [n, apps[n].proc.pid] as const)),
);
const readmodelDb = postgres(databaseUrlFor("readmodel"), { max: 1, onnotice: () => {} });

const post = (app: RunningApp, path: string, body: unknown) =>
  fetch(app.url(path), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

const round = (n: number | undefined, digits = 1) =>
  n === undefined || !Number.isFinite(n) ? null : Math.round(n * 10 ** digits) / 10 ** digits;

interface Level {
  offeredPerSecond: number;
  sentPerSecond: number;
  achievedPerSecond: number;
  errors: number;
  statuses: Record<string, number>;
  clientMs: { p50: number | null; p95: number | null; p99: number | null; max: number | null };
  transferLatencyMs: { p50: number | null; p99: number | null };
  projected: number;
  created: number;
  lagMs: { p50: number | null; p99: number | null; max: number | null };
  cpu: CpuReport;
  /** CPU milliseconds each group spent per completed transfer: less noisy than latency. */
  cpuMsPerTransfer: Record<string, number>;
  sustainable: boolean;
}

let accounts: string[] = [];
const pick = () => accounts[Math.floor(Math.random() * accounts.length)] as string;
const metrics = async () => (await fetch(apps.orchestrator.url("/metrics"))).text();

/** Open loop at `rate` for `seconds`; every transfer between two random accounts. */
async function drive(rate: number, seconds: number) {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const pending: Promise<void>[] = [];
  let sent = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate) - sent;
    for (let i = 0; i < due; i++) {
      sent++;
      const from = pick();
      let to = pick();
      while (to === from) to = pick();
      const t = performance.now();
      pending.push(
        post(apps.orchestrator, "/v1/transfers", {
          from_account_id: from,
          to_account_id: to,
          amount_minor: 1 + Math.floor(Math.random() * 1000),
          currency: "USD",
          idempotency_key: crypto.randomUUID(),
        }).then(
          async (r) => {
            await r.arrayBuffer();
            latencies.push(performance.now() - t);
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          },
          () => {
            statuses.set(0, (statuses.get(0) ?? 0) + 1);
          },
        ),
      );
    }
    await Bun.sleep(2);
  }
  const sendingS = (performance.now() - t0) / 1000;
  await Promise.all(pending);
  return { sent, latencies, statuses, sendingS, elapsedS: (performance.now() - t0) / 1000 };
}

/** Waits until the read model holds every entry posted in [from, to), or the timeout. */
async function projectedSince(from: Date, to: Date, expected: number): Promise<number> {
  const deadline = Date.now() + drainTimeoutS * 1000;
  for (;;) {
    const [row] = await readmodelDb`
      select count(distinct entry_id)::int as n from readmodel.statement_lines
      where posted_at >= ${from} and posted_at < ${to}`;
    const n = (row?.n as number) ?? 0;
    if (n >= expected || Date.now() > deadline) return n;
    await Bun.sleep(100);
  }
}

async function lagOf(from: Date, to: Date) {
  const [lag] = await readmodelDb`
    select percentile_cont(0.5) within group (order by ms) as p50,
           percentile_cont(0.99) within group (order by ms) as p99,
           max(ms) as max
    from (select distinct on (s.entry_id) extract(epoch from (e.processed_at - s.posted_at)) * 1000 as ms
          from readmodel.statement_lines s join readmodel.processed_events e on e.event_id = s.event_id
          where s.posted_at >= ${from} and s.posted_at < ${to}) t`;
  return {
    p50: round(Number(lag?.p50)),
    p99: round(Number(lag?.p99)),
    max: round(Number(lag?.max)),
  };
}

async function runLevel(rate: number): Promise<Level> {
  const before = parseBuckets(await metrics(), "transfer_latency_seconds");
  const cpuDone = startCpuWindow(classify);
  const [{ now: start }] = (await readmodelDb`select clock_timestamp() as now`) as [{ now: Date }];
  const { sent, latencies, statuses, sendingS } = await drive(rate, durationS);
  const [{ now: end }] = (await readmodelDb`select clock_timestamp() as now`) as [{ now: Date }];
  const cpu = cpuDone();
  const exported = diffBuckets(parseBuckets(await metrics(), "transfer_latency_seconds"), before);
  const created = statuses.get(201) ?? 0;
  const projected = await projectedSince(start, end, created);
  const lagMs = await lagOf(start, end);
  latencies.sort((a, b) => a - b);
  const errors = sent - created;
  const achieved = created / sendingS;
  const clientMs = {
    p50: round(percentile(latencies, 0.5)),
    p95: round(percentile(latencies, 0.95)),
    p99: round(percentile(latencies, 0.99)),
    max: round(latencies.at(-1)),
  };
  return {
    offeredPerSecond: rate,
    sentPerSecond: round(sent / sendingS) ?? 0,
    achievedPerSecond: round(achieved) ?? 0,
    errors,
    statuses: Object.fromEntries([...statuses].map(([k, v]) => [String(k), v])),
    clientMs,
    transferLatencyMs: {
      p50: round(quantile(0.5, exported) * 1000),
      p99: round(quantile(0.99, exported) * 1000),
    },
    created,
    projected,
    lagMs,
    cpu,
    cpuMsPerTransfer: Object.fromEntries(
      Object.entries(cpu.byGroup).map(([group, pct]) => [
        group,
        round((10 * pct) / Math.max(achieved, 1e-9), 2) ?? 0,
      ]),
    ),
    sustainable:
      achieved >= 0.95 * rate &&
      errors < 0.01 * sent &&
      (clientMs.p99 ?? Number.POSITIVE_INFINITY) <= p99BoundMs &&
      projected >= created,
  };
}

function summary(level: Level): string {
  const cpu = Object.entries(level.cpu.byGroup)
    .sort(([, a], [, b]) => b - a)
    .map(([g, v]) => `${g} ${Math.round(v)}% (${level.cpuMsPerTransfer[g]} ms/transfer)`)
    .join(", ");
  return (
    `${String(level.offeredPerSecond).padStart(5)}/s offered → ${level.achievedPerSecond}/s done, ` +
    `${level.errors} errors | client p50 ${level.clientMs.p50} p95 ${level.clientMs.p95} ` +
    `p99 ${level.clientMs.p99} max ${level.clientMs.max} ms | exported p50 ${level.transferLatencyMs.p50} ` +
    `p99 ${level.transferLatencyMs.p99} ms | lag p50 ${level.lagMs.p50} p99 ${level.lagMs.p99} ` +
    `max ${level.lagMs.max} ms | ${level.sustainable ? "sustainable" : "NOT sustainable"}\n` +
    `         cpu (% of one core): ${cpu}; machine busy ${level.cpu.machineBusyPct}%`
  );
}

try {
  const opened = await Promise.all(
    Array.from({ length: accountCount }, async () => {
      const r = await post(apps.accounts, "/v1/accounts", { currency: "USD" });
      return ((await r.json()) as { account_id: string }).account_id;
    }),
  );
  accounts = opened;

  // JIT, connection pools and Kafka metadata warm up outside the measured window.
  await drive(rates[0] ?? 50, warmupS);
  const levels: Level[] = [];
  for (const rate of rates) {
    await Bun.sleep(settleS * 1000);
    const level = await runLevel(rate);
    levels.push(level);
    console.error(summary(level));
    if (!level.sustainable && rates.length > 1 && !values["keep-going"]) {
      console.error(`stopping the sweep: ${rate}/s is not sustainable`);
      break;
    }
  }
  const best = levels.filter((l) => l.sustainable).at(-1);
  const result = {
    date: new Date().toISOString(),
    bun: Bun.version,
    command,
    settings: {
      durationS,
      warmupS,
      settleS,
      accounts: accountCount,
      tracing,
      logLevel,
      p99BoundMs,
      drainTimeoutS,
      sustainableMeans: `completed ≥ 95% of offered, errors < 1%, client p99 ≤ ${p99BoundMs} ms, all projected`,
    },
    levels,
    maxSustainablePerSecond: best?.offeredPerSecond ?? null,
  };
  if (values.json) writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
  else console.log(JSON.stringify(result, null, 2));
  console.error(
    `max sustainable: ${result.maxSustainablePerSecond ?? "none"} transfers/s (tracing ${tracing ? "on" : "off"})`,
  );
} finally {
  await readmodelDb.end();
  await Promise.all(Object.values(apps).map(stopApp));
}
