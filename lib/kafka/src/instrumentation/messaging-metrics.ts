// The messaging conventions' own metrics, beside the seed's kafka_* ones (which keep their
// names): messaging.client.sent.messages and messaging.client.operation.duration for sends,
// messaging.client.consumed.messages and messaging.process.duration for what consumers
// handle. Attribute names follow OTEL_SEMCONV_STABILITY_OPT_IN as the spans do.
import { errorType } from "@obs/otel";
import { type Attributes, type Context, type Meter, metrics } from "@opentelemetry/api";
import { SCOPE_NAME, SCOPE_VERSION } from "./scope.ts";
import {
  ATTR_ERROR_TYPE,
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  operationAttributes,
} from "./semconv.ts";

export const METRIC_MESSAGING_CLIENT_SENT_MESSAGES = "messaging.client.sent.messages";
export const METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES = "messaging.client.consumed.messages";
export const METRIC_MESSAGING_CLIENT_OPERATION_DURATION = "messaging.client.operation.duration";
export const METRIC_MESSAGING_PROCESS_DURATION = "messaging.process.duration";
/** Semconv's advice for both duration histograms, in seconds. */
export const MESSAGING_DURATION_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

export interface MessageOutcome {
  topic: string;
  partition?: number;
  /** The consumer group, for what consumers handled. */
  group?: string;
  error?: unknown;
  /** The message's span context: the duration sample's exemplar. */
  at?: Context;
}

export interface MessagingMetrics {
  /** A message the producer tried to send, and how long its send took. */
  sent(outcome: MessageOutcome, seconds: number): void;
  /** A message handed to the application, and how long handling it took. */
  processed(outcome: MessageOutcome, seconds: number): void;
}

export function createMessagingMetrics(
  meter: Meter = metrics.getMeter(SCOPE_NAME, SCOPE_VERSION),
): MessagingMetrics {
  const sentMessages = meter.createCounter(METRIC_MESSAGING_CLIENT_SENT_MESSAGES, {
    description: "Messages the producer attempted to send to the broker.",
    unit: "{message}",
  });
  const consumedMessages = meter.createCounter(METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES, {
    description: "Messages delivered to the application.",
    unit: "{message}",
  });
  const advice = { explicitBucketBoundaries: MESSAGING_DURATION_BUCKETS_SECONDS };
  const operationDuration = meter.createHistogram(METRIC_MESSAGING_CLIENT_OPERATION_DURATION, {
    description: "Duration of the producer's send operations.",
    unit: "s",
    advice,
  });
  const processDuration = meter.createHistogram(METRIC_MESSAGING_PROCESS_DURATION, {
    description: "Duration of processing a message (its batch's, for batch handlers).",
    unit: "s",
    advice,
  });

  const attributesOf = (operation: "send" | "process", outcome: MessageOutcome): Attributes => {
    const attributes = operationAttributes(outcome.topic, operation);
    if (outcome.partition !== undefined)
      attributes[ATTR_MESSAGING_DESTINATION_PARTITION_ID] = String(outcome.partition);
    if (outcome.group !== undefined) attributes[ATTR_MESSAGING_CONSUMER_GROUP_NAME] = outcome.group;
    if (outcome.error !== undefined) attributes[ATTR_ERROR_TYPE] = errorType(outcome.error);
    return attributes;
  };

  return {
    sent(outcome, seconds) {
      const attributes = attributesOf("send", outcome);
      sentMessages.add(1, attributes);
      operationDuration.record(seconds, attributes, outcome.at);
    },
    processed(outcome, seconds) {
      const attributes = attributesOf("process", outcome);
      consumedMessages.add(1, attributes);
      processDuration.record(seconds, attributes, outcome.at);
    },
  };
}
