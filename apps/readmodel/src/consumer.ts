// Consumes EntryPosted and AccountOpened and applies them to the store, one transaction per
// partition batch. Poison records fail in the decoder, so the port sends them to `<topic>.dlq`
// one by one and the good records of the batch are still applied.
import { withRetry } from "@obs/db";
import type { BatchHandler, Consumer } from "@obs/kafka";
import { inSpan, type Logger } from "@obs/otel";
import type { AppKafka, LagOptions } from "@obs/service";
import { eventDecoder, type ReadModelEvent } from "./events.ts";
import type { Store } from "./store.ts";

const SCOPE = "@obs/readmodel";

export interface ProjectionConsumerOptions {
  kafka: Pick<AppKafka, "consumer">;
  store: Store;
  topics: { entries: string; accounts: string };
  groupId: string;
  logger: Logger;
  /** First retry delay of a failed database write; doubles up to 5 s. */
  retryDelayMs?: number;
  /** Where and how often the group's lag is exported. */
  lag?: LagOptions;
}

export interface ProjectionConsumer {
  consumer: Consumer;
  /** "topic:partition" of every batch this member processed, for logs and tests. */
  partitions(): string[];
  close(): Promise<void>;
}

export function startProjectionConsumer(options: ProjectionConsumerOptions): ProjectionConsumer {
  const { store, topics, groupId, logger } = options;
  const seen = new Set<string>();

  // lib/kafka's consumer middleware opens the batch's and each message's `process` spans (the
  // latter children of their producers, so each transfer is one trace down to this projection,
  // and linked to the batch's); this applies the batch, each attempt a `project batch` span
  // holding its transaction.
  const eachBatch: BatchHandler<ReadModelEvent> = async (batch, context) => {
    seen.add(`${context.topic}:${context.partition}`);
    const records = batch.map(({ message, payload }) => ({
      event: payload,
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
    }));
    const project = () =>
      inSpan(
        SCOPE,
        "project batch",
        async (span) => {
          const applied = await store.applyBatch(records);
          for (const [name, value] of Object.entries(applied))
            span.setAttribute(`readmodel.projection.${name}`, value);
          return applied;
        },
        { "messaging.batch.message_count": records.length },
      );
    const result = await withRetry(project, {
      signal: context.signal,
      delayMs: options.retryDelayMs ?? 200,
      onRetry: (error, attempt) =>
        logger.warn(
          { err: error, attempt, topic: context.topic, partition: context.partition },
          "projecting events failed; retrying",
        ),
    });
    logger.debug(
      {
        topic: context.topic,
        partition: context.partition,
        ...result,
        lastOffset: String(records.at(-1)?.offset),
      },
      "events projected",
    );
  };

  const consumer = options.kafka.consumer<ReadModelEvent>({
    groupId,
    topics: [topics.entries, topics.accounts],
    decode: eventDecoder(topics),
    eachBatch,
    lag: options.lag,
  });

  return {
    consumer,
    partitions: () => [...seen].sort(),
    close: () => consumer.close(),
  };
}
