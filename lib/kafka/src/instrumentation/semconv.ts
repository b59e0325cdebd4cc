// The messaging attribute and event names this instrumentation sets, as semconv 1.45 names
// them. Pinned as strings: the messaging conventions are still in the incubating entry of
// @opentelemetry/semantic-conventions, which renames and drops names in minor releases (1.45
// moved `messaging.kafka.*` to `kafka.*`); test/e2e/semconv.test.ts checks them against it.
import { type SemconvMode, semconvStability } from "@obs/otel";
import type { Attributes, AttributeValue, Span } from "@opentelemetry/api";

export const ATTR_MESSAGING_SYSTEM_NAME = "messaging.system.name";
export const ATTR_MESSAGING_OPERATION_NAME = "messaging.operation.name";
export const ATTR_MESSAGING_OPERATION_TYPE = "messaging.operation.type";
export const ATTR_MESSAGING_DESTINATION_NAME = "messaging.destination.name";
export const ATTR_MESSAGING_DESTINATION_PARTITION_ID = "messaging.destination.partition.id";
export const ATTR_MESSAGING_CONSUMER_GROUP_NAME = "messaging.consumer.group.name";
export const ATTR_KAFKA_OFFSET = "kafka.offset";
export const ATTR_KAFKA_MESSAGE_KEY = "kafka.message.key";
/** Conditionally required by semconv: only when the value is null. */
export const ATTR_KAFKA_MESSAGE_TOMBSTONE = "kafka.message.tombstone";
/** Only on batch spans: semconv forbids it on spans for a single message. */
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = "messaging.batch.message_count";

/** What these attributes were called before semconv 1.45, emitted too under `messaging/dup`. */
export const ATTR_MESSAGING_SYSTEM = "messaging.system";
export const ATTR_MESSAGING_KAFKA_OFFSET = "messaging.kafka.offset";
export const ATTR_MESSAGING_KAFKA_MESSAGE_KEY = "messaging.kafka.message.key";
export const ATTR_MESSAGING_KAFKA_MESSAGE_TOMBSTONE = "messaging.kafka.message.tombstone";

/** The renamed attributes, under every name the mode emits. */
export interface RenamedAttributes {
  system: readonly string[];
  offset: readonly string[];
  key: readonly string[];
  tombstone: readonly string[];
}

const CURRENT: RenamedAttributes = {
  system: [ATTR_MESSAGING_SYSTEM_NAME],
  offset: [ATTR_KAFKA_OFFSET],
  key: [ATTR_KAFKA_MESSAGE_KEY],
  tombstone: [ATTR_KAFKA_MESSAGE_TOMBSTONE],
};
const DUP: RenamedAttributes = {
  system: [ATTR_MESSAGING_SYSTEM_NAME, ATTR_MESSAGING_SYSTEM],
  offset: [ATTR_KAFKA_OFFSET, ATTR_MESSAGING_KAFKA_OFFSET],
  key: [ATTR_KAFKA_MESSAGE_KEY, ATTR_MESSAGING_KAFKA_MESSAGE_KEY],
  tombstone: [ATTR_KAFKA_MESSAGE_TOMBSTONE, ATTR_MESSAGING_KAFKA_MESSAGE_TOMBSTONE],
};

/** For OTEL_SEMCONV_STABILITY_OPT_IN's messaging value (lib/otel reads it). */
export function renamedAttributes(mode: SemconvMode = semconvStability().messaging) {
  return mode === "dup" ? DUP : CURRENT;
}

/** Sets `value` under each of `names`, on attributes or a span. */
export function setEach(
  target: Attributes | Pick<Span, "setAttribute">,
  names: readonly string[],
  value: AttributeValue,
): void {
  for (const name of names) {
    if ("setAttribute" in target && typeof target.setAttribute === "function")
      target.setAttribute(name, value);
    else (target as Attributes)[name] = value;
  }
}

export const ATTR_ERROR_TYPE = "error.type";

export const MESSAGING_SYSTEM_KAFKA = "kafka";

/**
 * What every Kafka span and messaging metric of an operation carries: operation name and
 * type, destination, and the system under the names the opt-in mode asks for.
 */
export function operationAttributes(topic: string, operation: "send" | "process"): Attributes {
  const attributes: Attributes = {
    [ATTR_MESSAGING_OPERATION_NAME]: operation,
    [ATTR_MESSAGING_OPERATION_TYPE]: operation,
    [ATTR_MESSAGING_DESTINATION_NAME]: topic,
  };
  setEach(attributes, renamedAttributes().system, MESSAGING_SYSTEM_KAFKA);
  return attributes;
}

/*
 * Semconv has no dead-letter vocabulary, so the dead-lettering is an event on the `process`
 * span (Jaeger shows it as a log) rather than invented attributes in the messaging.* namespace.
 * Its attributes describe where the message went, reusing the standard destination names.
 */
export const EVENT_DEAD_LETTER = "dead_letter";
export const ATTR_DEAD_LETTER_STAGE = "dead_letter.stage";
