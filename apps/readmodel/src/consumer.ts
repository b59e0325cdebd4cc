// Consumes EntryPosted and AccountOpened and applies them to the store, one transaction per
// partition batch. Poison records fail in the decoder, so the port sends them to `<topic>.dlq`
// one by one and the good records of the batch are still applied.
import { withRetry } from "@obs/db";
import type { BatchHandler, Consumer, Kafka } from "@obs/kafka";
import { type Logger, type MessagingSpan, startConsumerSpan } from "@obs/otel";
import { eventDecoder, type ReadModelEvent } from "./events.ts";
import type { Store } from "./store.ts";

export interface ProjectionConsumerOptions {
  kafka: Kafka;
  store: Store;
  topics: { entries: string; accounts: string };
  groupId: string;
  logger: Logger;
  /** First retry delay of a failed database write; doubles up to 5 s. */
  retryDelayMs?: number;
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

  const eachBatch: BatchHandler<ReadModelEvent> = async (batch, context) => {
    seen.add(`${context.topic}:${context.partition}`);
    // The hook's batch span only links to the producers; a per-message `process` span whose
    // parent is the producer's keeps each transfer one connected trace in Jaeger, from the
    // orchestrator's request down to this projection.
    const spans: MessagingSpan[] = batch.map(({ message }) =>
      startConsumerSpan(message.topic, message.headers, {
        partition: message.partition,
        offset: message.offset,
        group: groupId,
        key: message.key,
      }),
    );
    const records = batch.map(({ message, payload }) => ({
      event: payload,
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
    }));
    try {
      const result = await withRetry(() => store.applyBatch(records), {
        signal: context.signal,
        delayMs: options.retryDelayMs ?? 200,
        onRetry: (error, attempt) =>
          logger.warn(
            { err: error, attempt, topic: context.topic, partition: context.partition },
            "projecting events failed; retrying",
          ),
      });
      for (const span of spans) span.end();
      logger.debug(
        {
          topic: context.topic,
          partition: context.partition,
          ...result,
          lastOffset: String(records.at(-1)?.offset),
        },
        "events projected",
      );
    } catch (error) {
      for (const span of spans) span.end(error);
      throw error;
    }
  };

  const consumer = options.kafka.consumer<ReadModelEvent>({
    groupId,
    topics: [topics.entries, topics.accounts],
    decode: eventDecoder(topics),
    eachBatch,
  });

  return {
    consumer,
    partitions: () => [...seen].sort(),
    close: () => consumer.close(),
  };
}
