// The scalar shapes every app reads from and writes to the wire, in one place: int64 (decimal
// strings, as @grpc/proto-loader hands them out with `longs: String`, and as JSON carries them
// without losing precision), google.protobuf.Timestamp, and ISO 4217 currency codes. Apps
// word their own validation messages; the bounds, formats and conversions are these.

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const UINT64_MAX = 2n ** 64n - 1n;

export function isInt64(value: bigint): boolean {
  return value >= INT64_MIN && value <= INT64_MAX;
}

const DECIMAL = /^[+-]?\d+$/;

/** A decimal integer string (sign allowed, surrounding blanks ignored), or undefined. */
export function parseDecimal(text: string): bigint | undefined {
  const trimmed = text.trim();
  return DECIMAL.test(trimmed) ? BigInt(trimmed) : undefined;
}

/** ISO 4217 alphabetic codes as the runtime's ICU knows them (seed 000: `Intl.supportedValuesOf`). */
export const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf("currency"));

export function isCurrency(code: unknown): code is string {
  return typeof code === "string" && CURRENCIES.has(code);
}

/** google.protobuf.Timestamp with int64 seconds as a decimal string, as the loader shapes it. */
export interface Timestamp {
  seconds: string;
  nanos: number;
}

/** A Date (or epoch milliseconds) as a Timestamp. */
export function timestampOf(time: Date | number): Timestamp {
  const ms = typeof time === "number" ? time : time.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

/**
 * A Timestamp as epoch milliseconds (nanos truncated), or undefined when it is missing or not
 * after the epoch: an event without a real time is as good as none.
 */
export function epochMsOf(
  timestamp: { seconds?: string | number | null; nanos?: number | null } | null | undefined,
): number | undefined {
  if (!timestamp) return undefined;
  const seconds = Number(timestamp.seconds);
  if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
  return seconds * 1000 + Math.floor((timestamp.nanos ?? 0) / 1e6);
}
