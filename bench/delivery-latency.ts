// Delivery latency adder → Kafka → totalizer at a steady rate, from the histogram the
// totalizer exports (kafka_message_delivery_latency, ms). Starts the real infrastructure and
// both apps as processes, drives Adder.Add over gRPC in an open loop, and reports achieved
// rate, client-side Add latency and delivery-latency quantiles.
//
//   bun bench/delivery-latency.ts --rate 1000 --duration 60 [--tracing off]
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { loadProto } from "@obs/proto";
import { up, wantedServices } from "../infra/local/infra.ts";
import { runApp, stopApp } from "../scripts/app-process.ts";
import { migrateAll } from "../scripts/migrate.ts";
import { count, diffBuckets, parseBuckets, percentile, quantile } from "./support/histogram.ts";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "1000" },
    duration: { type: "string", default: "60" },
    warmup: { type: "string", default: "5" },
    tracing: { type: "string", default: "on" },
  },
});
const rate = Number(values.rate);
const durationS = Number(values.duration);
const warmupS = Number(values.warmup);
const tracing = values.tracing !== "off";

await up(wantedServices(), { quiet: true });
await migrateAll();
const env: Record<string, string> = tracing ? {} : { OTEL_TRACES_EXPORTER: "none" };
const [adder, totalizer] = await Promise.all([
  runApp("adder", { env }),
  runApp("totalizer", { env }),
]);

const { grpc: proto } = loadProto("adder");
const client = new proto.adder.v1.Adder(
  `127.0.0.1:${adder.grpcPort}`,
  grpc.credentials.createInsecure(),
);
const MAX_IN_FLIGHT = 4000;

async function drive(seconds: number, record: boolean) {
  const latencies: number[] = [];
  let sent = 0;
  let errors = 0;
  let skipped = 0;
  let inFlight = 0;
  const tickMs = 5;
  const perTick = (rate * tickMs) / 1000;
  let owed = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  const pending: Promise<void>[] = [];
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - start) / tickMs) * perTick) - sent - skipped;
    owed = Math.max(0, due);
    for (let i = 0; i < owed; i++) {
      if (inFlight >= MAX_IN_FLIGHT) {
        skipped++;
        continue;
      }
      sent++;
      inFlight++;
      const t0 = performance.now();
      pending.push(
        new Promise<void>((resolve) => {
          client.Add({ a: String(sent), b: "1" }, (error) => {
            inFlight--;
            if (error) errors++;
            else if (record) latencies.push(performance.now() - t0);
            resolve();
          });
        }),
      );
    }
    await Bun.sleep(tickMs);
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  return { sent, errors, skipped, elapsed, latencies: latencies.sort((a, b) => a - b) };
}

const metrics = async () => (await fetch(totalizer.url("/metrics"))).text();
const delivered = async () =>
  BigInt(
    ((await (await fetch(totalizer.url("/v1/total"))).json()) as { message_count: string })
      .message_count,
  );
const onSums = (labels: string) => labels.includes('topic="adder.sums.v1"');

try {
  await drive(warmupS, false);
  const countBefore = await delivered();
  const before = parseBuckets(await metrics(), "kafka_message_delivery_latency", onSums);
  const run = await drive(durationS, true);
  const expected = countBefore + BigInt(run.sent - run.errors);
  const drainStart = performance.now();
  while ((await delivered()) < expected && performance.now() - drainStart < 60_000)
    await Bun.sleep(100);
  const buckets = diffBuckets(
    parseBuckets(await metrics(), "kafka_message_delivery_latency", onSums),
    before,
  );
  const result = {
    date: new Date().toISOString(),
    bun: Bun.version,
    command: `bun bench/delivery-latency.ts --rate ${rate} --duration ${durationS} --tracing ${tracing ? "on" : "off"}`,
    targetRate: rate,
    achievedRate: Math.round(run.sent / run.elapsed),
    sent: run.sent,
    errors: run.errors,
    skipped: run.skipped,
    delivered: count(buckets),
    deliveryMs: {
      p50: quantile(0.5, buckets),
      p95: quantile(0.95, buckets),
      p99: quantile(0.99, buckets),
    },
    addMs: {
      p50: percentile(run.latencies, 0.5),
      p99: percentile(run.latencies, 0.99),
      max: run.latencies.at(-1),
    },
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  client.close();
  await Promise.all([stopApp(adder), stopApp(totalizer)]);
}
