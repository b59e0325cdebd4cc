// What an app holds while it runs (pools, Kafka clients, consumers, relays, timers), closed in
// the reverse order it was acquired: on stop, and on a start that failed half-way, so a failed
// start leaves no pool open and no port bound.
import type { Logger } from "@obs/otel";

interface Held {
  what: string;
  close: () => unknown;
}

export interface Resources {
  /** Holds `resource` until `closeAll()`; returns it, so acquiring reads as one line. */
  own<T>(what: string, resource: T, close: (resource: T) => unknown): T;
  /** Closes everything held, last acquired first; a failing close is logged, not thrown. */
  closeAll(): Promise<void>;
}

export function createResources(logger: Pick<Logger, "warn">): Resources {
  const held: Held[] = [];
  let closing: Promise<void> | undefined;
  return {
    own(what, resource, close) {
      held.push({ what, close: () => close(resource) });
      return resource;
    },
    closeAll() {
      closing ??= (async () => {
        for (const { what, close } of held.reverse()) {
          try {
            await close();
          } catch (error) {
            logger.warn({ err: error }, `closing ${what} failed`);
          }
        }
      })();
      return closing;
    },
  };
}
