// Strict check of a JSON value against a protobuf message type, in the object shape the
// codec writes (snake_case, int64 as decimal strings, Timestamp as {seconds, nanos}).
// Hand-written because protobufjs's verify() wants int64 as numbers/Longs and its
// fromObject() coerces junk ("abc" -> 0) instead of rejecting it.
import type protobuf from "protobufjs";
import { INT64_MAX, INT64_MIN, UINT64_MAX } from "./wire.ts";

const INT64 = new Set(["int64", "sint64", "sfixed64"]);
const UINT64 = new Set(["uint64", "fixed64"]);
const INT32 = new Set(["int32", "sint32", "sfixed32"]);
const UINT32 = new Set(["uint32", "fixed32"]);

function checkScalar(type: string, value: unknown): string | null {
  if (INT64.has(type) || UINT64.has(type)) {
    const text = typeof value === "number" && Number.isSafeInteger(value) ? String(value) : value;
    if (typeof text !== "string" || !/^-?\d+$/.test(text)) return "an integer (decimal string)";
    const n = BigInt(text);
    const [min, max] = UINT64.has(type) ? [0n, UINT64_MAX] : [INT64_MIN, INT64_MAX];
    return n < min || n > max ? `within ${type} range` : null;
  }
  if (INT32.has(type))
    return Number.isInteger(value) && Math.abs(value as number) < 2 ** 31 ? null : "an int32";
  if (UINT32.has(type))
    return Number.isInteger(value) && (value as number) >= 0 && (value as number) < 2 ** 32
      ? null
      : "a uint32";
  if (type === "double" || type === "float") return typeof value === "number" ? null : "a number";
  if (type === "bool") return typeof value === "boolean" ? null : "a boolean";
  if (type === "string") return typeof value === "string" ? null : "a string";
  if (type === "bytes") return typeof value === "string" ? null : "a base64 string";
  return `of unsupported type ${type}`;
}

/** The first problem with `value` as a `type`, as "path: expected …", or null when it fits. */
export function checkMessage(type: protobuf.Type, value: unknown, path = ""): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return `${path || "value"}: expected an object`;
  for (const [key, fieldValue] of Object.entries(value)) {
    const field = type.fields[key];
    const at = path ? `${path}.${key}` : key;
    if (!field) return `${at}: unknown field`;
    if (fieldValue === null) continue;
    const items = field.repeated ? fieldValue : [fieldValue];
    if (!Array.isArray(items)) return `${at}: expected a list`;
    for (const item of items) {
      field.resolve();
      if (field.resolvedType && "fields" in field.resolvedType) {
        const problem = checkMessage(field.resolvedType as protobuf.Type, item, at);
        if (problem) return problem;
      } else if (field.resolvedType) {
        const values = (field.resolvedType as protobuf.Enum).values;
        if (
          !(typeof item === "string"
            ? item in values
            : Object.values(values).includes(item as number))
        ) {
          return `${at}: expected one of ${Object.keys(values).join(", ")}`;
        }
      } else {
        const expected = checkScalar(field.type, item);
        if (expected) return `${at}: expected ${expected}`;
      }
    }
  }
  return null;
}
