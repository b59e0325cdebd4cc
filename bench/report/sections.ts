// The benchmarks `bun run bench` runs, in order, and how each result file becomes a section.
import { renderCommitCost } from "./commit-cost.ts";
import { renderDelivery } from "./delivery.ts";
import { renderGrpc } from "./grpc.ts";
import { renderKafkaProduce } from "./kafka-produce.ts";
import { renderMemory } from "./memory.ts";
import { renderTransfers } from "./transfers.ts";
import type { Rendered } from "./types.ts";

export type SectionName =
  | "kafka-produce"
  | "delivery"
  | "grpc"
  | "transfers"
  | "memory"
  | "commit-cost";

export interface Section {
  name: SectionName;
  title: string;
  script: string;
  /** Extra arguments of the full run (the script's own defaults otherwise). */
  fullArgs?: string[];
  /**
   * Runs the script once per variant (result file `<name>.<key>.json`), and hands the
   * renderer `{ [key]: result }`; without variants it runs once and gets the result itself.
   */
  variants?: { key: string; args: string[] }[];
  /** Runs only when named in --only (and never with --quick); rendered whenever it has a result. */
  optIn?: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: each renderer types its own result file
  render: (result: any) => Rendered;
}

export const SECTIONS: Section[] = [
  {
    name: "kafka-produce",
    title: "1. Kafka produce throughput",
    script: "bench/kafka-produce.ts",
    render: renderKafkaProduce,
  },
  {
    name: "delivery",
    title: "2. End-to-end delivery latency",
    script: "bench/delivery-latency.ts",
    render: renderDelivery,
  },
  {
    name: "grpc",
    title: "3. gRPC: Adder.Add with ghz",
    script: "bench/grpc.ts",
    // 6 variants × 4 concurrencies × 2 rounds: 5 s points keep it near 5 minutes.
    fullArgs: ["--duration", "5", "--warmup", "1"],
    render: renderGrpc,
  },
  {
    name: "transfers",
    title: "4. Transfers through the ledger system",
    script: "bench/transfers.ts",
    variants: [
      { key: "on", args: ["--tracing", "on"] },
      { key: "off", args: ["--tracing", "off"] },
    ],
    render: renderTransfers,
  },
  {
    name: "memory",
    title: "5. Memory (RSS) per app",
    script: "bench/memory.ts",
    render: renderMemory,
  },
  {
    name: "commit-cost",
    title: "6. What a change costs: delivery and transfers, head against a baseline commit",
    script: "bench/commit-cost.ts",
    // The commit before the telemetry of issue 14 (database spans, exemplars, current
    // conventions, the Collector, sdk-node): what those cost on this machine.
    fullArgs: ["--base", "614ba4e", "--rounds", "3"],
    optIn: true,
    render: renderCommitCost,
  },
];
