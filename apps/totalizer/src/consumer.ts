// Consumes SumMessages and applies them to the store, one transaction per partition batch.
// Poison (undecodable or semantically unusable) messages fail in `decode`, so the port sends
// them to `<topic>.dlq` one by one and the good messages of the batch are still counted.
// Transient database failures are never dead-lettered: the batch is retried until it lands or
// the consumer closes, and then it stays uncommitted for the next member of the group. A sum the
// total cannot take (int64 overflow, TotalOverflowError) fails the batch for good: the port
// then re-applies its halves, so only that message goes to the DLQ, with the reason.
import { withRetry } from "@obs/db";
import {
  type BatchHandler,
  type Consumer,
  type KafkaMessage,
  type KafkaMetrics,
  readProducedAt,
} from "@obs/kafka";
import type { Logger } from "@obs/otel";
import { epochMsOf, eventCodec, PoisonMessageError } from "@obs/proto";
import type { SumMessage } from "@obs/proto/gen/adder/v1/SumMessage.ts";
import type { AppKafka } from "@obs/service";
import type { Store } from "./store.ts";

export interface SumEvent {
  messageId: string;
  sum: bigint;
  /** Epoch milliseconds, from the body. */
  producedAtMs: number;
}

const codec = eventCodec<SumMessage>("adder.v1.SumMessage");

/**
 * Raw record → SumEvent. Beyond the codec's shape check, a message must carry what the
 * totalizer relies on: a message_id (without it redeliveries cannot be recognised) and a
 * produced_at (the seed's latency source). A missing sum is proto3's zero.
 */
export function decodeSum(message: KafkaMessage): SumEvent {
  const body = codec.decode(message.value);
  if (!body.message_id) throw new PoisonMessageError("adder.v1.SumMessage: message_id is missing");
  const producedAtMs = epochMsOf(body.produced_at);
  if (producedAtMs === undefined)
    throw new PoisonMessageError("adder.v1.SumMessage: produced_at is missing");
  return { messageId: body.message_id, sum: BigInt(body.sum), producedAtMs };
}

export interface SumConsumerOptions {
  kafka: Pick<AppKafka, "consumer">;
  store: Store;
  topic: string;
  groupId: string;
  metrics: KafkaMetrics;
  logger: Logger;
  /** First retry delay of a failed database write; doubles up to 5 s. */
  retryDelayMs?: number;
  /** kafka_consumer_lag refresh; default 15 s, one Prometheus scrape. */
  lagIntervalMs?: number;
}

export interface SumConsumer {
  consumer: Consumer;
  /** Partitions this member has processed batches from, for logs and tests. */
  partitions(): number[];
  close(): Promise<void>;
}

export function startSumConsumer(options: SumConsumerOptions): SumConsumer {
  const { store, topic, groupId, metrics, logger } = options;
  const seen = new Set<number>();

  // lib/kafka's consumer middleware opens the batch's and each message's `process` spans and
  // records the delivery latency from the produced_at header; this applies the batch.
  const eachBatch: BatchHandler<SumEvent> = async (batch, context) => {
    seen.add(context.partition);
    const now = Date.now();
    // A producer that did not go through lib/kafka's hooks may only have stamped the body's
    // produced_at, which is the same moment (the adder stamps both): measure from that.
    for (const { message, payload } of batch)
      if (readProducedAt(message.headers) === undefined)
        metrics.deliveryLatency(topic, now - payload.producedAtMs);
    const records = batch.map(({ message, payload }) => ({
      messageId: payload.messageId,
      sum: payload.sum,
      partition: message.partition,
      offset: message.offset,
    }));
    const result = await withRetry(() => store.applyBatch(topic, records), {
      signal: context.signal,
      delayMs: options.retryDelayMs ?? 200,
      onRetry: (error, attempt) =>
        logger.warn(
          { err: error, attempt, partition: context.partition, messages: records.length },
          "applying sums failed; retrying",
        ),
    });
    logger.debug(
      { partition: context.partition, ...result, lastOffset: String(records.at(-1)?.offset) },
      "sums applied",
    );
  };

  const consumer = options.kafka.consumer<SumEvent>({
    groupId,
    topics: [topic],
    decode: decodeSum,
    eachBatch,
    // The three partitions' batches of a fetch are applied side by side instead of one after
    // the other; their transactions only meet on the totals row, which each locks last.
    partitionConcurrency: 3,
    lag: { intervalMs: options.lagIntervalMs, metrics },
  });

  return {
    consumer,
    partitions: () => [...seen].sort((a, b) => a - b),
    close: () => consumer.close(),
  };
}
