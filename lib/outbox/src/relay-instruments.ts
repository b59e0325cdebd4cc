// The relay's instruments, one set per meter: several relays in one process (tests, an app
// with two outboxes) share them instead of registering duplicates.
import type { Meter } from "@opentelemetry/api";

/** Seconds; outbox-to-broker latency is milliseconds when healthy, minutes in an outage. */
export const OUTBOX_LATENCY_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900,
];

export interface Instruments {
  latency: ReturnType<Meter["createHistogram"]>;
  published: ReturnType<Meter["createCounter"]>;
  errors: ReturnType<Meter["createCounter"]>;
  pending: ReturnType<Meter["createObservableGauge"]>;
  oldestAge: ReturnType<Meter["createObservableGauge"]>;
}

const instrumentsByMeter = new WeakMap<Meter, Instruments>();

export function instrumentsFor(meter: Meter): Instruments {
  let instruments = instrumentsByMeter.get(meter);
  if (!instruments) {
    instruments = {
      // Names as Prometheus shows them: the exporter only appends _total to counters.
      latency: meter.createHistogram("outbox_relay_latency_seconds", {
        description:
          "Time from an outbox row's created_at (its transaction's start) to publication.",
        unit: "s",
        advice: { explicitBucketBoundaries: OUTBOX_LATENCY_BUCKETS_SECONDS },
      }),
      published: meter.createCounter("outbox_published", {
        description: "Outbox rows published to Kafka and marked published.",
      }),
      errors: meter.createCounter("outbox_publish_errors", {
        description: "Outbox rows whose publish attempt failed (they stay pending).",
      }),
      pending: meter.createObservableGauge("outbox_pending_rows", {
        description: "Outbox rows not yet published.",
      }),
      oldestAge: meter.createObservableGauge("outbox_oldest_unpublished_age_seconds", {
        description: "Age of the oldest unpublished outbox row; 0 when none is pending.",
        unit: "s",
      }),
    };
    instrumentsByMeter.set(meter, instruments);
  }
  return instruments;
}
