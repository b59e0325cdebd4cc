// What a dead-lettered message looks like: the original key, value and headers, plus headers
// saying where it came from and why it failed, so it can be inspected and replayed.
import type { KafkaMessage, OutgoingHeaders, OutgoingMessage } from "./port.ts";

export const DLQ_HEADERS = {
  errorType: "dlq.error.type",
  errorMessage: "dlq.error.message",
  errorStage: "dlq.error.stage",
  originalTopic: "dlq.original.topic",
  originalPartition: "dlq.original.partition",
  originalOffset: "dlq.original.offset",
  originalTimestamp: "dlq.original.timestamp",
  consumerGroup: "dlq.consumer.group",
  failedAt: "dlq.failed.at",
} as const;

/** Broker limits make huge headers a second failure; a stack trace is not needed to triage. */
const MAX_ERROR_MESSAGE = 1024;

export function defaultDeadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}

export function errorTypeOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return code;
    return error.name !== "Error" ? error.name : error.constructor.name;
  }
  return typeof error;
}

export function errorMessageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > MAX_ERROR_MESSAGE ? `${text.slice(0, MAX_ERROR_MESSAGE)}…` : text;
}

export function deadLetterMessage(
  message: KafkaMessage,
  dlqTopic: string,
  failure: { stage: "decode" | "handler"; error: unknown; groupId: string; now?: Date },
): OutgoingMessage {
  const headers: OutgoingHeaders = { ...message.headers };
  headers[DLQ_HEADERS.errorType] = errorTypeOf(failure.error);
  headers[DLQ_HEADERS.errorMessage] = errorMessageOf(failure.error);
  headers[DLQ_HEADERS.errorStage] = failure.stage;
  headers[DLQ_HEADERS.originalTopic] = message.topic;
  headers[DLQ_HEADERS.originalPartition] = String(message.partition);
  headers[DLQ_HEADERS.originalOffset] = message.offset.toString();
  headers[DLQ_HEADERS.originalTimestamp] = String(message.timestamp);
  headers[DLQ_HEADERS.consumerGroup] = failure.groupId;
  headers[DLQ_HEADERS.failedAt] = (failure.now ?? new Date()).toISOString();
  return { topic: dlqTopic, key: message.key, value: message.value, headers };
}

/**
 * The DLQ could not take a message: it stays uncommitted, the consumer's client is re-created
 * and the message redelivered (the broker may be down, and the DLQ with it).
 */
export class DeadLetterError extends Error {
  override name = "DeadLetterError";
}

/** A message failed and the consumer has no DLQ (`deadLetterTopic: false`): it stops for good. */
export class DeadLetterDisabledError extends DeadLetterError {
  override name = "DeadLetterDisabledError";
}
