// gRPC Adder.Add throughput and latency (issue #6, item 3), driven by ghz at several
// concurrencies against, in one run: the real adder with lib/otel's gRPC interceptors on and
// off (OTEL_GRPC_INSTRUMENTATION=off; telemetry SDK and Kafka publishing unchanged), a plain
// grpc-js Add server on Node.js (the gRPC-stack baseline), and the same plain server on Bun
// bare, with the telemetry SDK started, and with the SDK and instrumentServer: the adder's Add
// waits for a Kafka acknowledgement, which hides the interceptors' cost; the plain ones show it.
//
//   bun bench/grpc.ts [--quick] [--json out.json] [--duration 10] [--warmup 2]
//                     [--concurrency 1,8,32,64] [--rounds 2] [--variants adder-on,adder-off,...]
//
// Each point: an unmeasured ghz warm-up, then ghz for --duration seconds on one connection.
// Rounds alternate the variants' order (drift on a shared machine then hits both sides of a
// pair alike); the median of the rounds is reported. --quick: 3 s points, c = 1 and 32, one
// round (under a minute with the infrastructure already up). "Interceptor overhead" = req/s lost with the interceptors on, per
// concurrency; the target is ≤ 10%. The server's CPU time per call is reported beside it: on
// a 2-core machine shared with ghz it is the steadier measure of what the interceptors cost.
import { parseArgs } from "node:util";
import { VERSIONS } from "../infra/local/config.ts";
import { up, wantedServices } from "../infra/local/infra.ts";
import { ghzBinary, runGhz } from "./grpc/ghz.ts";
import { type OverheadRow, overheadRows, type Point, summarizePoints } from "./grpc/report.ts";
import {
  buildNodeServer,
  type ServerUnderTest,
  startServer,
  VARIANT_INFO,
  VARIANTS,
  type VariantName,
} from "./grpc/servers.ts";
import { cpuMsOf } from "./kafka-produce/processes.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "string" },
    duration: { type: "string" },
    warmup: { type: "string" },
    concurrency: { type: "string" },
    rounds: { type: "string" },
    variants: { type: "string" },
  },
});
const quick = values.quick;
const durationS = Number(values.duration ?? (quick ? 3 : 10));
const warmupS = Number(values.warmup ?? (quick ? 0.5 : 2));
const concurrencies = (values.concurrency ?? (quick ? "1,32" : "1,8,32,64")).split(",").map(Number);
const rounds = Number(values.rounds ?? (quick ? 1 : 2));
const variants = (values.variants?.split(",") ?? [...VARIANTS]) as VariantName[];
for (const v of variants)
  if (!VARIANTS.includes(v)) throw new Error(`unknown variant ${v}; known: ${VARIANTS.join(", ")}`);
