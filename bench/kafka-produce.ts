// Kafka produce throughput (issue #6, item 1; librdkafka on Bun: issue #12): the @obs/kafka
// port's `librdkafka` adapter (librdkafka's C library through bun:ffi) and `platformatic`
// adapter on Bun and its `confluent` adapter (librdkafka's Node.js addon) on Node.js, beside
// Kafka's own
// org.apache.kafka.tools.ProducerPerformance from the broker's jars (client defaults) as the
// reference, against the same broker in one run. acks=all and idempotence on everywhere;
// unkeyed values of each size, no headers (what ProducerPerformance sends); every run gets a
// fresh 3-partition topic and an unmeasured warm-up (10% of the messages) on another topic.
//
//   bun bench/kafka-produce.ts [--messages 1000000] [--sizes 100,1024] [--repeat 3] [--quick]
//                              [--batch 500 --in-flight 2] [--confluent-batch N
//                              --confluent-in-flight N] [--librdkafka-batch N
//                              --librdkafka-in-flight N] [--clients producer-perf,librdkafka,
//                              platformatic,confluent] [--json out.json] [--keep-topics]
//
// --quick: 200,000 messages, one round (about 25 s). The full run's default is 1,000,000
// messages and 3 rounds (the median is shown): ProducerPerformance cannot be warmed up across
// JVMs, and at 200,000 messages its figure is mostly JIT warm-up (this machine: ~150k msg/s at
// 100 B, versus ~440k at 1M and ~630k at 2M), which would flatter the port clients.
//
// Figures: messages/s and MB/s (values only, MB = 2^20 bytes, as ProducerPerformance counts),
// latency of each send() call for the port clients and of each record for ProducerPerformance,
// CPU cores used by the client, the broker and anything else during the measured phase. Every
// topic's high watermarks are checked afterwards: exactly `messages` records, no duplicates.
import { parseArgs } from "node:util";
import { type Admin, createKafka, type Logger } from "@obs/kafka";
import { ENDPOINTS } from "../infra/local/config.ts";
import { up } from "../infra/local/infra.ts";
import { ensureKafkaJars, requireJava17 } from "../infra/local/install.ts";
import {
  buildNodeWorker,
  type Measured,
  type PerfSummary,
  producerPerfCommand,
  runPortWorker,
  runProducerPerf,
  type Window,
} from "./kafka-produce/processes.ts";
import type { WorkerConfig, WorkerResult } from "./kafka-produce/worker.ts";
import { percentile } from "./support/histogram.ts";

/**
 * Send shape of the port clients: `batch` messages per producer.send() call, `inFlight` calls
 * outstanding. Chosen by sweeping batch 250–5000 × in-flight 1–8 (3 rounds of 200k messages,
 * 2 cores, median msg/s at 100 B / 1 KiB):
 *
 *   platformatic   250×2 521k/323k   500×2 552k/369k   500×4 507k/321k   1000×1 422k/245k
 *                  1000×2 569k/172k  1000×4 369k/133k  2000×2 369k/254k  5000×any: fails at 1 KiB
 *   confluent      500×2 96k/102k    1000×4 98k/90k    2000×4 97k/96k    10000×2 90k/87k
 *
 * - platformatic: @platformatic/kafka's idempotent producer forces maxInflights = 1 per
 *   connection, and each send() becomes one produce request (one record batch per partition),
 *   so more sends in flight only queue; two overlap building the next request with the round
 *   trip. 1 KiB × 1000 per request is oddly slow (the broker's CPU rises), and a send of more
 *   than 1 MiB per partition fails with MESSAGE_TOO_LARGE (the adapter does not split it).
 * - librdkafka (bun:ffi, linger.ms 0; 200k, 1 round, next to platformatic in the same run):
 *   1000×4 1.42×/1.06× platformatic, 5000×4 1.12×/1.09×, 2000×8 1.34×/1.31×: librdkafka batches
 *   what is queued while its 5 requests are in flight, so more messages outstanding help.
 * - confluent: the adapter hands each message to librdkafka in its own KafkaJS send() and
 *   librdkafka batches on the wire (linger.ms 5), so the shape barely matters: the Node.js
 *   main thread is saturated by the per-message KafkaJS calls; 500×2 has the lowest latency.
 */
const DEFAULTS = {
  librdkafka: { batch: 2000, inFlight: 8 },
  platformatic: { batch: 500, inFlight: 2 },
  confluent: { batch: 500, inFlight: 2 },
} as const;

