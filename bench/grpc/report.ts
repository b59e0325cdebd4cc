// Folds the per-round ghz samples into one point per variant and concurrency (the median),
// and pairs the instrumented servers with their uninstrumented twins.
import type { VariantName } from "./servers.ts";

export interface Point {
  variant: VariantName;
  runtime: "bun" | "node";
  concurrency: number;
  /** Which round a sample came from; absent from the medians. */
  round?: number;
  /** Successful calls per second. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** The server process's CPU time (user + system) per successful call, microseconds. */
  serverCpuUsPerCall: number | undefined;
}

function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function summarizePoints(samples: Point[]): Point[] {
  const groups = new Map<string, Point[]>();
  for (const s of samples) {
    const key = `${s.variant}\u0000${s.concurrency}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as Point;
    const cpu = group.flatMap((s) =>
      s.serverCpuUsPerCall === undefined ? [] : [s.serverCpuUsPerCall],
    );
    return {
      variant: first.variant,
      runtime: first.runtime,
      concurrency: first.concurrency,
      rps: median(group.map((s) => s.rps)),
      p50Ms: median(group.map((s) => s.p50Ms)),
      p99Ms: median(group.map((s) => s.p99Ms)),
      errors: group.reduce((sum, s) => sum + s.errors, 0),
      serverCpuUsPerCall: cpu.length > 0 ? median(cpu) : undefined,
    };
  });
}

/**
 * Instrumented variant and its twin: the interceptors alone (the SDK runs on both sides, as
 * with OTEL_GRPC_INSTRUMENTATION=off in the apps), and, for the plain server, the whole
 * telemetry against none at all.
 */
const PAIRS = [
  { server: "adder", on: "adder-on", off: "adder-off" },
  { server: "plain-bun", on: "plain-bun-otel", off: "plain-bun-sdk" },
  { server: "plain-bun (SDK too)", on: "plain-bun-otel", off: "plain-bun" },
] as const;

export const OVERHEAD_TARGET_PCT = 10;

export interface OverheadRow {
  server: (typeof PAIRS)[number]["server"];
  concurrency: number;
  onRps: number;
  offRps: number;
  /** Share of the uninstrumented req/s lost with the interceptors on, percent. */
  overheadPct: number;
  met: boolean;
  /** Extra server CPU time per call with the interceptors on, percent. */
  cpuOverheadPct: number | undefined;
}

export function overheadRows(points: Point[]): OverheadRow[] {
  const find = (variant: string, concurrency: number) =>
    points.find((p) => p.variant === variant && p.concurrency === concurrency);
  const rows: OverheadRow[] = [];
  for (const pair of PAIRS) {
    for (const on of points.filter((p) => p.variant === pair.on)) {
      const off = find(pair.off, on.concurrency);
      if (!off) continue;
      const overheadPct = (1 - on.rps / off.rps) * 100;
      rows.push({
        server: pair.server,
        concurrency: on.concurrency,
        onRps: on.rps,
        offRps: off.rps,
        overheadPct,
        met: overheadPct <= OVERHEAD_TARGET_PCT,
        cpuOverheadPct:
          on.serverCpuUsPerCall !== undefined && off.serverCpuUsPerCall !== undefined
            ? (on.serverCpuUsPerCall / off.serverCpuUsPerCall - 1) * 100
            : undefined,
      });
    }
  }
  return rows;
}
