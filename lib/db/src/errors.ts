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
/** postgres.js's and the socket's codes for a connection that failed or went away. */
const CONNECTION_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
]);

function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  for (let current = error; typeof current === "object" && current !== null; ) {
    if (seen.has(current)) break;
    seen.add(current);
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === "string") codes.push(code);
    current = cause;
  }
  return codes;
}

/**
 * The database is away, not wrong: no connection, a server shutting down or starting up
 * (SQLSTATE class 08 and 57P01–57P03), out of connections (53300). A request that meets it is
 * UNAVAILABLE (503), which tells the client to retry, never INTERNAL.
 */
export function isDbUnavailable(error: unknown): boolean {
  return codesOf(error).some(
    (code) =>
      CONNECTION_CODES.has(code) ||
      code.startsWith("08") ||
      ["57P01", "57P02", "57P03", "53300"].includes(code),
  );
}

/**
 * Worth a retry by the caller: the database is away (isDbUnavailable), short of resources
 * (class 53), interrupted by an operator or a timeout (class 57), or the statement lost a race
 * (class 40: serialization failure, deadlock) or a lock wait (55P03).
 */
export function isTransientDbError(error: unknown): boolean {
  if (isDbUnavailable(error)) return true;
  const state = sqlStateOf(error);
  return state !== undefined && (/^(40|53|57)/.test(state) || state === "55P03");
}
