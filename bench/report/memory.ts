// Section 5: RSS of each app at rest and under load, from bench/memory.ts.
import type { MemoryRow } from "../memory.ts";
import {
  type Figure,
  fmt,
  type Provenance,
  provenanceLine,
  type Rendered,
  table,
} from "./types.ts";

export interface MemoryResult extends Provenance {
  rate: number;
  durationS: number;
  restS: number;
  load: Record<string, { okRate: number; errors: number; p99Ms: number }>;
  rows: MemoryRow[];
}

export function renderMemory(r: MemoryResult): Rendered {
  const load = Object.entries(r.load)
    .map(
      ([flow, s]) =>
        `${flow} ${fmt(s.okRate)}/s ok (${fmt(s.errors)} errors, p99 ${fmt(s.p99Ms)} ms)`,
    )
    .join(", ");
  const markdown = [
    "## 5. Memory (RSS) per app",
    "",
    `All six apps as processes; RSS from /proc after ${r.restS} s idle, then peak while \`bun run load\` offered ${fmt(r.rate)} requests/s over both flows for ${r.durationS} s (${load}).`,
    "",
    table(
      ["app", "at rest MiB", "under load, peak MiB", "at end of load MiB"],
      r.rows.map((x) => [x.app, fmt(x.restMiB), fmt(x.loadPeakMiB), fmt(x.loadEndMiB)]),
    ),
    "",
    "![Memory per app](benchmarks/memory.png)",
    "",
    provenanceLine(r),
  ].join("\n");
  const figure: Figure = {
    name: "memory.png",
    title: `RSS per app, at rest and under ${r.rate} requests/s`,
    panels: [
      {
        title: "RSS (MiB)",
        kind: "bar",
        categories: r.rows.map((x) => x.app),
        annotate: true,
        ylabel: "MiB",
        series: [
          { label: "at rest", x: r.rows.map((x) => x.app), y: r.rows.map((x) => x.restMiB) },
          {
            label: "under load (peak)",
            x: r.rows.map((x) => x.app),
            y: r.rows.map((x) => x.loadPeakMiB),
          },
        ],
      },
    ],
  };
  return { markdown, figures: [figure], targets: [] };
}
