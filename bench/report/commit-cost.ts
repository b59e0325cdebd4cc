// Section 6: head ÷ baseline for the delivery and transfers figures, from bench/commit-cost.ts.
import { fmt, type Provenance, provenanceLine, type Rendered, table } from "./types.ts";

export interface CommitCostRow {
  level: string;
  figure: string;
  base: number;
  head: number;
  ratio: number;
  /** Each round's figure, to show how far rounds of the same code spread. */
  baseRuns?: number[];
  headRuns?: number[];
}

export interface CommitCostResult extends Provenance {
  base: string;
  head: string;
  rounds: number;
  benches: Record<string, CommitCostRow[]>;
}

const TITLES: Record<string, string> = {
  delivery: "Delivery latency, adder → Kafka → totalizer, tracing on (`bench/delivery-latency.ts`)",
  transfers: "Transfers through the ledger system, tracing on (`bench/transfers.ts`)",
};

const withRuns = (median: number, runs: number[] | undefined) =>
  runs && runs.length > 1
    ? `${fmt(median, 1)} (${runs.map((r) => fmt(r, 1)).join(", ")})`
    : fmt(median, 1);

export function renderCommitCost(r: CommitCostResult): Rendered {
  const sections = Object.entries(r.benches).flatMap(([bench, rows]) => [
    `**${TITLES[bench] ?? bench}**`,
    "",
    table(
      [
        "level",
        "figure",
        `base ${r.base.slice(0, 7)}`,
        `head ${r.head.slice(0, 7)}`,
        "head ÷ base",
      ],
      rows.map((row) => [
        row.level,
        row.figure,
        withRuns(row.base, row.baseRuns),
        withRuns(row.head, row.headRuns),
        Number.isFinite(row.ratio) ? fmt(row.ratio, 2) : "–",
      ]),
    ),
    "",
  ]);
  const markdown = [
    "## 6. What a change costs: head against a baseline commit",
    "",
    `The delivery-latency and transfers benchmarks on commit ${r.base.slice(0, 7)} (a git worktree) and on ${r.head.slice(0, 7)}, alternately, ${r.rounds} rounds each, against the same running infrastructure; medians over the rounds, each round's figure in brackets: where rounds of the same code spread wider than the two sides differ, the ratio is not the change's. Both sides export every span to the same Collector. Latency and CPU ratios above 1 are the cost of the change; achieved throughput below 1 is.`,
    "",
    ...sections,
    provenanceLine(r),
  ].join("\n");
  return { markdown, figures: [], targets: [] };
}
