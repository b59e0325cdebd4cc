import { errorMessage, errorType } from "@obs/otel";
import {
  type Attributes,
  type Context,
  context,
  type Link,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import { ATTR_ERROR_TYPE } from "@opentelemetry/semantic-conventions";
import { extractTraceContext, injectTraceHeaders, type KafkaHeaders } from "./propagation.ts";
import { kafkaTracer } from "./scope.ts";
import {
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  operationAttributes,
  renamedAttributes,
  setEach,
} from "./semconv.ts";

export type KafkaKey = string | Uint8Array | null | undefined;
export type KafkaOffset = number | bigint | string;

export interface MessagingSpan {
  span: Span;
  /** The context with `span` active: run the send or the handler inside it. */
  context: Context;
  /** Ends the span; with an error, records it and sets `error.type` and status ERROR. */
  end(error?: unknown): void;
}

export interface ProducerSpan extends MessagingSpan {
  /** `traceparent` (and `tracestate`/`baggage`) of this span: add them to the message. */
  headers: Record<string, string>;
}

export interface ProducerSpanOptions {
  key?: KafkaKey;
  /** Only when the producer picks the partition itself; otherwise the broker decides. */
  partition?: number;
  /** Defaults to the active context, so a send inside a request joins its trace. */
  parent?: Context;
  tracerProvider?: TracerProvider;
}

export interface ConsumerSpanOptions {
  partition: number;
  offset: KafkaOffset;
  group: string;
  key?: KafkaKey;
  tracerProvider?: TracerProvider;
  /** e.g. the batch span that applied this message, whose trace holds the handler's spans. */
  links?: Link[];
}

const decoder = new TextDecoder();

function baseAttributes(topic: string, operation: "send" | "process", key: KafkaKey): Attributes {
  const attributes = operationAttributes(topic, operation);
  if (key !== null && key !== undefined)
    setEach(
      attributes,
      renamedAttributes().key,
      typeof key === "string" ? key : decoder.decode(key),
    );
  return attributes;
}

/** `span` as a MessagingSpan: its context under `parent`, and an end that records an error once. */
export function messagingSpan(span: Span, parent: Context): MessagingSpan {
  let ended = false;
  return {
    span,
    context: trace.setSpan(parent, span),
    end(error?: unknown) {
      if (ended) return;
      ended = true;
      if (error !== undefined) {
        span.recordException(error instanceof Error ? error : errorMessage(error));
        span.setAttribute(ATTR_ERROR_TYPE, errorType(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
      }
      span.end();
    },
  };
}

/** PRODUCER span `send <topic>`, plus the headers that carry it to the consumer. */
export function startProducerSpan(topic: string, options: ProducerSpanOptions = {}): ProducerSpan {
  const parent = options.parent ?? context.active();
  const attributes = baseAttributes(topic, "send", options.key);
  if (options.partition !== undefined) {
    attributes[ATTR_MESSAGING_DESTINATION_PARTITION_ID] = String(options.partition);
  }
  const span = kafkaTracer(options.tracerProvider).startSpan(
    `send ${topic}`,
    { kind: SpanKind.PRODUCER, attributes },
    parent,
  );
  const result = messagingSpan(span, parent);
  return { ...result, headers: injectTraceHeaders<Record<string, string>>({}, result.context) };
}

/**
 * CONSUMER span `process <topic>` for handling one message. Its parent is the producer's
 * span, so Jaeger shows one connected trace with a CHILD_OF edge. No link to that same span:
 * the conventions make the link optional when the producer is the parent, and Jaeger's OTLP
 * translator merges a parent that is also linked into one FOLLOWS_FROM reference, which reads
 * as detached. Without trace headers it starts a new trace.
 */
export function startConsumerSpan(
  topic: string,
  headers: KafkaHeaders | undefined,
  options: ConsumerSpanOptions,
): MessagingSpan {
  const parent = extractTraceContext(headers);
  const attributes = baseAttributes(topic, "process", options.key);
  attributes[ATTR_MESSAGING_DESTINATION_PARTITION_ID] = String(options.partition);
  setEach(attributes, renamedAttributes().offset, Number(options.offset));
  attributes[ATTR_MESSAGING_CONSUMER_GROUP_NAME] = options.group;
  const span = kafkaTracer(options.tracerProvider).startSpan(
    `process ${topic}`,
    { kind: SpanKind.CONSUMER, attributes, links: options.links },
    parent,
  );
  return messagingSpan(span, parent);
}

/** Runs `send` inside a producer span and ends it, recording a thrown error. */
export async function withProducerSpan<T>(
  topic: string,
  options: ProducerSpanOptions,
  send: (producer: ProducerSpan) => T | Promise<T>,
): Promise<T> {
  const producer = startProducerSpan(topic, options);
  return runIn(producer, () => send(producer));
}

/** Runs `handle` inside a consumer span and ends it, recording a thrown error. */
export async function withConsumerSpan<T>(
  topic: string,
  headers: KafkaHeaders | undefined,
  options: ConsumerSpanOptions,
  handle: (consumer: MessagingSpan) => T | Promise<T>,
): Promise<T> {
  const consumer = startConsumerSpan(topic, headers, options);
  return runIn(consumer, () => handle(consumer));
}

async function runIn<T>(target: MessagingSpan, fn: () => T | Promise<T>): Promise<T> {
  try {
    const result = await context.with(target.context, fn);
    target.end();
    return result;
  } catch (error) {
    target.end(error);
    throw error;
  }
}
