// One producer run through the @obs/kafka port, in its own process: under Bun for the
// `librdkafka` (bun:ffi) and `platformatic` adapters, and bundled for Node.js (see ./node-bundle.ts) for `confluent`, whose
// librdkafka addon only loads there. The same code drives both, so they differ only in adapter.
//
// It reads a WorkerConfig (JSON) from argv[2], warms the producer up on its own topic (not
// measured), then sends `messages` values of `size` bytes with `inFlight` concurrent
// `producer.send()` calls of `batch` messages each, and prints JSON lines on stdout:
// {"event":"measure-start"} and {"event":"measure-end"} around the measured phase (so the parent
// can sample the broker's CPU), then {"event":"result", ...WorkerResult}. Logs go to stderr.
// No Bun-only APIs here: this file must run under Node.js as well.
import { inspect } from "node:util";
import { createKafka, type Logger, type OutgoingMessage, type Producer } from "@obs/kafka";

export interface WorkerConfig {
  adapter: "librdkafka" | "platformatic" | "confluent";
  brokers: string[];
  topic: string;
  warmupTopic: string;
  messages: number;
  warmupMessages: number;
  size: number;
  batch: number;
  inFlight: number;
}

export interface WorkerResult {
  adapter: string;
  runtime: string;
  messages: number;
  acked: number;
  elapsedMs: number;
  /** Wall time of each producer.send() call, milliseconds, sorted. */
  sendMs: number[];
  /** CPU time of this process during the measured phase (user + system), milliseconds. */
  cpuMs: number;
}

const stderrLogger: Logger = {
  info: (msg, fields) =>
    process.stderr.write(`${JSON.stringify({ level: "info", msg, ...fields })}\n`),
  warn: (msg, fields) =>
    process.stderr.write(`${JSON.stringify({ level: "warn", msg, ...fields })}\n`),
  error: (msg, fields) =>
    process.stderr.write(`${JSON.stringify({ level: "error", msg, ...fields })}\n`),
};

/** Like ProducerPerformance's --record-size payload: random upper-case letters, reused. */
export function payload(size: number): Buffer {
  const value = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) value[i] = 65 + Math.floor(Math.random() * 26);
  return value;
}

async function produce(
  producer: Producer,
  topic: string,
  total: number,
  value: Buffer,
  batch: number,
  inFlight: number,
) {
  const sendMs: number[] = [];
  let queued = 0;
  let acked = 0;
  // `inFlight` lanes, each awaiting its own send before issuing the next: at most `inFlight`
  // send() calls are outstanding at any time, and the last batches may be short.
  async function lane(): Promise<void> {
    while (queued < total) {
      const n = Math.min(batch, total - queued);
      queued += n;
      // Unkeyed, no headers: the same records ProducerPerformance sends.
      const messages: OutgoingMessage[] = new Array(n);
      for (let i = 0; i < n; i++) messages[i] = { topic, value };
      const t0 = performance.now();
      const reports = await producer.send(messages);
      sendMs.push(performance.now() - t0);
      acked += reports.length;
    }
  }
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, lane));
  return { acked, elapsedMs: performance.now() - start, sendMs: sendMs.sort((a, b) => a - b) };
}

function emit(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

export async function runWorker(config: WorkerConfig): Promise<WorkerResult> {
  const kafka = await createKafka({
    brokers: config.brokers,
    clientId: `bench-produce-${config.adapter}`,
    adapter: config.adapter,
    logger: stderrLogger,
  });
  try {
    const producer = await kafka.producer();
    const value = payload(config.size);
    if (config.warmupMessages > 0) {
      await produce(
        producer,
        config.warmupTopic,
        config.warmupMessages,
        value,
        config.batch,
        config.inFlight,
      );
    }
    emit({ event: "measure-start" });
    const cpu0 = process.cpuUsage();
    const run = await produce(
      producer,
      config.topic,
      config.messages,
      value,
      config.batch,
      config.inFlight,
    );
    const cpu = process.cpuUsage(cpu0);
    emit({ event: "measure-end" });
    return {
      adapter: kafka.adapter,
      runtime: typeof Bun === "undefined" ? `node ${process.version}` : `bun ${Bun.version}`,
      messages: config.messages,
      ...run,
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
  } finally {
    await kafka.close();
  }
}

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (!raw) throw new Error("usage: worker '<WorkerConfig JSON>'");
  const result = await runWorker(JSON.parse(raw) as WorkerConfig);
  emit({ event: "result", ...result });
}

// Runs when executed directly (bun worker.ts / node worker.mjs), not when imported.
const entry = process.argv[1] ?? "";
if (/worker\.(ts|mjs)$/.test(entry)) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      // Client errors nest their causes (errors[], cause): show them all.
      process.stderr.write(`kafka-produce worker: ${inspect(error, { depth: 8 })}\n`);
      process.exit(1);
    },
  );
}
