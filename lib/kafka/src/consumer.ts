// Runs a handler over what a driver fetches: decode, middleware, dead-lettering, and a close that
// never lets a message be committed unless its handler (or its DLQ send) finished.
import { DeadLetterError } from "./dead-letter.ts";
import type { Driver, DriverConsumer, PartitionBatch } from "./driver.ts";
import { runConsume, runConsumeBatch } from "./middleware.ts";
import type {
  Consumer,
  ConsumerOptions,
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

export function startConsumer<T>(deps: ConsumerDeps, options: ConsumerOptions<T>): Consumer {
  const { eachMessage, eachBatch } = options;
  if (!eachMessage === !eachBatch) {
    throw new TypeError("a consumer needs exactly one of eachMessage and eachBatch");
  }
  const groupId = options.groupId;
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

  async function processBatch(batch: PartitionBatch): Promise<void> {
    const decoded: { payload: T; message: KafkaMessage }[] = [];
    let started = false;
    try {
      await runConsumeBatch(deps.hooks().consumeBatch ?? [], batch.messages, context, async () => {
        started = true;
        for (const message of batch.messages) {
          try {
            decoded.push({ payload: decode(message), message });
          } catch (error) {
            await routeFailure(message, "decode", error);
          }
        }
        if (decoded.length > 0) {
          await eachBatch?.(decoded, {
            ...context,
            topic: batch.topic,
            partition: batch.partition,
          });
        }
      });
    } catch (error) {
      if (error instanceof ConsumerClosingError || error instanceof DeadLetterError) throw error;
      const failed = started ? decoded.map((entry) => entry.message) : batch.messages;
      for (const message of failed) await routeFailure(message, "handler", error);
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

  const driverConsumer: DriverConsumer = deps.driver.consumer(
    {
      clientId: deps.clientId,
      groupId,
      topics: options.topics,
      fromBeginning: options.fromBeginning ?? true,
      sessionTimeoutMs: options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
      partitionConcurrency: Math.max(1, options.partitionConcurrency ?? 1),
    },
    process,
  );

  const done = driverConsumer.done.catch((error: unknown) => {
    if (closing) return;
    deps.logger.error("kafka consumer stopped", { groupId, error: String(error) });
    deps.hooks().onError?.(error);
    throw error;
  });
  // Callers that never await `done` must not crash the process with an unhandled rejection;
  // the error has been logged and handed to onError above.
  done.catch(() => {});

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
        deps.logger.warn(
          "kafka consumer closed with a handler still running; it is not committed",
          {
            groupId,
            timeoutMs,
          },
        );
        abandon(new ConsumerClosingError("handler abandoned by close()"));
      }
    }
    await driverConsumer.close();
    await done.catch(() => {});
  }

  return {
    groupId,
    ready: driverConsumer.ready,
    done,
    close: () => {
      closed ??= close();
      return closed;
    },
  };
}
