import type { HeaderValue, ReceivedHeaders } from "./port.ts";

export function toBuffer(value: HeaderValue | Uint8Array): Buffer {
  if (typeof value === "string") return Buffer.from(value);
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.length);
}

/** A received header as UTF-8 text, or undefined when absent. */
export function headerText(headers: ReceivedHeaders, key: string): string | undefined {
  return headers[key]?.toString("utf8");
}

/**
 * Normalises what clients hand out (Maps, arrays for repeated keys, strings) to the port's
 * shape. Repeated keys: the last value wins, as a later header overrides an earlier one.
 */
export function receivedHeaders(
  entries: Iterable<[string | Uint8Array, unknown]> | undefined,
): ReceivedHeaders {
  const headers: ReceivedHeaders = {};
  if (!entries) return headers;
  for (const [rawKey, raw] of entries) {
    const key = typeof rawKey === "string" ? rawKey : Buffer.from(rawKey).toString("utf8");
    const values = Array.isArray(raw) ? raw : [raw];
    for (const value of values) {
      if (typeof value === "string" || value instanceof Uint8Array) headers[key] = toBuffer(value);
    }
  }
  return headers;
}
