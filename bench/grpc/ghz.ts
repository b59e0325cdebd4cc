// Drives adder.v1.Adder/Add with ghz (the Go gRPC load tester, installed by infra/local) at a
// fixed concurrency for a fixed time, and reads its JSON report into one benchmark point.

import { PROTO_ROOT } from "@obs/proto";
import { VERSIONS } from "../../infra/local/config.ts";
import { ensureGoTool } from "../../infra/local/install.ts";

/** The cached binary (built by `go install` on the first run only, like infra:up does). */
export function ghzBinary(): string {
  return ensureGoTool("ghz", "github.com/bojand/ghz/cmd/ghz", VERSIONS.ghz);
}

export interface GhzRun {
  port: number;
  concurrency: number;
  durationS: number;
}

/** The same request every time: validation and the sum are the server's only work per call. */
const REQUEST = JSON.stringify({ a: "20", b: "22" });

export function ghzArgs({ port, concurrency, durationS }: GhzRun): string[] {
  return [
    "--insecure",
    // The .proto files rather than server reflection: every variant is asked the same way,
    // and the plain servers need not implement reflection.
    `--proto=${PROTO_ROOT}/adder/v1/adder.proto`,
    `--import-paths=${PROTO_ROOT}`,
    "--call=adder.v1.Adder.Add",
    `--data=${REQUEST}`,
    `--concurrency=${concurrency}`,
    // One HTTP/2 connection, as one grpc-js client channel would use.
    "--connections=1",
    `--duration=${durationS}s`,
    // Calls still in flight when the time is up are left out rather than reported as errors.
    "--duration-stop=ignore",
    "--format=json",
    `127.0.0.1:${port}`,
  ];
}

/** The fields of ghz's JSON report that the benchmark reads (latencies in nanoseconds). */
export interface GhzReport {
  count: number;
  total: number;
  errorDistribution: Record<string, number> | null;
  latencyDistribution: { percentage: number; latency: number }[] | null;
}

export interface GhzSummary {
  /** Calls answered OK per second of the run. */
  rps: number;
  /** Calls answered OK. */
  ok: number;
  /** Latency percentiles of the successful calls, milliseconds (NaN when none succeeded). */
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** The most frequent error message, to say why a point failed. */
  topError?: string;
}

export function summarize(report: GhzReport): GhzSummary {
  const at = (percentage: number) => {
    const entry = report.latencyDistribution?.find((d) => d.percentage === percentage);
    return entry ? entry.latency / 1e6 : Number.NaN;
  };
  const errors = Object.entries(report.errorDistribution ?? {}).sort((x, y) => y[1] - x[1]);
  const failed = errors.reduce((sum, [, n]) => sum + n, 0);
  const ok = report.count - failed;
  const summary: GhzSummary = {
    // ghz's own rps counts errors too; a server failing fast must not look fast.
    rps: report.total > 0 ? ok / (report.total / 1e9) : 0,
    ok,
    p50Ms: at(50),
    p99Ms: at(99),
    errors: failed,
  };
  if (errors[0]) summary.topError = errors[0][0];
  return summary;
}

export async function runGhz(binary: string, run: GhzRun): Promise<GhzSummary> {
  const proc = Bun.spawn([binary, ...ghzArgs(run)], {
    stdout: "pipe",
    stderr: "pipe",
    timeout: (run.durationS + 60) * 1000,
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0)
    throw new Error(`ghz exited with ${code}: ${stderr.trim() || stdout.slice(0, 500)}`);
  return summarize(JSON.parse(stdout) as GhzReport);
}
