import { expect, test } from "bun:test";
import { Samples } from "./samples.ts";
import { FlowStats } from "./stats.ts";

test("samples give nearest-rank percentiles and the max, NaN when empty", () => {
  const samples = new Samples();
  expect(samples.percentile(0.5)).toBeNaN();
  expect(samples.max).toBeNaN();
  for (const v of [5, 1, 4, 2, 3, 10, 9, 8, 7, 6]) samples.add(v);
  expect(samples.percentile(0.5)).toBe(5);
  expect(samples.percentile(0.99)).toBe(10);
  expect(samples.percentile(0)).toBe(1);
  expect(samples.max).toBe(10);
  samples.add(0.5);
  expect(samples.percentile(0)).toBe(0.5);
});

test("a flow counts ok, errors by kind, skipped and in flight separately", () => {
  const stats = new FlowStats(50, 0);
  for (let i = 0; i < 6; i++) stats.started();
  stats.skip();
  stats.finished({ ok: true }, 2);
  stats.finished({ ok: true }, 4);
  stats.finished({ ok: false, kind: "grpc UNAVAILABLE" }, 1);
  stats.finished({ ok: false, kind: "http 503 UNAVAILABLE" }, 1);
  stats.finished({ ok: false, kind: "grpc UNAVAILABLE" }, 1);
  expect(stats.sent).toBe(6);
  expect(stats.ok).toBe(2);
  expect(stats.errors).toBe(3);
  expect(stats.skipped).toBe(1);
  expect(stats.inFlight).toBe(1);

  const summary = stats.summary(2);
  expect(summary).toMatchObject({
    targetRate: 50,
    sent: 6,
    ok: 2,
    errors: 3,
    skipped: 1,
    unfinished: 1,
    achievedRate: 3,
    okRate: 1,
    errorsByKind: { "grpc UNAVAILABLE": 2, "http 503 UNAVAILABLE": 1 },
  });
  // Latency is of successful requests only.
  expect(summary.latencyMs).toEqual({ p50: 2, p95: 4, p99: 4, max: 4 });
});

test("the progress window covers only what happened since the last read", () => {
  const stats = new FlowStats(10, 1000);
  for (let i = 0; i < 10; i++) {
    stats.started();
    stats.finished({ ok: true }, 100 + i);
  }
  const first = stats.progress(2000);
  expect(first).toMatchObject({ rate: 10, sent: 10, ok: 10, errors: 0, p50: 104, p99: 109 });

  stats.started();
  stats.finished({ ok: true }, 1);
  stats.started();
  const second = stats.progress(2500);
  // Two sent in half a second; cumulative counters keep counting.
  expect(second).toMatchObject({ rate: 4, sent: 12, ok: 11, inFlight: 1, p50: 1, p99: 1 });
  expect(stats.progress(3000).p50).toBeNaN();
  // The whole-run figures still hold every sample.
  expect(stats.summary(2).latencyMs.max).toBe(109);
});
