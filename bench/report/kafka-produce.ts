// Section 1: Kafka produce throughput, from bench/kafka-produce.ts's result file.
import {
  type Figure,
  fmt,
  type Provenance,
  provenanceLine,
  type Rendered,
  type TargetRow,
  table,
} from "./types.ts";

interface Row {
  size: number;
  client: string;
  runtime: string;
  messagesPerSec: number;
  mbPerSec: number;
  latency: { unit: string; p50: number; p99: number };
  cores: { client?: number; broker?: number; other?: number };
  ratioToProducerPerf?: number;
  ratioToPlatformatic?: number;
  runsMessagesPerSec?: number[];
}

export interface KafkaProduceResult extends Provenance {
  messages: number;
  repeat: number;
  node: string;
  java: string;
  results: Row[];
}

const LABEL: Record<string, string> = {
  "producer-perf": "ProducerPerformance (Java)",
  librdkafka: "librdkafka (Bun, bun:ffi)",
  platformatic: "platformatic (Bun)",
  confluent: "confluent / librdkafka (Node.js)",
};

export function renderKafkaProduce(r: KafkaProduceResult): Rendered {
  const sizes = [...new Set(r.results.map((x) => x.size))];
  const clients = [...new Set(r.results.map((x) => x.client))];
  const rows = r.results.map((x) => [
    `${x.size} B`,
    LABEL[x.client] ?? x.client,
    fmt(x.messagesPerSec),
    fmt(x.mbPerSec, 1),
    x.ratioToProducerPerf === undefined ? "1.00 (baseline)" : fmt(x.ratioToProducerPerf, 2),
    x.client === "platformatic"
      ? "1.00"
      : x.ratioToPlatformatic === undefined
        ? "–"
        : fmt(x.ratioToPlatformatic, 2),
    `${fmt(x.latency.p50, 1)} / ${fmt(x.latency.p99, 1)} (per ${x.latency.unit})`,
    `${fmt(x.cores.client, 2)} / ${fmt(x.cores.broker, 2)} / ${fmt(x.cores.other, 2)}`,
    (x.runsMessagesPerSec ?? []).map((n) => fmt(n)).join(", "),
  ]);
  const markdown = [
    "## 1. Kafka produce throughput",
    "",
    `${r.messages.toLocaleString("en-US")} messages per client and value size, acks=all, idempotent, 3 partitions, unkeyed, median of ${r.repeat} round(s); all clients against the same broker in one run, in turns. ${r.node} · ${r.java}.`,
    "",
    table(
      [
        "value",
        "client",
        "msg/s",
        "MB/s",
        "× ProducerPerformance",
        "× platformatic",
        "latency p50 / p99 ms",
        "cores client / broker / other",
        "runs msg/s",
      ],
      rows,
    ),
    "",
    "![Kafka produce throughput](benchmarks/kafka-produce.png)",
    "",
    provenanceLine(r),
  ].join("\n");

  const figure: Figure = {
    name: "kafka-produce.png",
    title: "Kafka produce throughput (acks=all, idempotent)",
    panels: [
      {
        title: "messages/s",
        kind: "bar",
        categories: sizes.map((s) => `${s} B values`),
        annotate: true,
        ylabel: "messages/s",
        series: clients.map((c) => ({
          label: LABEL[c] ?? c,
          x: sizes.map((s) => `${s} B`),
          y: sizes.map(
            (s) => r.results.find((x) => x.size === s && x.client === c)?.messagesPerSec ?? null,
          ),
        })),
      },
      {
        title: "MB/s (values)",
        kind: "bar",
        categories: sizes.map((s) => `${s} B values`),
        annotate: true,
        ylabel: "MB/s",
        series: clients.map((c) => ({
          label: LABEL[c] ?? c,
          x: sizes.map((s) => `${s} B`),
          y: sizes.map(
            (s) => r.results.find((x) => x.size === s && x.client === c)?.mbPerSec ?? null,
          ),
        })),
      },
    ],
  };

  const librdkafka: TargetRow[] = sizes.map((size) => {
    const row = r.results.find((x) => x.size === size && x.client === "librdkafka");
    return {
      target: `librdkafka (Bun) ≥ platformatic msg/s (${size} B)`,
      measured:
        row?.ratioToPlatformatic === undefined
          ? "not measured"
          : `${fmt(row.messagesPerSec)} msg/s = ${fmt(row.ratioToPlatformatic, 2)} × platformatic`,
      met: row?.ratioToPlatformatic === undefined ? null : row.ratioToPlatformatic >= 1,
    };
  });
  const targets: TargetRow[] = sizes.map((size) => {
    const best = r.results
      .filter((x) => x.size === size && x.ratioToProducerPerf !== undefined)
      .sort((a, b) => (b.ratioToProducerPerf ?? 0) - (a.ratioToProducerPerf ?? 0))[0];
    return {
      target: `a port client ≥ 50% of ProducerPerformance msg/s (${size} B)`,
      measured: best
        ? `${LABEL[best.client] ?? best.client}: ${fmt(best.messagesPerSec)} msg/s = ${fmt((best.ratioToProducerPerf ?? 0) * 100)}%`
        : "not measured",
      met: best ? (best.ratioToProducerPerf ?? 0) >= 0.5 : null,
    };
  });
  return { markdown, figures: [figure], targets: [...targets, ...librdkafka] };
}
