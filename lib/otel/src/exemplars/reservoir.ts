// Exemplars for the Prometheus/OpenMetrics exposition: per histogram series and bucket, the
// latest sampled measurement with the trace and span it was made in.
//
// Written by hand: @opentelemetry/sdk-metrics (3.1) keeps no exemplars and
// @opentelemetry/exporter-prometheus (0.301) writes none, so a dashboard's p99 could not lead
// to a trace. This is the "aligned histogram bucket" reservoir the metrics SDK spec describes,
// keyed the way the exposition prints series, so the serializer can find them by label text.
import { type Attributes, type Context, TraceFlags, trace } from "@opentelemetry/api";

export interface Exemplar {
  value: number;
  traceId: string;
  spanId: string;
  /** Unix time in milliseconds. */
  timeMs: number;
}

/** The SDK's default explicit buckets, for histograms created without advice. */
export const SDK_DEFAULT_BOUNDARIES = [
  0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000,
];

/** A Prometheus metric or label name, as @opentelemetry/exporter-prometheus writes it. */
export function sanitizeName(name: string): string {
  return name.replace(/[^a-z0-9_]/gi, "_").replace(/_{2,}/g, "_");
}

/** A series' identity from its label pairs, whatever their order (`le` excluded). */
export function seriesKey(labels: Iterable<[string, string]>): string {
  return [...labels]
    .filter(([name]) => name !== "le")
    .map(([name, value]) => `${name}\u0000${value}`)
    .sort()
    .join("\u0001");
}

function attributeLabels(attributes: Attributes | undefined): [string, string][] {
  return (
    Object.entries(attributes ?? {})
      .filter(([, value]) => value !== undefined)
      // As the exporter writes values: strings as they are, anything else as JSON.
      .map(([name, value]) => [
        sanitizeName(name),
        typeof value === "string" ? value : JSON.stringify(value),
      ])
  );
}

interface MetricExemplars {
  boundaries: readonly number[];
  /** series key → the exemplar of each bucket (as `boundaries`, then +Inf). */
  series: Map<string, (Exemplar | undefined)[]>;
}

export class ExemplarReservoir {
  readonly #metrics = new Map<string, MetricExemplars>();

  /** Keeps the measurement as its bucket's exemplar when it was made in a sampled span. */
  offer(
    metric: string,
    boundaries: readonly number[],
    value: number,
    attributes: Attributes | undefined,
    context: Context,
  ): void {
    const span = trace.getSpanContext(context);
    if (!span || !trace.isSpanContextValid(span) || !(span.traceFlags & TraceFlags.SAMPLED)) return;
    let exemplars = this.#metrics.get(metric);
    if (!exemplars) {
      exemplars = { boundaries, series: new Map() };
      this.#metrics.set(metric, exemplars);
    }
    const key = seriesKey(attributeLabels(attributes));
    let buckets = exemplars.series.get(key);
    if (!buckets) {
      buckets = new Array(exemplars.boundaries.length + 1).fill(undefined);
      exemplars.series.set(key, buckets);
    }
    const bucket = exemplars.boundaries.findIndex((bound) => value <= bound);
    buckets[bucket < 0 ? exemplars.boundaries.length : bucket] = {
      value,
      traceId: span.traceId,
      spanId: span.spanId,
      timeMs: Date.now(),
    };
  }

  /** The exemplar of the bucket whose upper bound is `le` (a bucket line's), if any. */
  find(metric: string, key: string, le: number): Exemplar | undefined {
    const exemplars = this.#metrics.get(metric);
    if (!exemplars) return undefined;
    const index =
      le === Number.POSITIVE_INFINITY
        ? exemplars.boundaries.length
        : exemplars.boundaries.indexOf(le);
    return index < 0 ? undefined : exemplars.series.get(key)?.[index];
  }
}
