// librdkafka's error codes as the port's KafkaProduceError. Negative codes are librdkafka's own
// (`_MSG_TIMED_OUT`), positive ones Kafka's protocol errors; err2name gives both their names.
import { KafkaProduceError } from "../errors.ts";
import type { RdKafka } from "./library.ts";

/**
 * Codes after which the same message may well be accepted: the broker was away, a leader moved,
 * a replica was missing, or the message was purged by a closing or replaced producer. Kafka marks
 * the protocol ones retriable; the rest (size, authorization, invalid record) will fail again.
 */
const RETRIABLE = new Set([
  -197, // _DESTROY
  -195, // _TRANSPORT
  -193, // _RESOLVE
  -192, // _MSG_TIMED_OUT
  -187, // _ALL_BROKERS_DOWN
  -185, // _TIMED_OUT
  -184, // _QUEUE_FULL
  -152, // _PURGE_QUEUE
  -151, // _PURGE_INFLIGHT
  3, // UNKNOWN_TOPIC_OR_PART (a topic being created)
  5, // LEADER_NOT_AVAILABLE
  6, // NOT_LEADER_FOR_PARTITION
  7, // REQUEST_TIMED_OUT
  13, // NETWORK_EXCEPTION
  19, // NOT_ENOUGH_REPLICAS
  20, // NOT_ENOUGH_REPLICAS_AFTER_APPEND
  56, // KAFKA_STORAGE_ERROR
]);

export function errorName(rd: RdKafka, code: number): string {
  return String(rd.rd_kafka_err2name(code));
}

/** A failed delivery report, or a produce call librdkafka refused. */
export function produceError(
  rd: RdKafka,
  code: number,
  context: { topic: string; detail?: string; fatal?: boolean; retriable?: boolean },
): KafkaProduceError {
  const name = errorName(rd, code);
  const detail = context.detail ?? String(rd.rd_kafka_err2str(code));
  return new KafkaProduceError(`librdkafka: ${name} (${detail}) producing to ${context.topic}`, {
    code: name,
    retriable: context.retriable ?? RETRIABLE.has(code),
    fatal: context.fatal,
    topic: context.topic,
  });
}
