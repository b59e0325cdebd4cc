import { propagation } from "@opentelemetry/api";
import { DLQ_HEADERS } from "../dead-letter.ts";
import type { HeaderValue, OutgoingHeaders } from "../port.ts";
import { readHeader } from "./propagation.ts";

/**
 * A copy of `headers` without the propagator's fields (`traceparent`, `tracestate`,
 * `baggage`), compared case-insensitively: a stale `tracestate` left next to a fresh
 * `traceparent` would describe another span.
 */
export function withoutTraceHeaders(headers: OutgoingHeaders | undefined): OutgoingHeaders {
  const fields = new Set(propagation.fields().map((field) => field.toLowerCase()));
  const kept: OutgoingHeaders = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (!fields.has(key.toLowerCase())) kept[key] = value;
  }
  return kept;
}

/** Identifies one consumed message within a group, as a map key. */
export function sourceKey(
  groupId: string,
  topic: string,
  partition: number,
  offset: bigint | string,
): string {
  return [groupId, topic, String(partition), String(offset)].join("\u0000");
}

/**
 * The source key of a dead-letter message, read from the headers the port's DLQ writer adds;
 * undefined for any other message.
 */
export function deadLetterSourceKey(headers: OutgoingHeaders | undefined): string | undefined {
  if (!headers) return undefined;
  const read = (key: string) => readHeader(headers as Record<string, HeaderValue>, key);
  const group = read(DLQ_HEADERS.consumerGroup);
  const topic = read(DLQ_HEADERS.originalTopic);
  const partition = read(DLQ_HEADERS.originalPartition);
  const offset = read(DLQ_HEADERS.originalOffset);
  if (group === undefined || topic === undefined || partition === undefined) return undefined;
  if (offset === undefined) return undefined;
  return sourceKey(group, topic, Number(partition), offset);
}
