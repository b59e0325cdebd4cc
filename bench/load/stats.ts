// Counters and latencies of one flow: over the whole run (the summary) and over the current
// progress window (the live line), which is reset each time it is read.
import { Samples } from "./samples.ts";

/** What a request came to: ok, or an error kind such as "grpc UNAVAILABLE" or "http 503". */
export type Outcome = { ok: true } | { ok: false; kind: string };

export interface WindowStats {
  /** Requests sent per second over the window. */
  rate: number;
  /** p50/p99 of the requests that succeeded during the window, ms (NaN when none did). */
  p50: number;
  p99: number;
}

export interface FlowProgress extends WindowStats {
  sent: number;
  ok: number;
  errors: number;
  skipped: number;
  inFlight: number;
}

export interface FlowSummary {
  /** Requests per second this flow was asked for (--rate split evenly across flows). */
  targetRate: number;
  sent: number;
  ok: number;
  errors: number;
  /** Error count by kind: gRPC status name, HTTP status (and error code), timeout, network. */
  errorsByKind: Record<string, number>;
  /** Due while --max-in-flight requests were outstanding: never sent. */
  skipped: number;
  /** Still outstanding when the drain bound ran out: neither ok nor error. */
  unfinished: number;
  /** sent / seconds of sending. */
  achievedRate: number;
  /** ok / seconds of sending. */
  okRate: number;
  /** Latency of the successful requests, ms, measured from when each was sent
   * (at most one scheduler tick, ~2 ms, after it was due). */
  latencyMs: { p50: number; p95: number; p99: number; max: number };
}

export class FlowStats {
  sent = 0;
  ok = 0;
  skipped = 0;
  inFlight = 0;
  readonly errorsByKind = new Map<string, number>();
  private readonly all = new Samples();
  private window = new Samples();
  private windowSent = 0;
  private windowStartedAt: number;

  constructor(
    readonly targetRate: number,
    now: number,
  ) {
    this.windowStartedAt = now;
  }

  get errors(): number {
    let n = 0;
    for (const count of this.errorsByKind.values()) n += count;
    return n;
  }

  started(): void {
    this.sent++;
    this.windowSent++;
    this.inFlight++;
  }

  skip(): void {
    this.skipped++;
  }

  finished(outcome: Outcome, latencyMs: number): void {
    this.inFlight--;
    if (outcome.ok) {
      this.ok++;
      this.all.add(latencyMs);
      this.window.add(latencyMs);
    } else {
      this.errorsByKind.set(outcome.kind, (this.errorsByKind.get(outcome.kind) ?? 0) + 1);
    }
  }

  /** The live figures; starts a new window. */
  progress(now: number): FlowProgress {
    const seconds = (now - this.windowStartedAt) / 1000;
    const window = this.window;
    const result: FlowProgress = {
      rate: seconds > 0 ? this.windowSent / seconds : 0,
      p50: window.percentile(0.5),
      p99: window.percentile(0.99),
      sent: this.sent,
      ok: this.ok,
      errors: this.errors,
      skipped: this.skipped,
      inFlight: this.inFlight,
    };
    this.window = new Samples();
    this.windowSent = 0;
    this.windowStartedAt = now;
    return result;
  }

  summary(sendingSeconds: number): FlowSummary {
    const perSecond = (n: number) => (sendingSeconds > 0 ? n / sendingSeconds : 0);
    return {
      targetRate: this.targetRate,
      sent: this.sent,
      ok: this.ok,
      errors: this.errors,
      errorsByKind: Object.fromEntries(
        [...this.errorsByKind].sort(([a], [b]) => a.localeCompare(b)),
      ),
      skipped: this.skipped,
      unfinished: this.inFlight,
      achievedRate: perSecond(this.sent),
      okRate: perSecond(this.ok),
      latencyMs: {
        p50: this.all.percentile(0.5),
        p95: this.all.percentile(0.95),
        p99: this.all.percentile(0.99),
        max: this.all.max,
      },
    };
  }
}
