// Section 4: transfers through orchestrator → accounts/ledger → outbox → Kafka → read model,
// from bench/transfers.ts run with tracing on and off.
import {
  type Figure,
  fmt,
  type Provenance,
  provenanceLine,
  type Rendered,
  type TargetRow,
  table,
} from "./types.ts";

interface Level {
  offeredPerSecond: number;
  achievedPerSecond: number;
  errors: number;
  clientMs: { p50: number; p95: number; p99: number; max: number };
  transferLatencyMs: { p50: number; p99: number };
  lagMs: { p50: number; p99: number; max: number };
  cpuMsPerTransfer: Record<string, number>;
  cpu: { machineBusyPct: number };
  sustainable: boolean;
}

export interface TransfersResult extends Provenance {
  settings: {
    durationS: number;
    warmupS: number;
    accounts: number;
    tracing: boolean;
    p99BoundMs: number;
    sustainableMeans: string;
  };
  levels: Level[];
  maxSustainablePerSecond: number | null;
}

const mode = (r: TransfersResult) => (r.settings.tracing ? "tracing on" : "tracing off");

export function renderTransfers(results: Record<string, TransfersResult>): Rendered {
  const runs = Object.values(results);
  const first = runs[0];
  if (!first) throw new Error("no transfers result");
  const cpuTotal = (l: Level) =>
    Object.entries(l.cpuMsPerTransfer)
      .filter(([group]) => group !== "bench")
      .reduce((sum, [, ms]) => sum + ms, 0);
  const rows = runs.flatMap((r) =>
    r.levels.map((l) => [
      mode(r),
      fmt(l.offeredPerSecond),
      fmt(l.achievedPerSecond, 1),
      fmt(l.errors),
      `${fmt(l.clientMs.p50, 1)} / ${fmt(l.clientMs.p95, 1)} / ${fmt(l.clientMs.p99, 1)}`,
      `${fmt(l.transferLatencyMs.p50, 1)} / ${fmt(l.transferLatencyMs.p99, 1)}`,
      `${fmt(l.lagMs.p50, 1)} / ${fmt(l.lagMs.p99, 1)}`,
      fmt(cpuTotal(l), 1),
      `${fmt(l.cpu.machineBusyPct)}%`,
      l.sustainable ? "yes" : "no",
    ]),
  );
  const markdown = [
    "## 4. Transfers through the ledger system",
    "",
    `\`POST /v1/transfers\` on the orchestrator (→ 2 × GetAccount, → PostEntry: entry + balances + outbox row in one transaction), relay → Kafka → read model, all four apps as processes, ${first.settings.accounts} accounts, ${first.settings.warmupS} s warm-up then ${first.settings.durationS} s per level, open loop. Lag = read model's processed_at − ledger's posted_at per entry, both from PostgreSQL's clock. CPU = milliseconds of CPU per transfer over every process (apps, PostgreSQL, Kafka, Jaeger, Prometheus; load generator excluded). Sustainable: ${first.settings.sustainableMeans}. Highest sustainable rate: ${runs.map((r) => `${mode(r)} ${r.maxSustainablePerSecond === null ? "none" : `${fmt(r.maxSustainablePerSecond)}/s`}`).join(", ")}.`,
    "",
    table(
      [
        "mode",
        "offered/s",
        "achieved/s",
        "errors",
        "client p50 / p95 / p99 ms",
        "transfer_latency p50 / p99 ms",
        "outbox→read model lag p50 / p99 ms",
        "CPU ms/transfer",
        "machine busy",
        "sustainable",
      ],
      rows,
    ),
    "",
    "![Transfers](benchmarks/transfers.png)",
    "",
    ...runs.map((r) => provenanceLine(r)),
  ].join("\n\n");

  const sorted = (r: TransfersResult) =>
    [...r.levels].sort((a, b) => a.offeredPerSecond - b.offeredPerSecond);
  const figure: Figure = {
    name: "transfers.png",
    title: "Transfers over load",
    panels: [
      {
        title: "achieved vs offered (transfers/s)",
        kind: "line",
        xlabel: "offered transfers/s",
        ylabel: "completed transfers/s",
        series: runs.map((r) => ({
          label: mode(r),
          x: sorted(r).map((l) => l.offeredPerSecond),
          y: sorted(r).map((l) => l.achievedPerSecond),
        })),
      },
      {
        title: "client p99 and outbox→read model lag p99 (ms)",
        kind: "line",
        xlabel: "offered transfers/s",
        ylabel: "ms",
        yscale: "log",
        series: runs.flatMap((r) => [
          {
            label: `client p99, ${mode(r)}`,
            x: sorted(r).map((l) => l.offeredPerSecond),
            y: sorted(r).map((l) => l.clientMs.p99),
          },
          {
            label: `lag p99, ${mode(r)}`,
            x: sorted(r).map((l) => l.offeredPerSecond),
            y: sorted(r).map((l) => l.lagMs.p99),
          },
        ]),
        hlines: [
          { y: 50, label: "target p99" },
          { y: 100, label: "target lag p99" },
        ],
      },
    ],
  };

  const deployed = results.on ?? first;
  const best = sorted(deployed)
    .filter((l) => l.sustainable)
    .at(-1);
  const targets: TargetRow[] = [
    {
      target: "≥ 1,000 transfers/s with p99 ≤ 50 ms (tracing on)",
      measured: best
        ? `max sustainable ${fmt(best.offeredPerSecond)}/s (client p99 ${fmt(best.clientMs.p99, 1)} ms); ${
            sorted(deployed)
              .filter((l) => l.clientMs.p99 <= 50)
              .map((l) => `p99 ≤ 50 ms up to ${fmt(l.offeredPerSecond)}/s`)
              .at(-1) ?? "p99 above 50 ms at every level"
          }`
        : "no sustainable level",
      met: best ? best.offeredPerSecond >= 1000 && best.clientMs.p99 <= 50 : false,
    },
    {
      target: "outbox-to-read-model lag p99 ≤ 100 ms (tracing on)",
      measured: sorted(deployed)
        .map((l) => `${fmt(l.offeredPerSecond)}/s ${fmt(l.lagMs.p99)} ms`)
        .join(", "),
      met: best ? sorted(deployed).every((l) => !l.sustainable || l.lagMs.p99 <= 100) : false,
    },
  ];
  return { markdown, figures: [figure], targets };
}
