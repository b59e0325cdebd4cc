// Reads a Prometheus histogram from /metrics text and computes quantiles the way
// histogram_quantile() does (linear interpolation inside the bucket), so benchmark figures
// come from the very histogram the apps export and the dashboards plot.

/** Cumulative count per upper bound (`le`), summed over every series matching `filter`. */
export function parseBuckets(
  metrics: string,
  name: string,
  filter: (labels: string) => boolean = () => true,
): Map<number, number> {
  const buckets = new Map<number, number>();
  const pattern = new RegExp(`^${name}_bucket\\{([^}]*)\\} ([0-9.e+]+)$`, "gm");
  for (const [, labels = "", value] of metrics.matchAll(pattern)) {
    if (!filter(labels)) continue;
    const le = /le="([^"]+)"/.exec(labels)?.[1];
    if (le === undefined) continue;
    const bound = le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(value));
  }
  return buckets;
}

/** after − before, bucket by bucket: the observations made in between. */
export function diffBuckets(
  after: Map<number, number>,
  before: Map<number, number>,
): Map<number, number> {
  return new Map([...after].map(([le, count]) => [le, count - (before.get(le) ?? 0)]));
}

export function count(buckets: Map<number, number>): number {
  return buckets.get(Number.POSITIVE_INFINITY) ?? 0;
}

/** Prometheus's histogram_quantile over cumulative buckets. */
export function quantile(q: number, buckets: Map<number, number>): number {
  const sorted = [...buckets].sort(([a], [b]) => a - b);
  const total = count(buckets);
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, cumulative] of sorted) {
    if (cumulative >= rank) {
      if (le === Number.POSITIVE_INFINITY) return lowerBound;
      return (
        lowerBound + ((le - lowerBound) * (rank - lowerCount)) / (cumulative - lowerCount || 1)
      );
    }
    lowerBound = le;
    lowerCount = cumulative;
  }
  return lowerBound;
}

/** Exact percentile of raw samples (nearest rank). */
export function percentile(sortedSamples: number[], q: number): number {
  if (sortedSamples.length === 0) return Number.NaN;
  return (
    sortedSamples[Math.min(sortedSamples.length - 1, Math.ceil(q * sortedSamples.length) - 1)] ??
    Number.NaN
  );
}
