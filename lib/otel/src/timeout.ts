/**
 * Rejects with a `TIMEOUT` error after `ms` if `work` has not settled. The work itself goes
 * on (a client library may not be cancellable); its later rejection is swallowed so it cannot
 * crash the process. Here rather than in lib/service because every package waits on
 * something it cannot cancel (the outbox's sends, the SDK's last export) and this is the one
 * they all depend on.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  work.catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(Object.assign(new Error(`${what} timed out after ${ms} ms`), { code: "TIMEOUT" })),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}
