import { errorType } from "@obs/otel";
import { type Attributes, type Context, SpanStatusCode } from "@opentelemetry/api";
import type { DeadLetterEvent, KafkaMessage, OutgoingHeaders } from "../port.ts";
import type { KafkaMetrics } from "./metrics.ts";
import {
  ATTR_DEAD_LETTER_STAGE,
  ATTR_ERROR_TYPE,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  EVENT_DEAD_LETTER,
  renamedAttributes,
  setEach,
} from "./semconv.ts";
import type { MessagingSpan } from "./spans.ts";
import { deadLetterSourceKey, sourceKey } from "./utils.ts";

interface Held {
  message: KafkaMessage;
  span: MessagingSpan;
  error: unknown;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * What the consume middleware and onDeadLetter share about failed messages.
 *
 * The port dead-letters a message after the middleware chain has rejected, so by the time
 * onDeadLetter fires the middleware has returned. To let the `process` span cover the DLQ send
 * (and parent its `send <topic>.dlq` span), a failed message's span is *held* open until its
 * dead letter is reported, the consumer dies, or `timeoutMs` passes.
 *
 * A failure is counted once in kafka_consumer_errors_total, by whichever sees it first: the
 * middleware (a rejected `next`) or onDeadLetter (batch decode failures never reject `next`).
 */
export interface Failures {
  /** The span covering `message` while it is processed, for onDeadLetter to mark. */
  open(message: KafkaMessage, span: MessagingSpan): void;
  close(message: KafkaMessage): void;
  count(message: KafkaMessage, error: unknown): void;
  /** Keeps the span open until the message's dead letter is reported; ends it with `error`. */
  hold(message: KafkaMessage, groupId: string, span: MessagingSpan, error: unknown): void;
  /** The held `process` span a dead-letter message (by its DLQ headers) comes from. */
  parentOf(headers: OutgoingHeaders | undefined): Context | undefined;
  deadLettered(event: DeadLetterEvent): void;
  /** Ends every held span, e.g. when the consumer died and no dead letter will come. */
  releaseAll(): void;
}

export function createFailures(metrics: KafkaMetrics, timeoutMs: number): Failures {
  const counted = new WeakSet<KafkaMessage>();
  const spans = new WeakMap<KafkaMessage, MessagingSpan>();
  const held = new Map<string, Held>();

  const keyOf = (message: KafkaMessage, groupId: string) =>
    sourceKey(groupId, message.topic, message.partition, message.offset);

  function release(key: string): void {
    const entry = held.get(key);
    if (!entry) return;
    held.delete(key);
    clearTimeout(entry.timer);
    spans.delete(entry.message);
    entry.span.end(entry.error);
  }

  function count(message: KafkaMessage, error: unknown): void {
    if (counted.has(message)) return;
    counted.add(message);
    metrics.consumerError(message.topic, error);
  }

  return {
    open: (message, span) => spans.set(message, span),
    close: (message) => spans.delete(message),
    count,
    hold(message, groupId, span, error) {
      const key = keyOf(message, groupId);
      release(key);
      const timer = setTimeout(() => release(key), timeoutMs);
      // A held span must not keep a process alive that is otherwise done.
      timer.unref?.();
      held.set(key, { message, span, error, timer });
    },
    parentOf(headers) {
      const key = deadLetterSourceKey(headers);
      return key === undefined ? undefined : held.get(key)?.span.context;
    },
    deadLettered(event) {
      const { message, error } = event;
      count(message, error);
      const span = spans.get(message);
      if (!span) return;
      const where: Attributes = {
        [ATTR_MESSAGING_DESTINATION_NAME]: event.dlqTopic,
        [ATTR_MESSAGING_DESTINATION_PARTITION_ID]: String(event.report.partition),
        [ATTR_DEAD_LETTER_STAGE]: event.stage,
        [ATTR_ERROR_TYPE]: errorType(error),
      };
      setEach(where, renamedAttributes().offset, Number(event.report.offset));
      span.span.addEvent(EVENT_DEAD_LETTER, where);
      const key = keyOf(message, event.groupId);
      if (held.get(key)?.message === message) {
        release(key);
        return;
      }
      // Still inside the chain (a batch's decode failure): mark it, its middleware ends it.
      span.span.setAttribute(ATTR_ERROR_TYPE, errorType(error));
      span.span.setStatus({
        code: SpanStatusCode.ERROR,
        message: `dead-lettered to ${event.dlqTopic}`,
      });
    },
    releaseAll() {
      for (const key of [...held.keys()]) release(key);
    },
  };
}
