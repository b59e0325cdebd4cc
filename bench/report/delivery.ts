// Section 2: end-to-end delivery latency adder → totalizer, from bench/delivery-latency.ts.
import type { Level } from "../delivery-latency.ts";
import {
  type Figure,
  fmt,
  type Provenance,
  provenanceLine,
  type Rendered,
  type TargetRow,
  table,
} from "./types.ts";

export interface DeliveryResult extends Provenance {
  durationS: number;
  warmupS: number;
  streamAbove: number;
  levels: Level[];
  maxSustainable: { client?: string; tracing: boolean; rate: number | null; searched: boolean }[];
}

/** Results from before issue 12 ran the platformatic producer only and name no client. */
const clientOf = (l: { client?: string }) => l.client ?? "platformatic";
const mode = (l: { client?: string; tracing: boolean }) =>
  `${clientOf(l)}, ${l.tracing ? "tracing on" : "tracing off"}`;

export function renderDelivery(r: DeliveryResult): Rendered {
  const rows = r.levels.map((l) => [
    mode(l),
    `${fmt(l.offeredRate)}${l.search ? " (search)" : ""}`,
    l.driver,
    fmt(l.achievedRate),
    fmt(l.errors),
    fmt(l.deliveryMs.p50, 1),
    fmt(l.deliveryMs.p95, 1),
    fmt(l.deliveryMs.p99, 1),
    // JSON has no Infinity: the +Inf bucket comes back as null.
    Number.isFinite(l.deliveryMs.maxBucket ?? Number.NaN)
      ? `≤ ${fmt(l.deliveryMs.maxBucket)}`
      : "> 10,000",
    l.addMs ? `${fmt(l.addMs.p50, 1)} / ${fmt(l.addMs.p99, 1)}` : "–",
    l.drainMs === null ? "no" : `${fmt(l.drainMs)} ms`,
  ]);
  const max = r.maxSustainable
    .map((m) =>
      m.searched
        ? `${mode(m)}: ${m.rate === null ? "below 2,000" : fmt(m.rate)} msg/s`
        : `${mode(m)}: not searched`,
    )
    .join("; ");
  const markdown = [
    "## 2. End-to-end delivery latency (adder → Kafka → totalizer)",
    "",
    `From the totalizer's own \`kafka_message_delivery_latency\` histogram (produced_at → arrival at the consumer, ms), interpolated within buckets exactly like \`histogram_quantile\`; "max" is the bound of the highest non-empty bucket. Each level: ${r.warmupS} s unmeasured warm-up, then ${r.durationS} s (search levels 10 s). Up to ${fmt(r.streamAbove)} msg/s the load is unary \`Adder.Add\` calls (one message each, open loop); above, 4 \`AddStream\` client streams. Highest sustainable rate (≥ 95% of offered acknowledged, no errors, consumer caught up within 5 s, p99 < 1 s, doubling from 2,000): ${max}.`,
    "",
    table(
      [
        "mode",
        "offered msg/s",
        "driver",
        "achieved",
        "errors",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "Add p50 / p99 ms",
        "caught up",
      ],
      rows,
    ),
    "",
    "![Delivery latency](benchmarks/delivery-latency.png)",
    "",
    provenanceLine(r),
  ].join("\n");

  const modes = [...new Set(r.levels.map(mode))];
  const levelsOf = (m: string) =>
    r.levels.filter((l) => mode(l) === m).sort((a, b) => a.offeredRate - b.offeredRate);
  const figure: Figure = {
    name: "delivery-latency.png",
    title: "Delivery latency adder → totalizer over load",
    panels: [
      {
        title: "latency percentiles (ms)",
        kind: "line",
        xlabel: "offered messages/s",
        ylabel: "ms",
        xscale: "log",
        yscale: "log",
        series: modes.flatMap((m) =>
          (["p50", "p99"] as const).map((q) => {
            const levels = levelsOf(m);
            return {
              label: `${q}, ${m}`,
              x: levels.map((l) => l.offeredRate),
              y: levels.map((l) => l.deliveryMs[q]),
            };
          }),
        ),
        hlines: [
          { y: 10, label: "target p99 @1k" },
          { y: 50, label: "target p99 @10k" },
        ],
      },
      {
        title: "achieved vs offered (msg/s)",
        kind: "line",
        xlabel: "offered messages/s",
        ylabel: "acknowledged messages/s",
        xscale: "log",
        yscale: "log",
        series: modes.map((m) => {
          const levels = levelsOf(m);
          return {
            label: m,
            x: levels.map((l) => l.offeredRate),
            y: levels.map((l) => l.achievedRate),
          };
        }),
      },
    ],
  };

  const targets: TargetRow[] = [
    [1000, 10],
    [10000, 50],
  ].map(([rate, bound]) => {
    const found = r.levels.filter((l) => l.offeredRate === rate && !l.search);
    return {
      target: `delivery p99 ≤ ${bound} ms at ${fmt(rate)} msg/s`,
      measured:
        found.length === 0
          ? "not measured"
          : found.map((l) => `${mode(l)} ${fmt(l.deliveryMs.p99, 1)} ms`).join(", "),
      met: found.length === 0 ? null : found.every((l) => l.deliveryMs.p99 <= (bound ?? 0)),
    };
  });
  // Issue 12: producing through librdkafka must not cost delivery latency at 1,000 msg/s.
  const at1k = (client: string, tracing: boolean) =>
    r.levels.find(
      (l) => clientOf(l) === client && l.tracing === tracing && l.offeredRate === 1000 && !l.search,
    );
  for (const tracing of [true, false]) {
    const rdk = at1k("librdkafka", tracing);
    const plt = at1k("platformatic", tracing);
    if (!rdk && !plt) continue;
    targets.push({
      target: `librdkafka delivery p99 ≤ platformatic's at 1,000 msg/s (tracing ${tracing ? "on" : "off"})`,
      measured:
        rdk && plt
          ? `${fmt(rdk.deliveryMs.p99, 1)} ms vs ${fmt(plt.deliveryMs.p99, 1)} ms`
          : "not measured for both",
      met: rdk && plt ? rdk.deliveryMs.p99 <= plt.deliveryMs.p99 : null,
    });
  }
  return { markdown, figures: [figure], targets };
}
