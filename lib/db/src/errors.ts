// What a database error means for the caller, from its SQLSTATE (postgres.js puts it in `code`;
// drizzle wraps the driver's error as `cause`).

/** The SQLSTATE of a PostgreSQL error, looked up through `cause` chains; undefined otherwise. */
export function sqlStateOf(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  for (let current = error; typeof current === "object" && current !== null; ) {
    if (seen.has(current)) return undefined;
    seen.add(current);
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = cause;
  }
  return undefined;
}

/**
 * SQLSTATE class 22, data exception (a value out of range, NUL in text, bad syntax for a type):
 * the same statement with the same values fails every time, so retrying cannot help, and in a
 * request it is the request's values that were wrong.
 */
export function isPermanentDbError(error: unknown): boolean {
  return sqlStateOf(error)?.startsWith("22") ?? false;
}
