// Child processes of the produce benchmark: the port worker under Bun or Node.js, Kafka's own
// ProducerPerformance on Java, and the broker's CPU time read from /proc.
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, STATE_DIR } from "../../infra/local/config.ts";
import { runningPid } from "../../infra/local/process.ts";
import { ensureConfluentBuild } from "../../lib/kafka/scripts/build-confluent.ts";
import type { WorkerConfig, WorkerResult } from "./worker.ts";

const WORKER_TS = join(import.meta.dir, "worker.ts");
/** Ignored by git and biome (STATE_DIR is `.local/`). */
const BUNDLE_DIR = join(STATE_DIR, "bench", "kafka-produce");

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux x86-64). */
const CLK_TCK = 100;

/** The broker's pid when this checkout started it natively; undefined under Docker. */
export function brokerPid(): number | undefined {
  try {
    return runningPid("kafka");
  } catch {
    return undefined;
  }
}

/** utime + stime of a process, milliseconds; undefined if it cannot be read. */
export function cpuMsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/**
 * Builds the librdkafka addon into the cache if needed (a quick no-op when cached), then bundles
 * the worker for Node.js, which cannot run TypeScript (Node 20). Returns the bundle's path.
 */
export async function buildNodeWorker(): Promise<string> {
  ensureConfluentBuild();
  rmSync(BUNDLE_DIR, { recursive: true, force: true }); // no stale hashed chunks
  mkdirSync(BUNDLE_DIR, { recursive: true });
  const bundled = await Bun.build({
    entrypoints: [WORKER_TS],
    outdir: BUNDLE_DIR,
    target: "node",
    format: "esm",
    // Split, so the platformatic adapter (a dynamic import the confluent run never takes) stays
    // in its own chunk, and its bare `@platformatic/kafka` import is never resolved from here.
    splitting: true,
    naming: { entry: "[name].mjs", chunk: "[name]-[hash].mjs" },
    // Resolved by Node at run time: the addon from the cache, the other adapter never loaded.
    external: ["@confluentinc/kafka-javascript", "@platformatic/kafka"],
  });
  if (!bundled.success) {
    throw new AggregateError(bundled.logs, "bundling the Node.js worker failed");
  }
  const entry = bundled.outputs.find((o) => o.kind === "entry-point")?.path;
  if (!entry) throw new Error("the Node.js worker bundle has no entry point");
  return entry;
}

/** The whole machine's busy CPU time (all cores, /proc/stat), milliseconds. */
export function machineBusyMs(): number | undefined {
  try {
    const cpu = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
    // cpu  user nice system idle iowait irq softirq steal ...
    const [user, nice, system, , , irq, softirq, steal] = cpu
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const busy = [user, nice, system, irq, softirq, steal].reduce<number>(
      (a, b) => a + (b ?? 0),
      0,
    );
    return (busy * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

interface Sample {
  at: number;
  broker: number | undefined;
  busy: number | undefined;
}

function sample(broker: number | undefined): Sample {
  return { at: performance.now(), broker: cpuMsOf(broker), busy: machineBusyMs() };
}

/** What the machine did between two samples. */
export interface Window {
  wallMs: number;
  /** The broker's CPU time (undefined under Docker), milliseconds. */
  brokerCpuMs: number | undefined;
  /** Busy CPU time of the whole machine, all processes, milliseconds. */
  machineBusyMs: number | undefined;
}

function between(a: Sample | undefined, b: Sample | undefined): Window {
  const diff = (x: number | undefined, y: number | undefined) =>
    x === undefined || y === undefined ? undefined : y - x;
  return {
    wallMs: a && b ? b.at - a.at : Number.NaN,
    brokerCpuMs: diff(a?.broker, b?.broker),
    machineBusyMs: diff(a?.busy, b?.busy),
  };
}

export interface Measured<T> {
  result: T;
  /** The measured phase (port workers) or the whole JVM's life (ProducerPerformance). */
  window: Window;
  /** CPU time of the whole child process (start-up and warm-up included), milliseconds. */
  processCpuMs: number | undefined;
}

async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of stream) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      yield buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf("\n");
    }
  }
  if (buffered) yield buffered;
}

