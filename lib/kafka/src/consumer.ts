// Runs a handler over what a driver fetches: decode, middleware, dead-lettering, a close that
// never lets a message be committed unless its handler (or its DLQ send) finished, and a
// supervisor that re-creates the driver's client whenever it fails, for as long as the consumer
// is not closed.
import { setTimeout as delay } from "node:timers/promises";
import { DeadLetterDisabledError, DeadLetterError } from "./dead-letter.ts";
import type { Driver, DriverConsumer, PartitionBatch } from "./driver.ts";
import { deferred } from "./internal.ts";
import { runConsume, runConsumeBatch } from "./middleware.ts";
import type {
  Consumer,
  ConsumerOptions,
  ConsumerState,
  ConsumerStatus,
  DecodedMessage,
  KafkaHooks,
  KafkaMessage,
  Logger,
  MessageContext,
} from "./port.ts";

/** Sends one failed message to its DLQ; rejects if it could not (then nothing is committed). */
export type DeadLetter = (
  message: KafkaMessage,
  failure: { stage: "decode" | "handler"; error: unknown; groupId: string },
) => Promise<void>;

export interface ConsumerDeps {
  driver: Driver;
  clientId: string;
  hooks: () => Readonly<KafkaHooks>;
  deadLetter: DeadLetter;
  logger: Logger;
}

/** Thrown into the driver so that a batch abandoned by close() is not committed. */
export class ConsumerClosingError extends Error {
  override name = "ConsumerClosingError";
}

const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
const DEFAULT_SESSION_TIMEOUT_MS = 10_000;
const DEFAULT_RECONNECT = { initialMs: 500, maxMs: 5_000 };
/** A failed client is released before its successor starts, but never waited on for longer. */
const RELEASE_TIMEOUT_MS = 5_000;

/** Resolves after `ms`, or at once when `signal` aborts (the consumer is closing). */
const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  delay(ms, undefined, { signal }).catch(() => {});

