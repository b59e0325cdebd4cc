// What a Kubernetes restartPolicy (OnFailure) does for a pod, for `bun run dev`: an app that
// crashes (a non-zero exit, or killed by a signal) is started again, so a crash is a line in
// the log and a gap in its metrics, not a part of the system that silently stays down. A clean
// exit (code 0) is an app that was asked to stop, e.g. by the terminal's Ctrl-C.
import type { AppProcess } from "./app-process.ts";

/** Running longer than this before dying resets the backoff: it was not a crash loop. */
const STABLE_MS = 60_000;

/** 1 s after the first exit, doubling while the app keeps dying soon after its start, to 30 s. */
export function restartDelayMs(quickExits: number): number {
  return Math.min(30_000, 1_000 * 2 ** Math.max(0, quickExits - 1));
}

export interface Supervised {
  /** The process running now (or the last one, while a restart waits). */
  current(): AppProcess;
  /** No more restarts: call before stopping the process. */
  release(): void;
}

export function supervise(
  start: () => AppProcess,
  log: (line: string) => void = (line) => console.error(line),
): Supervised {
  let released = false;
  let quickExits = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let app = watch(start());

  function watch(started: AppProcess): AppProcess {
    const at = Date.now();
    void started.proc.exited.then((code) => {
      if (released || (code === 0 && started.proc.signalCode === null)) return;
      quickExits = Date.now() - at < STABLE_MS ? quickExits + 1 : 1;
      const delay = restartDelayMs(quickExits);
      const how = started.proc.signalCode ?? `code ${started.proc.exitCode}`;
      log(`dev: ${started.label} exited (${how}); restarting in ${delay / 1000} s`);
      timer = setTimeout(() => {
        if (!released) app = watch(start());
      }, delay);
    });
    return started;
  }

  return {
    current: () => app,
    release() {
      released = true;
      clearTimeout(timer);
    },
  };
}
