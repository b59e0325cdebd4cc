// Validation and arithmetic of Adder.Add, shared by gRPC and REST. int64 arrives as a decimal
// string from grpc-js (longs: String) and as a number or string from JSON, so everything is
// normalised to bigint: JS numbers would silently round above 2^53.

import { INT64_MAX, INT64_MIN, isInt64, parseDecimal } from "@obs/proto";
import { AppError } from "@obs/service";

export { INT64_MAX, INT64_MIN };

const invalid = (message: string) => AppError.invalidArgument(message);

/** One operand as an int64; `field` names it in the error a caller sees. */
export function toInt64(value: unknown, field: string): bigint {
  if (value === undefined || value === null) throw invalid(`${field} is required`);
  let parsed: bigint;
  if (typeof value === "bigint") {
    parsed = value;
  } else if (typeof value === "number") {
    if (!Number.isInteger(value)) throw invalid(`${field} must be an integer`);
    // Beyond 2^53 the JSON parser has already rounded the number: the caller's value is lost.
    if (!Number.isSafeInteger(value))
      throw invalid(`${field} is too large for a JSON number; send it as a decimal string`);
    parsed = BigInt(value);
  } else if (typeof value === "string") {
    const decimal = parseDecimal(value);
    if (decimal === undefined) throw invalid(`${field} must be a decimal integer, got "${value}"`);
    parsed = decimal;
  } else {
    throw invalid(`${field} must be an integer or a decimal string`);
  }
  if (!isInt64(parsed)) throw invalid(`${field} is out of the int64 range`);
  return parsed;
}

/** a + b, refusing results that an int64 field (and the totalizer's column) cannot hold. */
export function addInt64(a: bigint, b: bigint): bigint {
  const sum = a + b;
  if (!isInt64(sum)) throw invalid("sum overflows int64");
  return sum;
}

/** Validates an AddRequest-shaped value (gRPC request or REST body) and returns its sum. */
export function sumOf(request: { a?: unknown; b?: unknown }): bigint {
  return addInt64(toInt64(request.a, "a"), toInt64(request.b, "b"));
}
