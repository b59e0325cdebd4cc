// End-to-end delivery latency adder → Kafka → totalizer (issue #6, item 2), from the histogram
// the totalizer exports (kafka_message_delivery_latency, ms, bucket-interpolated exactly like
// histogram_quantile): fixed rates, then the highest sustainable one, with tracing on and off,
// and with the adder producing through each Kafka client on Bun (librdkafka through bun:ffi,
// platformatic). Starts the real infrastructure and both apps as processes (as `bun run dev`
// does) once per client and tracing mode and offers each rate in an open loop.
//
//   bun bench/delivery-latency.ts [--rates 100,1000,10000] [--tracing on,off] [--duration 30]
//                                 [--clients librdkafka,platformatic] [--warmup 5] [--no-max]
//                                 [--stream-above 2000] [--quick] [--json out.json]
//
// Rates up to --stream-above are offered as unary Adder.Add calls (bench/load's open loop, one
// message per call); higher ones as 4 client streams (AddStream), which is how a producer of
// ten thousand messages a second would talk to the adder. "Sustainable": at least 95% of the
// offered rate acknowledged, no errors, the totalizer caught up within 5 s of the end, and
// delivery p99 under 1 s. The search doubles from 2,000 msg/s until a level fails.
import { parseArgs } from "node:util";
import { up, wantedServices } from "../infra/local/infra.ts";
import { runApps, stopApp } from "../scripts/app-process.ts";
import { migrateAll } from "../scripts/migrate.ts";
import { driveStreams } from "./delivery/stream-driver.ts";
import { runLoad } from "./load/index.ts";
import { count, diffBuckets, parseBuckets, quantile } from "./support/histogram.ts";
import { commandLine, writeJson } from "./support/report.ts";

const { values } = parseArgs({
  options: {
    rates: { type: "string" },
    tracing: { type: "string", default: "on,off" },
    clients: { type: "string", default: "librdkafka,platformatic" },
    duration: { type: "string" },
    warmup: { type: "string" },
    "no-max": { type: "boolean", default: false },
    "stream-above": { type: "string", default: "2000" },
    quick: { type: "boolean", default: false },
    json: { type: "string" },
  },
});
const quick = values.quick;
const rates = (values.rates ?? "100,1000,10000").split(",").map(Number);
const tracingModes = values.tracing.split(",").map((m) => m.trim() !== "off");
const clients = values.clients.split(",").map((c) => c.trim());
const modes = clients.flatMap((client) => tracingModes.map((tracing) => ({ client, tracing })));
const durationS = Number(values.duration ?? (quick ? 8 : 30));
const warmupS = Number(values.warmup ?? (quick ? 2 : 5));
const searchMax = !values["no-max"] && !quick;
const streamAbove = Number(values["stream-above"]);
const DRAIN_LIMIT_MS = 30_000;
const CAUGHT_UP_MS = 5_000;

/** Only the add flow runs, so the transfer targets are never contacted. */
const addOnly = (grpcPort: number) => ({
  adderAddr: `127.0.0.1:${grpcPort}`,
  orchestratorUrl: "http://127.0.0.1:1",
  accountsUrl: "http://127.0.0.1:1",
});

export interface Level {
  /** The Kafka client both apps ran (KAFKA_CLIENT); absent in results from before issue 12. */
  client?: string;
  tracing: boolean;
  offeredRate: number;
  driver: "unary" | "stream";
  search: boolean;
  achievedRate: number;
  sent: number;
  errors: number;
  /** Observations in the histogram during the level. */
  delivered: number;
  /** How long after the last send the totalizer had counted every message (null: not in 30 s). */
  drainMs: number | null;
  deliveryMs: { p50: number; p95: number; p99: number; maxBucket: number };
  /** Client-side Add latency (unary only). */
  addMs: { p50: number; p99: number; max: number } | null;
}

/** Upper bound of the highest non-empty bucket: the most a histogram can say of the maximum. */
function maxBucket(buckets: Map<number, number>): number {
  const sorted = [...buckets].sort(([a], [b]) => a - b);
  let previous = 0;
  for (const [le, cumulative] of sorted) {
    if (cumulative === count(buckets)) return le;
    previous = cumulative;
  }
  return previous === 0 ? Number.NaN : Number.POSITIVE_INFINITY;
}

