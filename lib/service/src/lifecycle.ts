// Graceful shutdown in reverse start-up order: stop taking traffic, drain consumers, then
// flush telemetry last so the spans of the shutdown itself are exported.
type Closer = () => Promise<void> | void;

const closers: { name: string; close: Closer }[] = [];
let shuttingDown: Promise<void> | undefined;

/** Registers a resource to close on shutdown; later registrations close first. */
export function onShutdown(name: string, close: Closer): void {
  closers.push({ name, close });
}

export function shutdown(
  reason: string,
  log: (line: string) => void = console.error,
): Promise<void> {
  shuttingDown ??= (async () => {
    log(`shutting down (${reason})`);
    for (const { name, close } of [...closers].reverse()) {
      try {
        await close();
      } catch (error) {
        log(`error while closing ${name}: ${(error as Error).message}`);
      }
    }
  })();
  return shuttingDown;
}

/** SIGTERM/SIGINT run the shutdown once, then exit. */
export function exitOnSignals(log?: (line: string) => void): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      void shutdown(signal, log).finally(() => process.exit(0));
    });
  }
}
