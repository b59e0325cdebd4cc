import type { Telemetry } from "./telemetry.ts";

export interface ShutdownOnSignalsOptions {
  signals?: NodeJS.Signals[];
  /** Runs first, e.g. `server.tryShutdown` and consumer disconnects, so their spans flush too. */
  beforeShutdown?: () => Promise<void> | void;
  /** Upper bound for the whole sequence; default 10 s, under Kubernetes' 30 s grace period. */
  timeoutMs?: number;
  /** Default: `process.exit`. */
  exit?: (code: number) => void;
}

/**
 * Opt-in: on SIGTERM/SIGINT, run `beforeShutdown`, flush spans and metrics, then exit.
 * Returns a function that removes the handlers. Not installed by startTelemetry because an
 * app with its own shutdown sequence must stay in charge of process exit.
 */
export function shutdownOnSignals(
  telemetry: Pick<Telemetry, "shutdown" | "logger">,
  options: ShutdownOnSignalsOptions = {},
): () => void {
  const signals = options.signals ?? ["SIGTERM", "SIGINT"];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const timeoutMs = options.timeoutMs ?? 10_000;
  let running = false;

  const handler = (signal: NodeJS.Signals) => {
    if (running) return;
    running = true;
    telemetry.logger.info({ signal }, "shutting down");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<number>((resolve) => {
      timer = setTimeout(() => resolve(1), timeoutMs);
    });
    const sequence = (async () => {
      try {
        await options.beforeShutdown?.();
      } catch (error) {
        telemetry.logger.error({ err: error }, "shutdown hook failed");
      }
      await telemetry.shutdown();
      return 0;
    })().catch(() => 1);
    void Promise.race([sequence, timeout]).then((code) => {
      clearTimeout(timer);
      exit(code);
    });
  };

  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}