async function measureMode({
  client,
  tracing,
}: {
  client: string;
  tracing: boolean;
}): Promise<Level[]> {
  const env: Record<string, string> = {
    KAFKA_CLIENT: client,
    ...(tracing
      ? { OTEL_BSP_SCHEDULE_DELAY: process.env.OTEL_BSP_SCHEDULE_DELAY ?? "200" }
      : { OTEL_TRACES_EXPORTER: "none" }),
  };
  const { adder, totalizer } = await runApps(["adder", "totalizer"], () => ({ env }));
  const metrics = async () => (await fetch(totalizer.url("/metrics"))).text();
  const delivered = async () =>
    Number(
      ((await (await fetch(totalizer.url("/v1/total"))).json()) as { message_count: string })
        .message_count,
    );
  const onSums = (labels: string) => labels.includes('topic="adder.sums.v1"');

  async function drive(rate: number, seconds: number) {
    if (rate > streamAbove) {
      const r = await driveStreams(`127.0.0.1:${adder.grpcPort}`, { rate, seconds });
      return { driver: "stream" as const, ...r, addMs: null };
    }
    const summary = await runLoad({
      flows: ["add"],
      rate,
      durationMs: seconds * 1000,
      maxInFlight: 4000,
      targets: addOnly(adder.grpcPort),
    });
    const add = summary.flows.add;
    if (!add) throw new Error("the add flow reported nothing");
    return {
      driver: "unary" as const,
      sent: add.ok,
      errors: add.errors + add.skipped + add.unfinished,
      achievedRate: add.okRate,
      addMs: { p50: add.latencyMs.p50, p99: add.latencyMs.p99, max: add.latencyMs.max },
    };
  }

  async function level(rate: number, search: boolean, seconds: number): Promise<Level> {
    await drive(rate, warmupS);
    const countBefore = await delivered();
    const before = parseBuckets(await metrics(), "kafka_message_delivery_latency", onSums);
    const run = await drive(rate, seconds);
    const drainStart = performance.now();
    let drainMs: number | null = null;
    while (performance.now() - drainStart < DRAIN_LIMIT_MS) {
      if ((await delivered()) >= countBefore + run.sent) {
        drainMs = Math.round(performance.now() - drainStart);
        break;
      }
      await Bun.sleep(50);
    }
    const buckets = diffBuckets(
      parseBuckets(await metrics(), "kafka_message_delivery_latency", onSums),
      before,
    );
    const result: Level = {
      client,
      tracing,
      offeredRate: rate,
      driver: run.driver,
      search,
      achievedRate: Math.round(run.achievedRate),
      sent: run.sent,
      errors: run.errors,
      delivered: count(buckets),
      drainMs,
      deliveryMs: {
        p50: quantile(0.5, buckets),
        p95: quantile(0.95, buckets),
        p99: quantile(0.99, buckets),
        maxBucket: maxBucket(buckets),
      },
      addMs: run.addMs,
    };
    const d = result.deliveryMs;
    console.error(
      `delivery: ${client}, tracing ${tracing ? "on " : "off"} ${String(rate).padStart(6)} msg/s (${run.driver}) → ${result.achievedRate}/s, ` +
        `p50 ${d.p50.toFixed(1)} p95 ${d.p95.toFixed(1)} p99 ${d.p99.toFixed(1)} ms, max ≤ ${d.maxBucket} ms, ` +
        `errors ${result.errors}, drained ${drainMs === null ? "no" : `${drainMs} ms`}`,
    );
    return result;
  }

  const levels: Level[] = [];
  try {
    await untilConsuming(adder.grpcPort, delivered);
    for (const rate of rates) levels.push(await level(rate, false, durationS));
    if (searchMax) {
      for (let rate = 2000; rate <= 128_000; rate *= 2) {
        const result = await level(rate, true, 10);
        levels.push(result);
        if (!sustainable(result)) break;
      }
    }
  } finally {
    await Promise.all([stopApp(adder), stopApp(totalizer)]);
  }
  return levels;
}

/**
 * Waits until an Add reaches the totalizer. /healthz answers before the consumer has joined
 * its group and been assigned partitions (the broker delays a new group's first rebalance by
 * group.initial.rebalance.delay.ms, 3 s by default), and messages produced meanwhile would
 * be measured as seconds of delivery latency.
 */
async function untilConsuming(grpcPort: number, delivered: () => Promise<number>) {
  const deadline = performance.now() + 60_000;
  const before = await delivered();
  while (performance.now() < deadline) {
    await runLoad({
      flows: ["add"],
      rate: 20,
      durationMs: 500,
      targets: addOnly(grpcPort),
    });
    if ((await delivered()) > before) return;
    await Bun.sleep(500);
  }
  throw new Error("the totalizer consumed nothing within 60 s");
}

export function sustainable(level: Level): boolean {
  return (
    level.achievedRate >= 0.95 * level.offeredRate &&
    level.errors === 0 &&
    level.drainMs !== null &&
    level.drainMs <= CAUGHT_UP_MS &&
    level.deliveryMs.p99 < 1000
  );
}

if (import.meta.main) {
  await up(wantedServices(), { quiet: true });
  await migrateAll();
  const levels: Level[] = [];
  for (const mode of modes) levels.push(...(await measureMode(mode)));
  const maxSustainable = modes.map(({ client, tracing }) => {
    const passing = levels.filter(
      (l) => l.client === client && l.tracing === tracing && l.search && sustainable(l),
    );
    return { client, tracing, rate: passing.at(-1)?.offeredRate ?? null, searched: searchMax };
  });
  const result = {
    date: new Date().toISOString(),
    bun: Bun.version,
    command: commandLine(),
    durationS,
    warmupS,
    streamAbove,
    levels,
    maxSustainable,
  };
  console.log(JSON.stringify(result, null, 2));
  if (values.json) await writeJson(values.json, result);
}

export type DeliveryResult = {
  levels: Level[];
  maxSustainable: { client?: string; tracing: boolean; rate: number | null; searched: boolean }[];
};