const { values } = parseArgs({
  options: {
    messages: { type: "string" },
    sizes: { type: "string", default: "100,1024" },
    quick: { type: "boolean", default: false },
    repeat: { type: "string" },
    warmup: { type: "string" },
    batch: { type: "string" },
    "in-flight": { type: "string" },
    "confluent-batch": { type: "string" },
    "confluent-in-flight": { type: "string" },
    "librdkafka-batch": { type: "string" },
    "librdkafka-in-flight": { type: "string" },
    clients: { type: "string", default: "producer-perf,librdkafka,platformatic,confluent" },
    json: { type: "string" },
    "keep-topics": { type: "boolean", default: false },
  },
});

const quick = values.quick ?? false;
const messages = Number(values.messages ?? (quick ? 200_000 : 1_000_000));
const repeat = Number(values.repeat ?? (quick ? 1 : 3));
const sizes = (values.sizes ?? "100,1024").split(",").map(Number);
const warmupMessages = Number(values.warmup ?? Math.max(5_000, Math.round(messages / 10)));
const shapes = {
  librdkafka: {
    batch: Number(values["librdkafka-batch"] ?? DEFAULTS.librdkafka.batch),
    inFlight: Number(values["librdkafka-in-flight"] ?? DEFAULTS.librdkafka.inFlight),
  },
  platformatic: {
    batch: Number(values.batch ?? DEFAULTS.platformatic.batch),
    inFlight: Number(values["in-flight"] ?? DEFAULTS.platformatic.inFlight),
  },
  confluent: {
    batch: Number(values["confluent-batch"] ?? values.batch ?? DEFAULTS.confluent.batch),
    inFlight: Number(
      values["confluent-in-flight"] ?? values["in-flight"] ?? DEFAULTS.confluent.inFlight,
    ),
  },
};
const CLIENTS = ["producer-perf", "librdkafka", "platformatic", "confluent"] as const;
type ClientName = (typeof CLIENTS)[number];
const clients = (values.clients ?? "").split(",").filter(Boolean) as ClientName[];
for (const value of [
  messages,
  warmupMessages,
  repeat,
  ...sizes,
  ...Object.values(shapes).flatMap(Object.values),
]) {
  if (!Number.isInteger(value) || value < 0) throw new Error(`not a count: ${value}`);
}
for (const client of clients) {
  if (!(CLIENTS as readonly string[]).includes(client)) {
    throw new Error(`unknown client ${client} (${CLIENTS.join(", ")})`);
  }
}

const command = `bun bench/kafka-produce.ts ${process.argv.slice(2).join(" ")}`.trim();
const brokers = process.env.KAFKA_BROKERS ?? ENDPOINTS.kafkaBrokers;
const CHILD_TIMEOUT_MS = 10 * 60_000;
const MB = 1024 * 1024;

const quiet: Logger = { info: () => {}, warn: () => {}, error: (m, f) => console.error(m, f) };
const log = (line: string) => console.error(`kafka-produce: ${line}`);

interface Row {
  size: number;
  client: ClientName;
  runtime: string;
  messages: number;
  messagesPerSec: number;
  mbPerSec: number;
  /** Per send() call (port clients) or per record (ProducerPerformance), milliseconds. */
  latency: { unit: "send" | "record"; p50: number; p99: number; max: number };
  batch?: number;
  inFlight?: number;
  /**
   * CPU cores busy over the measured phase (ProducerPerformance: over the JVM's whole life,
   * start-up and JIT included): the client, the broker, and everything else on the machine
   * (other processes competing for the cores; should be near 0 for a clean run).
   */
  cores: { client: number | undefined; broker: number | undefined; other: number | undefined };
  /** Sum of the topic's high watermarks after the run: must equal `messages`. */
  stored: number;
  ratioToProducerPerf?: number;
  /** messages/s relative to the platformatic adapter at the same size, in the same run. */
  ratioToPlatformatic?: number;
  /** messages/s of every run (--repeat); the row's figures are those of the median run. */
  runsMessagesPerSec?: number[];
  summaryLine?: string;
}

async function stored(admin: Admin, topic: string): Promise<number> {
  const partitions = await admin.lag("bench-produce-verify", [topic]);
  return partitions.reduce((sum, p) => sum + Number(p.highWatermark), 0);
}

function cores(window: Window, clientCpuMs: number | undefined): Row["cores"] {
  const per = (ms: number | undefined) => (ms === undefined ? undefined : ms / window.wallMs);
  const other =
    window.machineBusyMs === undefined || clientCpuMs === undefined
      ? undefined
      : Math.max(0, window.machineBusyMs - clientCpuMs - (window.brokerCpuMs ?? 0));
  return { client: per(clientCpuMs), broker: per(window.brokerCpuMs), other: per(other) };
}

