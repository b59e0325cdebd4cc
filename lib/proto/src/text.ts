// One rule for every string that comes in from outside, checked once at each boundary (REST
// bodies, paths and query strings, gRPC requests in lib/service; Kafka events in eventCodec)
// before any handler sees it: printable, well-formed Unicode.
//
// Why at the boundary and not per field: PostgreSQL text cannot hold NUL (the statement fails
// with a data error, which surfaced as 500/INTERNAL, or 503 where a handler took every database
// error for an outage), and UTF-8 encoders turn an unpaired UTF-16 surrogate into U+FFFD, so
// "key\ud800" and "key\ud801" were stored as the same idempotency key. Control characters have
// no place in ids, codes or descriptions either, and break logs and terminals that show them.

/** C0 controls (NUL, newline, tab…), DEL and C1 controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function codePoint(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Index of the first unpaired surrogate, or -1. */
function unpairedSurrogate(value: string): number {
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return i;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return i;
    }
  }
  return -1;
}

/** What is wrong with `value` as client text, or undefined when it is fine. */
export function textProblem(value: string): string | undefined {
  const control = CONTROL.exec(value);
  if (control) {
    return `contains the control character ${codePoint(control[0])} at index ${control.index}`;
  }
  if (!value.isWellFormed()) {
    const at = unpairedSurrogate(value);
    return `is not valid Unicode: unpaired surrogate ${codePoint(value[at] ?? "")} at index ${at}`;
  }
  return undefined;
}

/**
 * The first string inside `value` (object keys included, any depth) that breaks the rule, as
 * "<path> <problem>", e.g. `idempotency_key contains the control character U+0000 at index 3`.
 * `path` names `value` itself; fields below it are joined to it with dots.
 */
export function findBadText(value: unknown, path = ""): string | undefined {
  if (typeof value === "string") {
    const problem = textProblem(value);
    return problem === undefined ? undefined : `${path || "the value"} ${problem}`;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findBadText(item, `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value === "object" && value !== null && !ArrayBuffer.isView(value)) {
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = textProblem(key);
      if (keyProblem) return `a field name${path ? ` in ${path}` : ""} ${keyProblem}`;
      const found = findBadText(item, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return undefined;
}
