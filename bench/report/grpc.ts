// Section 3: Adder.Add with ghz, interceptors on and off, beside plain grpc-js servers.
import type { OverheadRow, Point } from "../grpc/report.ts";
import {
  type Figure,
  fmt,
  type Provenance,
  provenanceLine,
  type Rendered,
  type TargetRow,
  table,
} from "./types.ts";

export interface GrpcResult extends Provenance {
  node: string;
  ghz: string;
  durationS: number;
  warmupS: number;
  rounds: number;
  concurrencies: number[];
  variants: Record<string, string>;
  points: Point[];
  overhead: OverheadRow[];
}

export function renderGrpc(r: GrpcResult): Rendered {
  const variants = Object.keys(r.variants);
  const point = (v: string, c: number) =>
    r.points.find((p) => p.variant === v && p.concurrency === c);
  const rows = variants.map((v) => [
    `\`${v}\``,
    r.variants[v] ?? "",
    ...r.concurrencies.map((c) => {
      const p = point(v, c);
      return p ? `${fmt(p.rps)} (${fmt(p.p99Ms, 1)})` : "–";
    }),
    r.concurrencies.map((c) => fmt(point(v, c)?.serverCpuUsPerCall)).join(" / "),
  ]);
  const overhead = [...new Set(r.overhead.map((o) => o.server))].map((server) => [
    server,
    ...r.concurrencies.map((c) => {
      const o = r.overhead.find((x) => x.server === server && x.concurrency === c);
      if (!o) return "–";
      const cpu = o.cpuOverheadPct;
      return `${fmt(o.overheadPct, 1)}% (CPU ${cpu !== undefined && cpu >= 0 ? "+" : ""}${fmt(cpu, 0)}%)`;
    }),
  ]);
  const markdown = [
    "## 3. gRPC: Adder.Add with ghz",
    "",
    `ghz ${r.ghz}, ${r.durationS} s per point after ${r.warmupS} s warm-up, ${r.rounds} round(s) in alternating order (median shown); Node.js ${r.node}. Cells: successful req/s (p99 ms). The adders publish every sum to Kafka (acks=all) before answering, so they are bounded by the broker round trip; the plain servers do the same validation and sum without Kafka and show the gRPC stack's own ceiling. Interceptors off = \`OTEL_GRPC_INSTRUMENTATION=off\`, with the OpenTelemetry SDK still running.`,
    "",
    table(
      [
        "variant",
        "what",
        ...r.concurrencies.map((c) => `c=${c}`),
        `server CPU µs/call (c=${r.concurrencies.join("/")})`,
      ],
      rows,
    ),
    "",
    "Interceptor overhead: share of req/s lost with the interceptors on (server CPU per call beside it):",
    "",
    table(["pair", ...r.concurrencies.map((c) => `c=${c}`)], overhead),
    "",
    "![gRPC throughput and latency](benchmarks/grpc.png)",
    "",
    provenanceLine(r),
  ].join("\n");
  const figure: Figure = {
    name: "grpc.png",
    title: "Adder.Add with ghz: throughput and p99 over concurrency",
    panels: [
      {
        title: "requests/s",
        kind: "line",
        xlabel: "concurrency",
        ylabel: "successful req/s",
        xscale: "log",
        series: variants.map((v) => ({
          label: v,
          x: r.concurrencies,
          y: r.concurrencies.map((c) => point(v, c)?.rps ?? null),
        })),
      },
      {
        title: "p99 latency (ms)",
        kind: "line",
        xlabel: "concurrency",
        ylabel: "ms",
        xscale: "log",
        yscale: "log",
        series: variants.map((v) => ({
          label: v,
          x: r.concurrencies,
          y: r.concurrencies.map((c) => point(v, c)?.p99Ms ?? null),
        })),
      },
    ],
  };
  const targets: TargetRow[] = ["adder", "plain-bun"].map((server) => {
    const rows = r.overhead.filter((o) => o.server === server);
    return {
      target: `interceptor overhead ≤ 10% of req/s (${server === "adder" ? "the adder" : "plain Bun server, no Kafka"})`,
      measured:
        rows.length === 0
          ? "not measured"
          : rows.map((o) => `c=${o.concurrency} ${fmt(o.overheadPct, 1)}%`).join(", "),
      met: rows.length === 0 ? null : rows.every((o) => o.met),
    };
  });
  return { markdown, figures: [figure], targets };
}
