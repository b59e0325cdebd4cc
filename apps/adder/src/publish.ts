// Building and publishing SumMessages. Trace headers, the `produced_at` header, the `send`
// span and the produced/error counters come from lib/kafka's telemetry hooks; this module only
// owns the message body and what a failed or slow send means for the caller.
import type { DeliveryReport, OutgoingMessage, ProduceMiddleware, Producer } from "@obs/kafka";
import type { Logger } from "@obs/otel";
import { eventCodec, TOPICS, timestampOf } from "@obs/proto";
import { AppError } from "@obs/service";
import { context, type SpanContext, trace } from "@opentelemetry/api";
import type { SumMessage } from "./types.ts";

export type { SumMessage };

export const sumCodec = eventCodec<SumMessage>("adder.v1.SumMessage");

/** A send that outlived its deadline. `code` becomes the `error_type` label of the error counter. */
export class ProduceTimeoutError extends Error {
  override name = "ProduceTimeoutError";
  readonly code = "PRODUCE_TIMEOUT";
}

export { timestampOf };

export function buildSumMessage(
  sum: bigint,
  options: { spanContext?: SpanContext; now?: number; messageId?: string } = {},
): SumMessage {
  const span = options.spanContext;
  const traced = span !== undefined && trace.isSpanContextValid(span);
  return {
    sum: sum.toString(),
    produced_at: timestampOf(options.now ?? Date.now()),
    trace_id: traced ? span.traceId : "",
    span_id: traced ? span.spanId : "",
    message_id: options.messageId ?? crypto.randomUUID(),
  };
}

/** Keyed by message id: spreads over the partitions, and a replay keeps its key. */
export function toOutgoing(message: SumMessage, topic: string = TOPICS.sums): OutgoingMessage {
  return { topic, key: message.message_id, value: sumCodec.encode(message) };
}

/**
 * Bounds every send. lib/kafka's idempotent platformatic producer retries a failing send
 * forever (the library sets retries to MAX_SAFE_INTEGER for idempotent producers), so without
 * this a dead broker would hang the RPC. Install it with `kafka.use()` after the telemetry
 * hooks: it is then the innermost middleware, and the telemetry sees the timeout as the
 * send's error (counted in kafka_producer_errors_total{error_type="PRODUCE_TIMEOUT"}).
 * The abandoned send may still be delivered if the broker comes back; see the README note.
 */
export function produceDeadline(timeoutMs: number): ProduceMiddleware {
  return (messages, next) => {
    const sending = next(messages);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ProduceTimeoutError(`not acknowledged within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    // The loser of the race must not surface as an unhandled rejection.
    sending.catch(() => {});
    return Promise.race([sending, expired]).finally(() => clearTimeout(timer));
  };
}

export interface SumPublisher {
  /**
   * Publishes one SumMessage per sum, stamped with the active span, and resolves once the
   * broker acknowledged all of them (acks=all). Rejects with UNAVAILABLE otherwise: the sum
   * was computed but not acknowledged, so the caller may retry.
   */
  publish(sums: bigint[]): Promise<SumMessage[]>;
}

export function createPublisher(
  producer: Producer,
  topic: string = TOPICS.sums,
  logger?: Pick<Logger, "warn">,
): SumPublisher {
  const unavailable = (message: string, cause?: unknown) => {
    logger?.warn({ err: cause }, message);
    return AppError.unavailable(message, cause);
  };
  return {
    async publish(sums) {
      const spanContext = trace.getSpanContext(context.active());
      const messages = sums.map((sum) => buildSumMessage(sum, { spanContext }));
      let reports: DeliveryReport[];
      try {
        reports = await producer.send(messages.map((m) => toOutgoing(m, topic)));
      } catch (error) {
        throw unavailable(`publishing to ${topic} failed: ${(error as Error).message}`, error);
      }
      if (reports.length !== messages.length)
        throw unavailable(
          `publishing to ${topic}: ${reports.length} of ${messages.length} acknowledged`,
        );
      return messages;
    },
  };
}

export interface BatcherOptions {
  /** A batch is sent as soon as it holds this many messages. */
  maxBatch: number;
  /** ...or this long after its first message, so a slow stream is not held back. */
  lingerMs: number;
}

export interface StreamBatcher {
  /**
   * Queues one sum. Returns a promise when the caller should wait before adding more (a full
   * batch is being sent); it rejects if that batch or an earlier one failed.
   */
  add(sum: bigint): Promise<void> | undefined;
  /** Sends what is queued and resolves once every batch is acknowledged. */
  finish(): Promise<void>;
  /** Drops what is queued and stops the timer (the stream was aborted). */
  abandon(): void;
}

/**
 * Groups a stream's sums into batches sent one after the other: in order, with at most one
 * batch in flight (which is also what the idempotent producer allows), and stopping at the
 * first failure.
 */
export function createBatcher(
  publish: (sums: bigint[]) => Promise<unknown>,
  options: BatcherOptions,
): StreamBatcher {
  let pending: bigint[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let chain: Promise<void> = Promise.resolve();
  let abandoned = false;
  let failed = false;

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length > 0 && !abandoned) {
      const batch = pending;
      pending = [];
      chain = chain.then(async () => {
        await publish(batch);
      });
      chain.catch(() => {
        failed = true;
      });
    }
    return chain;
  };

  return {
    add(sum) {
      // A failed batch ends the stream; report it on the next add rather than at the end.
      if (failed) return chain;
      pending.push(sum);
      if (pending.length >= options.maxBatch) return flush();
      timer ??= setTimeout(flush, options.lingerMs);
      return undefined;
    },
    finish: flush,
    abandon() {
      abandoned = true;
      pending = [];
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
