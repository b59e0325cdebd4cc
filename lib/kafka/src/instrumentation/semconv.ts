// Attribute and event names this instrumentation sets beyond what @obs/otel's span helpers
// already do. Pinned as strings, as @obs/otel does, because the incubating entry of
// @opentelemetry/semantic-conventions marks several of them deprecated and may drop them.

export const ATTR_MESSAGING_SYSTEM = "messaging.system";
export const ATTR_MESSAGING_OPERATION_NAME = "messaging.operation.name";
export const ATTR_MESSAGING_OPERATION_TYPE = "messaging.operation.type";
export const ATTR_MESSAGING_DESTINATION_NAME = "messaging.destination.name";
export const ATTR_MESSAGING_DESTINATION_PARTITION_ID = "messaging.destination.partition.id";
export const ATTR_MESSAGING_CONSUMER_GROUP_NAME = "messaging.consumer.group.name";
export const ATTR_MESSAGING_KAFKA_OFFSET = "messaging.kafka.offset";
/** Conditionally required by semconv: only when the value is null. */
export const ATTR_MESSAGING_KAFKA_MESSAGE_TOMBSTONE = "messaging.kafka.message.tombstone";
/** Only on batch spans: semconv forbids it on spans for a single message. */
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = "messaging.batch.message_count";
export const ATTR_ERROR_TYPE = "error.type";

export const MESSAGING_SYSTEM_KAFKA = "kafka";

/*
 * Semconv has no dead-letter vocabulary, so the dead-lettering is an event on the `process`
 * span (Jaeger shows it as a log) rather than invented attributes in the messaging.* namespace.
 * Its attributes describe where the message went, reusing the standard destination names.
 */
export const EVENT_DEAD_LETTER = "dead_letter";
export const ATTR_DEAD_LETTER_STAGE = "dead_letter.stage";
