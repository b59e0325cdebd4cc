// A flow is one kind of request the generator sends at its share of the rate. prepare() runs
// before the clock starts (reachability, account pool), so set-up never counts as load.
import type { Outcome } from "../stats.ts";

export const FLOW_NAMES = ["add", "transfer"] as const;
export type FlowName = (typeof FLOW_NAMES)[number];

export interface Flow {
  readonly name: FlowName;
  /** Throws UnreachableError when the target does not answer. */
  prepare(): Promise<void>;
  /** One request; resolves with its outcome and never rejects. */
  send(index: number): Promise<Outcome>;
  close(): void;
}
