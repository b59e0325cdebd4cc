// Latency samples kept whole, so whole-run percentiles are exact rather than bucketed: at the
// rates a single generator reaches (a few thousand/s) even a long run is a few MB of doubles.
export class Samples {
  private values: number[] = [];
  private sorted = true;
  private maxValue = Number.NaN;

  add(ms: number): void {
    const last = this.values.at(-1);
    if (last !== undefined && ms < last) this.sorted = false;
    this.values.push(ms);
    if (!(ms <= this.maxValue)) this.maxValue = ms;
  }

  get count(): number {
    return this.values.length;
  }

  get max(): number {
    return this.maxValue;
  }

  /** Nearest-rank percentile (q in 0..1); NaN when empty. */
  percentile(q: number): number {
    const n = this.values.length;
    if (n === 0) return Number.NaN;
    if (!this.sorted) {
      this.values.sort((a, b) => a - b);
      this.sorted = true;
    }
    return this.values[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] as number;
  }
}
