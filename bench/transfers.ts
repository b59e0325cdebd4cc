// Transfers through the whole seed-000 system at a steady rate: POST /v1/transfers on the
// orchestrator (→ accounts, → ledger + outbox), relay → Kafka → read model. Reports achieved
// transfers/s, client-side and exported (transfer_latency_seconds) latency, and the
// outbox-to-read-model lag of each entry: the read model's processed_at minus the ledger's
// posted_at (the commit that wrote the outbox row), both read from PostgreSQL.
//
//   bun bench/transfers.ts --rate 200 --duration 30
import { parseArgs } from "node:util";
import postgres from "postgres";
import { up, wantedServices } from "../infra/local/infra.ts";
import { databaseUrlFor } from "../lib/db/src/index.ts";
import { type RunningApp, runApp, stopApp } from "../scripts/app-process.ts";
import { migrateAll } from "../scripts/migrate.ts";
import { diffBuckets, parseBuckets, percentile, quantile } from "./support/histogram.ts";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "200" },
    duration: { type: "string", default: "30" },
    accounts: { type: "string", default: "50" },
    warmup: { type: "string", default: "5" },
  },
});
const rate = Number(values.rate);
const durationS = Number(values.duration);
const accountCount = Number(values.accounts);
const warmupS = Number(values.warmup);

await up(wantedServices(), { quiet: true });
await migrateAll();
const names = ["accounts", "ledger", "readmodel", "orchestrator"] as const;
const apps = Object.fromEntries(
  await Promise.all(names.map(async (n) => [n, await runApp(n)] as const)),
) as Record<(typeof names)[number], RunningApp>;
const readmodelDb = postgres(databaseUrlFor("readmodel"), { max: 1 });

const post = (app: RunningApp, path: string, body: unknown) =>
  fetch(app.url(path), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

try {
  const accounts: string[] = [];
  for (let i = 0; i < accountCount; i++) {
    const r = await post(apps.accounts, "/v1/accounts", { currency: "USD" });
    accounts.push(((await r.json()) as { account_id: string }).account_id);
  }
  const pick = () => accounts[Math.floor(Math.random() * accounts.length)] as string;
  const metrics = async () => (await fetch(apps.orchestrator.url("/metrics"))).text();

  /** Open loop at `rate` for `seconds`; every transfer between two random accounts. */
  async function drive(seconds: number) {
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
          }).then(async (r) => {
            await r.arrayBuffer();
            latencies.push(performance.now() - t);
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          }),
        );
      }
      await Bun.sleep(5);
    }
    await Promise.all(pending);
    return { sent, latencies, statuses, elapsed: (performance.now() - t0) / 1000 };
  }

  // JIT, connection pools and Kafka metadata warm up outside the measured window.
  await drive(warmupS);
  const before = parseBuckets(await metrics(), "transfer_latency_seconds");
  const start = new Date();
  const { sent, latencies, statuses, elapsed } = await drive(durationS);
  const exported = diffBuckets(parseBuckets(await metrics(), "transfer_latency_seconds"), before);

  // Let the outbox drain and the read model catch up before measuring the lag of this run.
  const created = statuses.get(201) ?? 0;
  const deadline = Date.now() + 60_000;
  let projected = 0;
  while (Date.now() < deadline) {
    const [row] =
      await readmodelDb`select count(distinct entry_id)::int as n from readmodel.statement_lines where posted_at >= ${start}`;
    projected = (row?.n as number) ?? 0;
    if (projected >= created) break;
    await Bun.sleep(200);
  }
  const [lag] = await readmodelDb`
    select percentile_cont(0.5) within group (order by ms) as p50,
           percentile_cont(0.99) within group (order by ms) as p99,
           max(ms) as max
    from (select distinct on (s.entry_id) extract(epoch from (e.processed_at - s.posted_at)) * 1000 as ms
          from readmodel.statement_lines s join readmodel.processed_events e on e.event_id = s.event_id
          where s.posted_at >= ${start}) t`;
  latencies.sort((a, b) => a - b);
  console.log(
    JSON.stringify(
      {
        date: new Date().toISOString(),
        bun: Bun.version,
        command: `bun bench/transfers.ts --rate ${rate} --duration ${durationS} --accounts ${accountCount} --warmup ${warmupS}`,
        targetRate: rate,
        achievedRate: Math.round(sent / elapsed),
        completedPerSecond: Math.round(created / elapsed),
        statuses: Object.fromEntries(statuses),
        clientMs: {
          p50: percentile(latencies, 0.5),
          p99: percentile(latencies, 0.99),
          max: latencies.at(-1),
        },
        transferLatencySeconds: { p50: quantile(0.5, exported), p99: quantile(0.99, exported) },
        projected,
        outboxToReadModelMs: {
          p50: Number(lag?.p50),
          p99: Number(lag?.p99),
          max: Number(lag?.max),
        },
      },
      null,
      2,
    ),
  );
} finally {
  await readmodelDb.end();
  await Promise.all(Object.values(apps).map(stopApp));
}
