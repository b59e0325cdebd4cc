import { expect, test } from "bun:test";
import { count, diffBuckets, parseBuckets, percentile, quantile } from "./histogram.ts";

const text = `# TYPE kafka_message_delivery_latency histogram
kafka_message_delivery_latency_bucket{topic="a",le="5"} 10
kafka_message_delivery_latency_bucket{topic="a",le="10"} 90
kafka_message_delivery_latency_bucket{topic="a",le="25"} 100
kafka_message_delivery_latency_bucket{topic="a",le="+Inf"} 100
kafka_message_delivery_latency_bucket{topic="b",le="5"} 7
kafka_message_delivery_latency_bucket{topic="b",le="+Inf"} 7
`;

test("buckets are read per series and summed across matching series", () => {
  expect(count(parseBuckets(text, "kafka_message_delivery_latency"))).toBe(107);
  expect(
    count(parseBuckets(text, "kafka_message_delivery_latency", (l) => l.includes('topic="a"'))),
  ).toBe(100);
});

test("quantiles interpolate inside the bucket like histogram_quantile", () => {
  const a = parseBuckets(text, "kafka_message_delivery_latency", (l) => l.includes('topic="a"'));
  // rank 50 of 100: 40 of the 80 observations in (5, 10] -> 5 + 5 * 40/80
  expect(quantile(0.5, a)).toBe(7.5);
  // rank 99: 9 of the 10 observations in (10, 25] -> 10 + 15 * 9/10
  expect(quantile(0.99, a)).toBeCloseTo(23.5, 10);
});

test("a diff isolates the observations of a run", () => {
  const before = new Map([
    [5, 10],
    [Number.POSITIVE_INFINITY, 10],
  ]);
  const after = new Map([
    [5, 10],
    [Number.POSITIVE_INFINITY, 30],
  ]);
  expect(count(diffBuckets(after, before))).toBe(20);
  expect(quantile(0.5, diffBuckets(after, before))).toBe(5);
});

test("exact percentiles use the nearest rank", () => {
  expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5)).toBe(5);
  expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.99)).toBe(10);
});