async function releaseWithin(client: DriverConsumer, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    client.close().catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

export function startConsumer<T>(deps: ConsumerDeps, options: ConsumerOptions<T>): Consumer {
  const { eachMessage, eachBatch } = options;
  if (!eachMessage === !eachBatch) {
    throw new TypeError("a consumer needs exactly one of eachMessage and eachBatch");
  }
  const { groupId, topics } = options;
  const { logger } = deps;
  const decode = options.decode ?? ((message: KafkaMessage) => message as T);
  const controller = new AbortController();
  const context: MessageContext = { groupId, signal: controller.signal };
  let closing = false;
  // Several when the driver runs partitions concurrently (partitionConcurrency > 1).
  const inflight = new Set<Promise<void>>();
  let abandon: (error: Error) => void = () => {};
  const abandoned = new Promise<never>((_, reject) => {
    abandon = reject;
  });
  // Only observed through Promise.race; without a handler an abandoned close would be "unhandled".
  abandoned.catch(() => {});

  /** A failure while closing stays uncommitted and is redelivered, instead of dead-lettered. */
  async function routeFailure(
    message: KafkaMessage,
    stage: "decode" | "handler",
    error: unknown,
  ): Promise<void> {
    if (controller.signal.aborted) throw new ConsumerClosingError("closing", { cause: error });
    await deps.deadLetter(message, { stage, error, groupId });
  }

  async function processMessage(message: KafkaMessage): Promise<void> {
    let stage: "decode" | "handler" = "handler";
    try {
      await runConsume(deps.hooks().consume ?? [], message, context, async () => {
        stage = "decode";
        const payload = decode(message);
        stage = "handler";
        await eachMessage?.(payload, message, context);
      });
    } catch (error) {
      await routeFailure(message, stage, error);
    }
  }

  /**
   * Applies `entries`; if the handler throws, applies each half on its own, down to single
   * messages, so only a message that fails alone is dead-lettered and its batch-mates land.
   * The halves keep offset order. A batch with k bad messages among n costs at most about
   * 2·k·log2(n) extra handler calls; a batch without one costs none.
   */
  async function applyIsolating(
    entries: DecodedMessage<T>[],
    batch: PartitionBatch,
  ): Promise<void> {
    try {
      await eachBatch?.(entries, { ...context, topic: batch.topic, partition: batch.partition });
    } catch (error) {
      if (controller.signal.aborted) throw new ConsumerClosingError("closing", { cause: error });
      const [only] = entries;
      if (entries.length === 1 && only) {
        await routeFailure(only.message, "handler", error);
        return;
      }
      logger.warn("kafka batch handler failed; retrying its halves to isolate the failure", {
        groupId,
        topic: batch.topic,
        partition: batch.partition,
        messages: entries.length,
        firstOffset: entries[0]?.message.offset.toString(),
        error: String(error),
      });
      const middle = Math.ceil(entries.length / 2);
      await applyIsolating(entries.slice(0, middle), batch);
      await applyIsolating(entries.slice(middle), batch);
    }
  }

  async function processBatch(batch: PartitionBatch): Promise<void> {
    let applied = false;
    try {
      await runConsumeBatch(deps.hooks().consumeBatch ?? [], batch.messages, context, async () => {
        const decoded: DecodedMessage<T>[] = [];
        for (const message of batch.messages) {
          try {
            decoded.push({ payload: decode(message), message });
          } catch (error) {
            await routeFailure(message, "decode", error);
          }
        }
        if (decoded.length > 0) await applyIsolating(decoded, batch);
        applied = true;
      });
    } catch (error) {
      if (error instanceof ConsumerClosingError || error instanceof DeadLetterError) throw error;
      // A middleware failed after the batch was applied: nothing to redo or dead-letter.
      if (applied) {
        logger.warn("a consume middleware failed after its batch was applied", {
          groupId,
          topic: batch.topic,
          partition: batch.partition,
          error: String(error),
        });
        return;
      }
      // A middleware failed before the batch ran: nothing was applied, so all of it failed.
      for (const message of batch.messages) await routeFailure(message, "handler", error);
    }
  }

  async function process(batch: PartitionBatch): Promise<void> {
    if (closing) throw new ConsumerClosingError("closing");
    const work = (async () => {
      if (eachBatch) return processBatch(batch);
      for (const message of batch.messages) await processMessage(message);
    })();
    const settled = work.catch(() => {});
    inflight.add(settled);
    try {
      await Promise.race([work, abandoned]);
    } finally {
      inflight.delete(settled);
    }
  }

  // --- supervision: one driver client at a time, re-created after each failure ---

  const driverOptions = {
    clientId: deps.clientId,
    groupId,
    topics,
    fromBeginning: options.fromBeginning ?? true,
    sessionTimeoutMs: options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
    partitionConcurrency: Math.max(1, options.partitionConcurrency ?? 1),
  };
  const reconnect = { ...DEFAULT_RECONNECT, ...options.reconnect };
  const ready = deferred<void>();
  ready.promise.catch(() => {});
  let state: ConsumerState = "starting";
  let since = Date.now();
  let lastError: string | undefined;
  let restarts = 0;
  let unassignedSince: number | undefined;
  let client: DriverConsumer | undefined;

  function setState(next: ConsumerState, error?: unknown): void {
    state = next;
    since = Date.now();
    lastError = error === undefined ? undefined : String(error);
    unassignedSince = next === "running" ? since : undefined;
  }

  async function supervise(): Promise<void> {
    let backoff = reconnect.initialMs;
    while (!closing) {
      const current = deps.driver.consumer(driverOptions, process);
      client = current;
      setState("starting");
      current.ready.then(
        () => {
          if (client !== current || closing) return;
          if (restarts > 0) logger.info("kafka consumer running again", { groupId, restarts });
          setState("running");
          ready.resolve();
          backoff = reconnect.initialMs;
        },
        () => {},
      );
      try {
        await current.done;
        return;
      } catch (error) {
        if (closing) return;
        await releaseWithin(current, RELEASE_TIMEOUT_MS);
        deps.hooks().onError?.(error);
        if (error instanceof DeadLetterDisabledError) {
          setState("stopped", error);
          logger.error("kafka consumer stopped", { groupId, error: String(error) });
          throw error;
        }
        restarts++;
        setState("reconnecting", error);
        logger.warn("kafka consumer failed; reconnecting", {
          groupId,
          error: String(error),
          retryInMs: backoff,
          restarts,
        });
        await sleep(backoff, controller.signal);
        backoff = Math.min(backoff * 2, reconnect.maxMs);
      }
    }
  }

  const done = supervise();
  // Callers that never await `done` must not crash the process with an unhandled rejection;
  // the error has been logged and handed to onError above.
  done.then(
    () => ready.reject(new ConsumerClosingError("closed before joining the group")),
    (error: unknown) => ready.reject(error),
  );

  function status(): ConsumerStatus {
    const assignment = state === "running" ? (client?.assignment() ?? []) : [];
    if (state === "running") {
      if (assignment.length > 0) unassignedSince = undefined;
      else unassignedSince ??= Date.now();
    }
    return {
      groupId,
      topics: [...topics],
      state,
      assignment,
      since,
      unassignedSince: state === "running" ? unassignedSince : undefined,
      restarts,
      ...(lastError === undefined ? {} : { lastError }),
    };
  }

  let closed: Promise<void> | undefined;
  async function close(): Promise<void> {
    closing = true;
    controller.abort(new ConsumerClosingError("closing"));
    const pending = inflight.size > 0 ? Promise.all(inflight) : undefined;
    if (pending) {
      const timeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutMs);
      });
      const outcome = await Promise.race([pending.then(() => "done" as const), timedOut]);
      clearTimeout(timer);
      if (outcome === "timeout") {
        logger.warn("kafka consumer closed with a handler still running; it is not committed", {
          groupId,
          timeoutMs,
        });
        abandon(new ConsumerClosingError("handler abandoned by close()"));
      }
    }
    await client?.close();
    await done.catch(() => {});
    if (state !== "stopped") setState("closed");
  }

  done.catch(() => {});
  return {
    groupId,
    ready: ready.promise,
    done,
    status,
    close: () => {
      closed ??= close();
      return closed;
    },
  };
}