function portRow(
  size: number,
  client: ClientName,
  shape: { batch: number; inFlight: number },
  run: Measured<WorkerResult>,
  count: number,
): Row {
  const r = run.result;
  const seconds = r.elapsedMs / 1000;
  return {
    size,
    client,
    runtime: r.runtime,
    messages: r.acked,
    messagesPerSec: r.acked / seconds,
    mbPerSec: (r.acked * size) / MB / seconds,
    latency: {
      unit: "send",
      p50: percentile(r.sendMs, 0.5),
      p99: percentile(r.sendMs, 0.99),
      max: r.sendMs.at(-1) ?? Number.NaN,
    },
    batch: shape.batch,
    inFlight: shape.inFlight,
    cores: cores(run.window, r.cpuMs),
    stored: count,
  };
}

function perfRow(size: number, run: Measured<PerfSummary>, java: string, count: number): Row {
  const s = run.result;
  return {
    size,
    client: "producer-perf",
    runtime: java,
    messages: s.records,
    messagesPerSec: s.recordsPerSec,
    mbPerSec: s.mbPerSec,
    latency: { unit: "record", p50: s.p50Ms, p99: s.p99Ms, max: s.maxLatencyMs },
    cores: cores(run.window, run.processCpuMs),
    stored: count,
    summaryLine: s.line,
  };
}

function javaVersion(java: string): string {
  const out = Bun.spawnSync([java, "-version"], { stderr: "pipe" }).stderr.toString();
  return `java ${/version "([^"]+)"/.exec(out)?.[1] ?? "?"}`;
}

function nodeVersion(): string {
  return `node ${Bun.spawnSync(["node", "--version"]).stdout.toString().trim()}`;
}

const fmt = (n: number | undefined, digits = 0) =>
  n === undefined || Number.isNaN(n)
    ? "–"
    : n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

