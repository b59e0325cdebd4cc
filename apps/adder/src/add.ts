// Validation and arithmetic of Adder.Add, shared by gRPC and REST. int64 arrives as a decimal
// string from grpc-js (longs: String) and as a number or string from JSON, so everything is
// normalised to bigint: JS numbers would silently round above 2^53.

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/** A caller error: gRPC INVALID_ARGUMENT, HTTP 400. */
export class InvalidArgumentError extends Error {
  override name = "InvalidArgumentError";
}

const DECIMAL = /^[+-]?\d+$/;

/** One operand as an int64; `field` names it in the error a caller sees. */
export function toInt64(value: unknown, field: string): bigint {
  if (value === undefined || value === null) throw new InvalidArgumentError(`${field} is required`);
  let parsed: bigint;
  if (typeof value === "bigint") {
    parsed = value;
  } else if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new InvalidArgumentError(`${field} must be an integer`);
    // Beyond 2^53 the JSON parser has already rounded the number: the caller's value is lost.
    if (!Number.isSafeInteger(value))
      throw new InvalidArgumentError(
        `${field} is too large for a JSON number; send it as a decimal string`,
      );
    parsed = BigInt(value);
  } else if (typeof value === "string") {
    const trimmed = value.trim();
    if (!DECIMAL.test(trimmed))
      throw new InvalidArgumentError(`${field} must be a decimal integer, got "${value}"`);
    parsed = BigInt(trimmed);
  } else {
    throw new InvalidArgumentError(`${field} must be an integer or a decimal string`);
  }
  if (parsed < INT64_MIN || parsed > INT64_MAX)
    throw new InvalidArgumentError(`${field} is out of the int64 range`);
  return parsed;
}

/** a + b, refusing results that an int64 field (and the totalizer's column) cannot hold. */
export function addInt64(a: bigint, b: bigint): bigint {
  const sum = a + b;
  if (sum < INT64_MIN || sum > INT64_MAX) throw new InvalidArgumentError("sum overflows int64");
  return sum;
}

/** Validates an AddRequest-shaped value (gRPC request or REST body) and returns its sum. */
export function sumOf(request: { a?: unknown; b?: unknown }): bigint {
  return addInt64(toInt64(request.a, "a"), toInt64(request.b, "b"));
}
