import { context, type Link, SpanKind, type TracerProvider, trace } from "@opentelemetry/api";
import type { ConsumeBatchMiddleware, ConsumeMiddleware, KafkaMessage } from "../port.ts";
import type { Failures } from "./failures.ts";
import type { MessagingMetrics } from "./messaging-metrics.ts";
import type { KafkaMetrics } from "./metrics.ts";
import { extractTraceContext } from "./propagation.ts";
import { kafkaTracer } from "./scope.ts";
import {
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  operationAttributes,
  renamedAttributes,
  setEach,
} from "./semconv.ts";
import { type MessagingSpan, messagingSpan, startConsumerSpan } from "./spans.ts";

export interface ConsumerDeps {
  tracerProvider: TracerProvider | undefined;
  metrics: KafkaMetrics;
  messaging: MessagingMetrics;
  failures: Failures;
  recordMessageKey: boolean;
}

/**
 * A message's `process <topic>` CONSUMER span, child of its producer's span, with its delivery
 * latency measured on arrival (in the span: the exemplar leads to the request's trace; the
 * handler's own duration is the span's) and its failure record opened.
 */
function openMessageSpan(
  deps: ConsumerDeps,
  message: KafkaMessage,
  group: string,
  links?: Link[],
): MessagingSpan {
  const span = startConsumerSpan(message.topic, message.headers, {
    partition: message.partition,
    offset: message.offset,
    group,
    key: deps.recordMessageKey ? message.key : undefined,
    tracerProvider: deps.tracerProvider,
    links,
  });
  if (message.value === null) setEach(span.span, renamedAttributes().tombstone, true);
  deps.metrics.observeDelivery(message.topic, message.headers, { at: span.context });
  deps.failures.open(message, span);
  return span;
}

/**
 * One `process <topic>` CONSUMER span per message, child of the producer's span; decode and
 * handler run inside it, so their spans and log lines join the producer's trace.
 */
export function consumeMiddleware(deps: ConsumerDeps): ConsumeMiddleware {
  const { metrics, failures } = deps;
  return async (message, messageContext, next) => {
    const consumer = openMessageSpan(deps, message, messageContext.groupId);
    const outcome = {
      topic: message.topic,
      partition: message.partition,
      group: messageContext.groupId,
      at: consumer.context,
    };
    const startedAt = performance.now();
    const took = () => (performance.now() - startedAt) / 1000;
    try {
      await context.with(consumer.context, next);
    } catch (error) {
      deps.messaging.processed({ ...outcome, error }, took());
      metrics.consumed(message.topic);
      failures.count(message, error);
      // While closing the port redelivers instead of dead-lettering: nothing to wait for.
      if (messageContext.signal.aborted) {
        failures.close(message);
        consumer.end(error);
      } else {
        failures.hold(message, messageContext.groupId, consumer, error);
      }
      throw error;
    }
    deps.messaging.processed(outcome, took());
    metrics.consumed(message.topic);
    failures.close(message);
    consumer.end();
  };
}

/**
 * A partition batch of several messages gets one `process <topic>` CONSUMER span in the
 * ambient context, linked to every message's producer (semconv gives a batch no single parent),
 * and each message its own `process <topic>` span, child of its producer's, so every request's
 * trace reaches the consumer that applied it, linked to the batch span, where the handler runs
 * (its statements). A batch of one message (what a quiet system mostly sees) is that
 * message's processing: its span, child of the producer's, is the only one and the handler runs
 * in it, so the request's trace holds what the handler did too.
 */
export function consumeBatchMiddleware(deps: ConsumerDeps): ConsumeBatchMiddleware {
  const { metrics, failures } = deps;
  return async (messages, messageContext, next) => {
    const first = messages[0];
    if (!first) return next();
    const batch =
      messages.length > 1
        ? startBatchSpan(deps.tracerProvider, first, messages, messageContext.groupId)
        : undefined;
    const links = batch ? [{ context: batch.span.spanContext() }] : undefined;
    const perMessage = messages.map((message) =>
      openMessageSpan(deps, message, messageContext.groupId, links),
    );
    const handlerSpan = batch ?? (perMessage[0] as MessagingSpan);
    const startedAt = performance.now();
    // Each message took as long as the batch that applied it.
    const processed = (error?: unknown) => {
      const seconds = (performance.now() - startedAt) / 1000;
      messages.forEach((message, i) => {
        deps.messaging.processed(
          {
            topic: message.topic,
            partition: message.partition,
            group: messageContext.groupId,
            error,
            at: perMessage[i]?.context,
          },
          seconds,
        );
      });
    };
    try {
      await context.with(handlerSpan.context, next);
      processed();
      for (const span of perMessage) span.end();
      batch?.end();
    } catch (error) {
      processed(error);
      for (const message of messages) failures.count(message, error);
      for (const span of perMessage) span.end(error);
      batch?.end(error);
      throw error;
    } finally {
      metrics.consumed(first.topic, messages.length);
      for (const message of messages) failures.close(message);
    }
  };
}

function startBatchSpan(
  tracerProvider: TracerProvider | undefined,
  first: KafkaMessage,
  messages: KafkaMessage[],
  groupId: string,
): MessagingSpan {
  const links: Link[] = [];
  for (const message of messages) {
    const producer = trace.getSpanContext(extractTraceContext(message.headers));
    if (producer && trace.isSpanContextValid(producer)) links.push({ context: producer });
  }
  const attributes = operationAttributes(first.topic, "process");
  attributes[ATTR_MESSAGING_DESTINATION_PARTITION_ID] = String(first.partition);
  attributes[ATTR_MESSAGING_CONSUMER_GROUP_NAME] = groupId;
  attributes[ATTR_MESSAGING_BATCH_MESSAGE_COUNT] = messages.length;
  const parent = context.active();
  const span = kafkaTracer(tracerProvider).startSpan(
    `process ${first.topic}`,
    { kind: SpanKind.CONSUMER, attributes, links },
    parent,
  );
  return messagingSpan(span, parent);
}