function table(rows: Row[]): string {
  const header = [
    "size",
    "client",
    "runtime",
    "msg/s",
    "runs (k msg/s)",
    "MB/s",
    "× PP",
    "× plt",
    "p50 ms",
    "p99 ms",
    "latency of",
    "batch×in-flight",
    "CPU client",
    "broker",
    "other",
    "stored",
  ];
  const body = rows.map((r) => [
    `${r.size} B`,
    r.client,
    r.runtime,
    fmt(r.messagesPerSec),
    (r.runsMessagesPerSec ?? []).map((v) => Math.round(v / 1000)).join(" "),
    fmt(r.mbPerSec, 1),
    r.ratioToProducerPerf === undefined ? "–" : fmt(r.ratioToProducerPerf, 2),
    r.ratioToPlatformatic === undefined ? "–" : fmt(r.ratioToPlatformatic, 2),
    fmt(r.latency.p50, 1),
    fmt(r.latency.p99, 1),
    r.latency.unit,
    r.batch === undefined ? "(its own)" : `${r.batch}×${r.inFlight}`,
    ...[r.cores.client, r.cores.broker, r.cores.other].map(
      (c) => fmt(c, 2) + (r.client === "producer-perf" ? "*" : ""),
    ),
    r.stored === r.messages ? `${r.stored} ✓` : `${r.stored} ✗`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? "").length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i < 3 || i === 4 || i === 10 || i === 11 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")} |`;
  return [
    line(header),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...body.map(line),
  ].join("\n");
}

// --- run -----------------------------------------------------------------------------------

const started = performance.now();
if (!process.env.KAFKA_BROKERS) await up(["kafka"], { quiet: true });
const java = requireJava17();
const libs = ensureKafkaJars();
const nodeWorker = clients.includes("confluent") ? await buildNodeWorker() : "";
const kafka = await createKafka({
  brokers: brokers.split(","),
  clientId: "bench-produce-admin",
  adapter: "platformatic",
  logger: quiet,
});
const admin = await kafka.admin();
const runId = `${Date.now().toString(36)}`;
const topics: string[] = [];
const rows: Row[] = [];

async function measure(
  client: ClientName,
  size: number,
  topic: string,
  warmupTopic: string,
): Promise<Row> {
  if (client === "producer-perf") {
    // A JVM cannot be warmed up across runs: the warm-up run warms the broker and the page
    // cache; the measured JVM still JIT-compiles as it goes (its figure includes that).
    if (warmupMessages > 0) {
      await runProducerPerf(
        producerPerfCommand(libs, brokers, warmupTopic, warmupMessages, size).with(0, java),
        CHILD_TIMEOUT_MS,
      );
    }
    const run = await runProducerPerf(
      producerPerfCommand(libs, brokers, topic, messages, size).with(0, java),
      CHILD_TIMEOUT_MS,
    );
    return perfRow(size, run, javaVersion(java), await stored(admin, topic));
  }
  const shape = shapes[client];
  const config: WorkerConfig = {
    adapter: client,
    brokers: brokers.split(","),
    topic,
    warmupTopic,
    messages,
    warmupMessages,
    size,
    ...shape,
  };
  const cmd =
    client === "confluent" ? ["node", nodeWorker] : ["bun", "bench/kafka-produce/worker.ts"];
  const run = await runPortWorker(cmd, config, CHILD_TIMEOUT_MS);
  return portRow(size, client, shape, run, await stored(admin, topic));
}

async function freshTopic(name: string): Promise<string> {
  const topic = `bench.produce.${runId}.${name}`;
  await admin.createTopics([{ topic, partitions: 3, replicationFactor: 1 }]);
  topics.push(topic);
  return topic;
}

/** All runs of one client at one size; the row shown is the median run by messages/s. */
const runs = new Map<string, Row[]>();

try {
  // Rounds go through every size and client in turn, so a slow spell of the machine (or of
  // the broker: log roll, page-cache write-back) is spread over all clients, not one.
  for (let round = 1; round <= repeat; round++) {
    for (const size of sizes) {
      for (const client of clients) {
        const tag = `${client}.${size}.r${round}`;
        const topic = await freshTopic(tag);
        const warmupTopic = await freshTopic(`${tag}.warmup`);
        log(`round ${round}/${repeat}: ${client}, ${size} B × ${messages} → ${topic}`);
        const row = await measure(client, size, topic, warmupTopic);
        log(`  ${fmt(row.messagesPerSec)} msg/s, ${fmt(row.mbPerSec, 1)} MB/s`);
        const key = `${size}:${client}`;
        runs.set(key, [...(runs.get(key) ?? []), row]);
      }
    }
    // Keeps the broker's disk use to one round's worth.
    if (!values["keep-topics"]) await admin.deleteTopics(topics.splice(0)).catch(() => {});
  }
} finally {
  if (!values["keep-topics"]) await admin.deleteTopics(topics).catch(() => {});
  await kafka.close();
}

for (const size of sizes) {
  for (const client of clients) {
    const all = [...(runs.get(`${size}:${client}`) ?? [])];
    const sorted = all.sort((x, y) => x.messagesPerSec - y.messagesPerSec);
    const median = sorted[Math.floor((sorted.length - 1) / 2)];
    if (!median) continue;
    rows.push({
      ...median,
      runsMessagesPerSec: all.map((r) => Math.round(r.messagesPerSec)),
      stored: Math.min(...all.map((r) => r.stored)),
    });
  }
}

for (const row of rows) {
  const base = rows.find((r) => r.size === row.size && r.client === "producer-perf");
  if (base && row.client !== "producer-perf") {
    row.ratioToProducerPerf = row.messagesPerSec / base.messagesPerSec;
  }
  const platformatic = rows.find((r) => r.size === row.size && r.client === "platformatic");
  if (platformatic && row.client !== "producer-perf" && row.client !== "platformatic") {
    row.ratioToPlatformatic = row.messagesPerSec / platformatic.messagesPerSec;
  }
}

const report = {
  date: new Date().toISOString(),
  bun: Bun.version,
  node: nodeVersion(),
  java: javaVersion(java),
  command,
  broker: brokers,
  messages,
  warmupMessages,
  repeat,
  sizes,
  settings: {
    acks: "all",
    idempotence: true,
    partitions: 3,
    keys: "none",
    shapes,
    producerPerf: "client defaults (batch.size 16384, linger.ms 5, 5 in flight)",
  },
  wallSeconds: Math.round((performance.now() - started) / 100) / 10,
  results: rows,
};

console.log(
  `\nKafka produce, ${messages} messages per client and size, acks=all, idempotent, 3 partitions`,
);
console.log(`${report.date} · bun ${report.bun} · ${report.node} · ${report.java}`);
console.log(`$ ${command}\n`);
console.log(table(rows));
console.log(
  "\nEach row is the median of the runs listed (by messages/s). " +
    "× PP: messages/s relative to ProducerPerformance at the same size; × plt: to the platformatic adapter. Latency: per send() call " +
    "for the port clients (a whole batch), per record for ProducerPerformance. " +
    "CPU: cores busy during the measured phase (client, broker, anything else on the machine); " +
    "* over the whole JVM's life, start-up and JIT included.",
);
console.log(`\n${JSON.stringify(report, null, 2)}`);
if (values.json) await Bun.write(values.json, `${JSON.stringify(report, null, 2)}\n`);
const bad = rows.filter((r) => r.stored !== messages || r.messages !== messages);
if (bad.length > 0) {
  console.error(`kafka-produce: stored counts differ for ${bad.map((r) => r.client).join(", ")}`);
  process.exit(1);
}