if (![durationS, warmupS, rounds, ...concurrencies].every((n) => Number.isFinite(n) && n >= 0))
  throw new Error("--duration, --warmup, --rounds and --concurrency take numbers");

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)}s`;

// Kafka for the adders, the Collector and Jaeger for every variant that exports spans.
await up(
  wantedServices().filter((s) => s === "kafka" || s === "jaeger" || s === "collector"),
  { quiet: true },
);
const ghz = ghzBinary();
const nodeBundle = variants.includes("plain-node") ? await buildNodeServer() : undefined;
const nodeVersion = Bun.spawnSync(["node", "--version"]).stdout.toString().trim();

const servers = new Map<VariantName, ServerUnderTest>();
const stopAll = () => Promise.all([...servers.values()].map((s) => s.stop()));
process.once("SIGINT", () => void stopAll().then(() => process.exit(130)));

const samples: Point[] = [];
try {
  const options = { basePort: 50151, httpBasePort: 9190, nodeBundle };
  // All settled before going on, so a failed start still leaves every started one to stop.
  const starts = await Promise.allSettled(
    variants.map(async (v) => servers.set(v, await startServer(v, options))),
  );
  for (const s of starts) if (s.status === "rejected") throw s.reason;
  console.log(
    `[${elapsed()}] ${variants.length} servers up; ${rounds} round(s) of ${durationS} s points`,
  );

  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const concurrency of concurrencies) {
      for (const variant of order) {
        const server = servers.get(variant);
        if (!server) continue;
        if (warmupS > 0) await runGhz(ghz, { port: server.port, concurrency, durationS: warmupS });
        const cpuBefore = cpuMsOf(server.pid);
        const result = await runGhz(ghz, { port: server.port, concurrency, durationS });
        const cpuAfter = cpuMsOf(server.pid);
        const cpuUsPerCall =
          cpuBefore === undefined || cpuAfter === undefined || result.ok === 0
            ? undefined
            : ((cpuAfter - cpuBefore) * 1000) / result.ok;
        const point: Point = {
          variant,
          runtime: VARIANT_INFO[variant].runtime,
          concurrency,
          round,
          rps: result.rps,
          p50Ms: result.p50Ms,
          p99Ms: result.p99Ms,
          errors: result.errors,
          serverCpuUsPerCall: cpuUsPerCall,
        };
        samples.push(point);
        console.log(
          `[${elapsed()}] round ${round + 1} c=${concurrency} ${variant}: ${Math.round(point.rps)} req/s, ` +
            `p50 ${point.p50Ms.toFixed(2)} ms, p99 ${point.p99Ms.toFixed(2)} ms` +
            (result.errors ? `, ${result.errors} errors (${result.topError})` : ""),
        );
      }
    }
  }
} finally {
  await stopAll();
}

const points = summarizePoints(samples);
const overhead = overheadRows(points);

const fmt = (n: number | undefined, digits = 0) =>
  n === undefined || Number.isNaN(n) ? "-" : n.toFixed(digits);
console.log(
  `\ngRPC adder.v1.Adder/Add, ghz ${VERSIONS.ghz}, ${durationS} s per point after ${warmupS} s warm-up, ` +
    `median of ${rounds} round(s); Bun ${Bun.version}, Node.js ${nodeVersion}`,
);
console.log(
  `${"variant".padEnd(16)}${"runtime".padEnd(9)}${"c".padStart(4)}${"req/s".padStart(9)}` +
    `${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"errors".padStart(8)}${"CPU µs/call".padStart(13)}`,
);
for (const p of points)
  console.log(
    `${p.variant.padEnd(16)}${p.runtime.padEnd(9)}${String(p.concurrency).padStart(4)}` +
      `${fmt(p.rps).padStart(9)}${fmt(p.p50Ms, 2).padStart(9)}${fmt(p.p99Ms, 2).padStart(9)}` +
      `${String(p.errors).padStart(8)}${fmt(p.serverCpuUsPerCall).padStart(13)}`,
  );
if (overhead.length > 0) {
  console.log(
    "\nInterceptor overhead: req/s lost with lib/otel's gRPC instrumentation on (target ≤ 10%)",
  );
  for (const row of overhead)
    console.log(
      `${row.server.padEnd(20)} c=${String(row.concurrency).padEnd(4)} ` +
        `${fmt(row.onRps).padStart(7)} vs ${fmt(row.offRps).padStart(7)} req/s: ` +
        `${fmt(row.overheadPct, 1).padStart(5)}% ${row.met ? "ok  " : "MISS"}` +
        `  (server CPU per call ${row.cpuOverheadPct === undefined ? "-" : `${row.cpuOverheadPct >= 0 ? "+" : ""}${fmt(row.cpuOverheadPct, 0)}`}%)`,
    );
}
for (const v of variants) console.log(`  ${v}: ${VARIANT_INFO[v].about}`);
if (quick)
  console.log("--quick: single 3 s points; on a shared 2-core machine they move by ±20% or more");

const command = `bun bench/grpc.ts${process.argv.length > 2 ? ` ${process.argv.slice(2).join(" ")}` : ""}`;
if (values.json) {
  const result = {
    date: new Date().toISOString(),
    bun: Bun.version,
    node: nodeVersion,
    ghz: VERSIONS.ghz,
    command,
    durationS,
    warmupS,
    rounds,
    concurrencies,
    variants: Object.fromEntries(variants.map((v) => [v, VARIANT_INFO[v].about])),
    points,
    overhead: overhead satisfies OverheadRow[],
    samples,
  };
  await Bun.write(values.json, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${values.json}`);
}
console.log(`done in ${elapsed()}`);
