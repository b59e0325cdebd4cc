// Open-loop schedule: request i of a flow is due at start + (i+1)/rate whatever happened to the
// earlier ones, so a slow server meets the load it would meet in production instead of a
// client that politely waits for each answer (coordinated omission). A cap on requests in
// flight keeps a stalled target from exhausting the generator; slots that find the cap full
// are skipped and counted, never sent late.

/** How many requests are due `elapsedMs` after the start, never more than the run holds. */
export function slotsDue(elapsedMs: number, ratePerS: number, durationMs: number): number {
  const total = Math.floor((durationMs * ratePerS) / 1000);
  return Math.max(0, Math.min(total, Math.floor((elapsedMs * ratePerS) / 1000)));
}

/** When slot i (0-based) is due, in ms after the start. */
export function slotTime(index: number, ratePerS: number): number {
  return ((index + 1) * 1000) / ratePerS;
}

export interface Slot {
  /** 0-based index of the request in the flow's schedule. */
  index: number;
  /** performance.now() timestamp at which the request was due. */
  dueAt: number;
}

/**
 * One flow's schedule. `take(now)` hands out the slots that fell due since the last call,
 * marking as skipped those that arrive while `inFlight()` is at the cap.
 */
export class OpenLoop {
  private issued = 0;

  constructor(
    private readonly ratePerS: number,
    private readonly durationMs: number,
    private readonly startedAt: number,
    private readonly maxInFlight: number,
    private readonly inFlight: () => number,
  ) {}

  /** Slots to send now; `onSkip` is called for each slot dropped at the cap. */
  take(now: number, onSkip: () => void): Slot[] {
    const due = slotsDue(now - this.startedAt, this.ratePerS, this.durationMs);
    const slots: Slot[] = [];
    let inFlight = this.inFlight();
    for (; this.issued < due; this.issued++) {
      if (inFlight >= this.maxInFlight) {
        onSkip();
        continue;
      }
      inFlight++;
      slots.push({
        index: this.issued,
        dueAt: this.startedAt + slotTime(this.issued, this.ratePerS),
      });
    }
    return slots;
  }

  /** Every slot of the run has been handed out or skipped. */
  get done(): boolean {
    return this.issued >= slotsDue(this.durationMs, this.ratePerS, this.durationMs);
  }
}