function processCpuMs(proc: Bun.Subprocess): number | undefined {
  const usage = proc.resourceUsage();
  return usage ? Number(usage.cpuTime.total) / 1000 : undefined;
}

/** Runs the port worker: `bun worker.ts` (platformatic) or `node <bundle>` (confluent). */
export async function runPortWorker(
  cmd: string[],
  config: WorkerConfig,
  timeoutMs: number,
): Promise<Measured<WorkerResult>> {
  const broker = brokerPid();
  const proc = Bun.spawn([...cmd, JSON.stringify(config)], {
    cwd: REPO_ROOT,
    stdout: "pipe",
    stderr: "pipe",
    timeout: timeoutMs,
  });
  const stderr = new Response(proc.stderr).text();
  let start: Sample | undefined;
  let end: Sample | undefined;
  let result: WorkerResult | undefined;
  for await (const line of lines(proc.stdout)) {
    if (!line.startsWith("{")) continue;
    const event = JSON.parse(line) as { event: string } & WorkerResult;
    if (event.event === "measure-start") start = sample(broker);
    else if (event.event === "measure-end") end = sample(broker);
    else if (event.event === "result") {
      const { event: _, ...rest } = event;
      result = rest;
    }
  }
  const code = await proc.exited;
  if (code !== 0 || !result) {
    const tail = (await stderr).trim().split("\n").slice(-8).join("\n");
    throw new Error(`${cmd.join(" ")} (${config.adapter}) exited with ${code}:\n${tail}`);
  }
  return { result, window: between(start, end), processCpuMs: processCpuMs(proc) };
}

export interface PerfSummary {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  /** The summary line as printed. */
  line: string;
}

// 200000 records sent, 61977.1 records/sec (5.91 MB/sec), 505.63 ms avg latency, 893.00 ms max
// latency, 566 ms 50th, 824 ms 95th, 841 ms 99th, 891 ms 99.9th.
const SUMMARY =
  /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$/m;

/** Parses ProducerPerformance's final summary (the only line with percentiles). */
export function parsePerfSummary(output: string): PerfSummary | undefined {
  const match = SUMMARY.exec(output);
  if (!match) return undefined;
  const n = match.slice(1).map(Number) as number[];
  return {
    records: n[0] ?? 0,
    recordsPerSec: n[1] ?? 0,
    mbPerSec: n[2] ?? 0,
    avgLatencyMs: n[3] ?? 0,
    maxLatencyMs: n[4] ?? 0,
    p50Ms: n[5] ?? 0,
    p95Ms: n[6] ?? 0,
    p99Ms: n[7] ?? 0,
    p999Ms: n[8] ?? 0,
    line: match[0],
  };
}

export function producerPerfCommand(
  libs: string,
  brokers: string,
  topic: string,
  records: number,
  size: number,
): string[] {
  return [
    "java",
    "-Xmx512m",
    "-cp",
    `${libs}/*`,
    "org.apache.kafka.tools.ProducerPerformance",
    "--topic",
    topic,
    "--num-records",
    String(records),
    "--record-size",
    String(size),
    "--throughput",
    "-1",
    "--producer-props",
    `bootstrap.servers=${brokers}`,
    "acks=all",
    "enable.idempotence=true",
  ];
}

/** Runs ProducerPerformance to completion; the machine is sampled around the whole JVM. */
export async function runProducerPerf(
  cmd: string[],
  timeoutMs: number,
): Promise<Measured<PerfSummary>> {
  const broker = brokerPid();
  const start = sample(broker);
  const proc = Bun.spawn(cmd, {
    cwd: REPO_ROOT,
    stdout: "pipe",
    stderr: "pipe",
    timeout: timeoutMs,
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  const end = sample(broker);
  const summary = parsePerfSummary(stdout);
  if (code !== 0 || !summary) {
    const tail = `${stdout}\n${stderr}`.trim().split("\n").slice(-8).join("\n");
    throw new Error(`ProducerPerformance exited with ${code}, no summary line:\n${tail}`);
  }
  return { result: summary, window: between(start, end), processCpuMs: processCpuMs(proc) };
}
