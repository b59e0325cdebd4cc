// runLoad: the whole generator as a function, so the benchmark runner can put apps under a
// known load (e.g. to read their RSS) and the CLI stays a thin wrapper around it.
import { addFlow } from "./flows/add.ts";
import { FLOW_NAMES, type Flow, type FlowName } from "./flows/flow.ts";
import { transferFlow } from "./flows/transfer.ts";
import { OpenLoop } from "./scheduler.ts";
import { type FlowProgress, FlowStats, type FlowSummary } from "./stats.ts";
import { defaultTargets, type Targets } from "./targets.ts";

export interface LoadOptions {
  flows: FlowName[];
  /** Total requests per second, split evenly across `flows`. */
  rate: number;
  durationMs: number;
  /** Size of the account pool the transfers flow opens before the clock starts. */
  accounts: number;
  /** Reuse an already opened pool instead (all in `currency`). */
  accountIds?: string[];
  currency: string;
  /** Cap on outstanding requests, per flow; slots due above it are skipped. */
  maxInFlight: number;
  /** Deadline of each request. */
  timeoutMs: number;
  /** After sending stops (end or abort), how long to wait for outstanding requests. */
  drainMs: number;
  targets: Targets;
  /** Recorded in the summary; the CLI passes its own command line. */
  command?: string;
}

export const DEFAULT_LOAD_OPTIONS: Omit<LoadOptions, "targets"> = {
  flows: [...FLOW_NAMES],
  rate: 100,
  durationMs: 60_000,
  accounts: 100,
  currency: "USD",
  maxInFlight: 1000,
  timeoutMs: 10_000,
  drainMs: 10_000,
};

export interface LoadProgress {
  elapsedMs: number;
  durationMs: number;
  flows: Partial<Record<FlowName, FlowProgress>>;
}

export interface LoadHooks {
  /** Called every progressIntervalMs while sending, with the figures of that window. */
  onProgress?: (progress: LoadProgress) => void;
  progressIntervalMs?: number;
  /** Aborting stops sending; outstanding requests get drainMs, then the summary is returned. */
  signal?: AbortSignal;
}

export interface LoadSummary {
  date: string;
  bun: string;
  command: string;
  options: {
    flows: FlowName[];
    rate: number;
    durationMs: number;
    accounts: number;
    currency: string;
    maxInFlight: number;
    timeoutMs: number;
    targets: Targets;
  };
  /** Stopped early by the signal (Ctrl-C). */
  interrupted: boolean;
  /** Seconds spent sending (the rates divide by this). */
  elapsedS: number;
  flows: Partial<Record<FlowName, FlowSummary>>;
}

const TICK_MS = 2;

function buildFlow(name: FlowName, options: LoadOptions): Flow {
  switch (name) {
    case "add":
      return addFlow({ adderAddr: options.targets.adderAddr, timeoutMs: options.timeoutMs });
    case "transfer":
      return transferFlow({
        orchestratorUrl: options.targets.orchestratorUrl,
        accountsUrl: options.targets.accountsUrl,
        accounts: options.accounts,
        accountIds: options.accountIds,
        currency: options.currency,
        timeoutMs: options.timeoutMs,
      });
  }
}

/** Fills what the caller left out from DEFAULT_LOAD_OPTIONS and the default targets. */
export function withDefaults(options: Partial<LoadOptions>): LoadOptions {
  return { ...DEFAULT_LOAD_OPTIONS, targets: defaultTargets(), ...options };
}

function validate(options: LoadOptions): void {
  if (options.flows.length === 0) throw new Error("no flow selected");
  if (!(options.rate > 0)) throw new Error(`rate must be positive, got ${options.rate}`);
  if (!(options.durationMs > 0)) throw new Error("duration must be positive");
  if (!(options.maxInFlight >= 1)) throw new Error("max in flight must be at least 1");
  const pool = options.accountIds?.length ?? options.accounts;
  if (options.flows.includes("transfer") && !(pool >= 2))
    throw new Error(`transfers need at least 2 accounts, got ${pool}`);
}

export async function runLoad(
  partial: Partial<LoadOptions>,
  hooks: LoadHooks = {},
): Promise<LoadSummary> {
  const options = withDefaults(partial);
  validate(options);
  const { signal, onProgress, progressIntervalMs = 1000 } = hooks;
  const flows = [...new Set(options.flows)].map((name) => buildFlow(name, options));
  try {
    await Promise.all(flows.map((flow) => flow.prepare()));
    const perFlowRate = options.rate / flows.length;
    const startedAt = performance.now();
    const lanes = flows.map((flow) => {
      const stats = new FlowStats(perFlowRate, startedAt);
      const loop = new OpenLoop(
        perFlowRate,
        options.durationMs,
        startedAt,
        options.maxInFlight,
        () => stats.inFlight,
      );
      return { flow, stats, loop };
    });
    const outstanding = () => lanes.reduce((n, lane) => n + lane.stats.inFlight, 0);
    let settled: (() => void) | undefined;

    let nextProgressAt = startedAt + progressIntervalMs;
    while (!signal?.aborted) {
      const now = performance.now();
      for (const { flow, stats, loop } of lanes) {
        for (const slot of loop.take(now, () => stats.skip())) {
          stats.started();
          const sentAt = performance.now();
          void flow.send(slot.index).then((outcome) => {
            stats.finished(outcome, performance.now() - sentAt);
            if (settled && outstanding() === 0) settled();
          });
        }
      }
      if (onProgress && now >= nextProgressAt) {
        nextProgressAt += progressIntervalMs;
        onProgress({
          elapsedMs: now - startedAt,
          durationMs: options.durationMs,
          flows: Object.fromEntries(lanes.map((l) => [l.flow.name, l.stats.progress(now)])),
        });
      }
      if (lanes.every((lane) => lane.loop.done)) break;
      await Bun.sleep(TICK_MS);
    }
    // A full run lasted its duration even though its last slot may fall due a little earlier.
    const sendingS = signal?.aborted
      ? Math.min(performance.now() - startedAt, options.durationMs) / 1000
      : options.durationMs / 1000;

    if (outstanding() > 0) {
      const drained = new Promise<void>((resolve) => {
        settled = resolve;
      });
      let timer: Timer | undefined;
      await Promise.race([
        drained,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, options.drainMs);
        }),
      ]);
      clearTimeout(timer);
    }

    return {
      date: new Date().toISOString(),
      bun: Bun.version,
      command: options.command ?? "runLoad()",
      options: {
        flows: lanes.map((lane) => lane.flow.name),
        rate: options.rate,
        durationMs: options.durationMs,
        accounts: options.accountIds?.length ?? options.accounts,
        currency: options.currency,
        maxInFlight: options.maxInFlight,
        timeoutMs: options.timeoutMs,
        targets: options.targets,
      },
      interrupted: signal?.aborted ?? false,
      elapsedS: sendingS,
      flows: Object.fromEntries(lanes.map((l) => [l.flow.name, l.stats.summary(sendingS)])),
    };
  } finally {
    for (const flow of flows) flow.close();
  }
}
