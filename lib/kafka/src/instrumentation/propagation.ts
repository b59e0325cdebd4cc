import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type TextMapGetter,
  type TextMapSetter,
} from "@opentelemetry/api";

/** What Kafka clients hand out as a header value; arrays come from repeated keys. */
export type KafkaHeaderValue =
  | string
  | Uint8Array
  | ReadonlyArray<string | Uint8Array>
  | null
  | undefined;

/**
 * Plain header maps, as the project's Kafka port and most clients use them. A Map is accepted
 * too because some clients (e.g. @platformatic/kafka) expose headers that way.
 */
export type KafkaHeaders = Record<string, KafkaHeaderValue> | Map<string, KafkaHeaderValue>;

const decoder = new TextDecoder();

function toText(value: string | Uint8Array): string {
  return typeof value === "string" ? value : decoder.decode(value);
}

/** Reads one header as text: exact key first, then case-insensitively (proxies may fold case). */
export function readHeader(headers: KafkaHeaders | undefined, key: string): string | undefined {
  if (!headers) return undefined;
  const entries = headers instanceof Map ? headers : new Map(Object.entries(headers));
  let value = entries.get(key);
  if (value === undefined) {
    const lower = key.toLowerCase();
    for (const [k, v] of entries) {
      if (k.toLowerCase() === lower) {
        value = v;
        break;
      }
    }
  }
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string" || value instanceof Uint8Array) return toText(value);
  const first = value[0];
  return first === undefined ? undefined : toText(first);
}

export const kafkaHeaderGetter: TextMapGetter<KafkaHeaders> = {
  keys: (carrier) => (carrier instanceof Map ? [...carrier.keys()] : Object.keys(carrier)),
  get: (carrier, key) => readHeader(carrier, key),
};

export const kafkaHeaderSetter: TextMapSetter<KafkaHeaders> = {
  set: (carrier, key, value) => {
    if (carrier instanceof Map) carrier.set(key, value);
    else carrier[key] = value;
  },
};

/**
 * Writes `traceparent`, `tracestate` and `baggage` for `ctx` (default: the active context)
 * into `headers` using the globally registered propagators, and returns the same object.
 */
export function injectTraceHeaders<H extends KafkaHeaders>(
  headers: H,
  ctx: Context = context.active(),
): H {
  propagation.inject(ctx, headers, kafkaHeaderSetter);
  return headers;
}

/** The producer's context (span context and baggage) carried by a message's headers. */
export function extractTraceContext(
  headers: KafkaHeaders | undefined,
  parent: Context = ROOT_CONTEXT,
): Context {
  if (!headers) return parent;
  return propagation.extract(parent, headers, kafkaHeaderGetter);
}

/**
 * Header stamped by producers with the send time (epoch milliseconds) so consumers can
 * measure end-to-end delivery latency without a schema change.
 */
export const PRODUCED_AT_HEADER = "produced_at";

export function stampProducedAt<H extends KafkaHeaders>(headers: H, at: number = Date.now()): H {
  kafkaHeaderSetter.set(headers, PRODUCED_AT_HEADER, String(Math.round(at)));
  return headers;
}

export function readProducedAt(headers: KafkaHeaders | undefined): number | undefined {
  const raw = readHeader(headers, PRODUCED_AT_HEADER);
  if (raw === undefined) return undefined;
  const at = Number(raw);
  return Number.isFinite(at) && at > 0 ? at : undefined;
}
