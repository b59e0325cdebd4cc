// One error vocabulary for both ports. Domain code throws an AppError carrying a gRPC status;
// gRPC handlers hand it to grpc-js as is (it has `code` and `details`), REST routes answer it
// as `{ "error": "<STATUS_NAME>", "message": … }` with the matching HTTP status (seed 000's
// REST contract). Anything else is a bug: callers get INTERNAL without the details, the log
// and the span keep them.
import { status as GrpcStatus, type handleUnaryCall, type ServerUnaryCall } from "@grpc/grpc-js";
import { isDbUnavailable, isPermanentDbError, sqlStateOf } from "@obs/db";
import type { Logger } from "@obs/otel";
import { findBadText } from "@obs/proto";
import { trace } from "@opentelemetry/api";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export { GrpcStatus };

/** `INVALID_ARGUMENT` for 3: the code's name, as the REST body and `error.type` show it. */
export function grpcStatusName(code: number): string {
  const name = GrpcStatus[code];
  return typeof name === "string" ? name : String(code);
}

/**
 * An expected failure with its gRPC status. The `code`/`details` fields are what grpc-js reads
 * from a handler's error, so `callback(appError)` or a rejected async handler sends the status.
 */
export class AppError extends Error {
  override name = "AppError";
  readonly code: GrpcStatus;
  readonly details: string;

  constructor(code: GrpcStatus, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = message;
  }

  static invalidArgument(message: string): AppError {
    return new AppError(GrpcStatus.INVALID_ARGUMENT, message);
  }
  static notFound(message: string): AppError {
    return new AppError(GrpcStatus.NOT_FOUND, message);
  }
  static alreadyExists(message: string): AppError {
    return new AppError(GrpcStatus.ALREADY_EXISTS, message);
  }
  static failedPrecondition(message: string): AppError {
    return new AppError(GrpcStatus.FAILED_PRECONDITION, message);
  }
  static unavailable(message: string, cause?: unknown): AppError {
    return new AppError(GrpcStatus.UNAVAILABLE, message, { cause });
  }
}

/** The status a REST route answers for a gRPC code (seed 000's REST error contract). */
export function grpcStatusToHttp(code: number): ContentfulStatusCode {
  switch (code) {
    case GrpcStatus.OK:
      return 200;
    case GrpcStatus.INVALID_ARGUMENT:
    case GrpcStatus.OUT_OF_RANGE:
      return 400;
    case GrpcStatus.NOT_FOUND:
      return 404;
    case GrpcStatus.ALREADY_EXISTS:
      return 409;
    case GrpcStatus.FAILED_PRECONDITION:
      return 422;
    case GrpcStatus.UNAVAILABLE:
      return 503;
    default:
      return 500;
  }
}

/** The message of the error in the chain that carries the SQLSTATE: PostgreSQL's own words. */
function databaseMessage(error: unknown): string {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (typeof (current as { code?: unknown }).code === "string") return current.message;
  }
  return "invalid value";
}

/**
 * A status from anything a handler can see: an AppError, or the error of a gRPC client call
 * to another service (grpc-js sets a numeric `code` and `details`), so a downstream NOT_FOUND
 * stays NOT_FOUND. A database that is away (no connection, shutting down) is UNAVAILABLE: the
 * client should retry. A PostgreSQL data exception (SQLSTATE class 22) in a request is the request's
 * value that the database refused: INVALID_ARGUMENT, never a 5xx that tells the client to retry
 * the same thing (validation should have caught it first; the log says so). Undefined for
 * everything else, which is a bug.
 */
export function statusOf(
  error: unknown,
): { code: GrpcStatus; message: string; fromDatabase?: "unavailable" | "refused" } | undefined {
  if (error instanceof AppError) return { code: error.code, message: error.message };
  if (error && typeof error === "object") {
    const { code, details } = error as { code?: unknown; details?: unknown };
    if (typeof code === "number" && code > 0 && code <= 16 && typeof details === "string")
      return { code, message: details };
  }
  if (isDbUnavailable(error))
    return {
      code: GrpcStatus.UNAVAILABLE,
      message: "the database is unavailable; retry later",
      fromDatabase: "unavailable",
    };
  if (isPermanentDbError(error)) {
    return {
      code: GrpcStatus.INVALID_ARGUMENT,
      message: `the database refused a value of the request: ${databaseMessage(error)} (SQLSTATE ${sqlStateOf(error)})`,
      fromDatabase: "refused",
    };
  }
  return undefined;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

const DATABASE_LOG = {
  unavailable: "the database is unavailable: answered UNAVAILABLE",
  refused: "a request value reached the database unvalidated and was refused",
} as const;

export interface ErrorBody {
  error: string;
  message: string;
}

/** `{error, message}` JSON with the HTTP status of `code`. */
export function errorResponse(c: Context, code: GrpcStatus, message: string): Response {
  return c.json<ErrorBody>({ error: grpcStatusName(code), message }, grpcStatusToHttp(code));
}

/**
 * The response for a thrown value: its status when it has one, else a 500 that does not echo
 * internals (logged with the request's trace id when a logger is given).
 */
export function errorToResponse(c: Context, error: unknown, logger?: Logger): Response {
  const status = statusOf(error);
  if (status?.fromDatabase)
    logger?.warn({ err: error, path: c.req.path }, DATABASE_LOG[status.fromDatabase]);
  if (status) return errorResponse(c, status.code, status.message);
  logger?.error({ err: error, method: c.req.method, path: c.req.path }, "unexpected error");
  return errorResponse(c, GrpcStatus.INTERNAL, "internal error");
}

/**
 * The request's JSON object body. Malformed JSON, JSON that is not an object (`[]`, `"x"`,
 * `null`) and strings that break the text rule (./text.ts) are the caller's mistake:
 * INVALID_ARGUMENT, i.e. 400 — never a 500.
 */
export async function readJsonBody(c: Context): Promise<Record<string, unknown>> {
  let text: string;
  try {
    // Fatal: the lenient decoder turns invalid bytes into U+FFFD, so two different keys
    // could arrive as one.
    text = UTF8.decode(await c.req.arrayBuffer());
  } catch {
    throw AppError.invalidArgument("body is not valid UTF-8");
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw AppError.invalidArgument("body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw AppError.invalidArgument("body must be a JSON object");
  const badText = findBadText(body);
  if (badText) throw AppError.invalidArgument(badText);
  return body as Record<string, unknown>;
}

/**
 * What a gRPC handler answers for a thrown value: its status when it has one; anything else is
 * INTERNAL "internal error", logged and recorded on the span, so database messages never reach
 * callers. For handlers that call back themselves (streams); unary ones use unaryHandler.
 */
export function grpcErrorOf(
  error: unknown,
  logger?: Logger,
  path?: string,
): { code: GrpcStatus; details: string } {
  const status = statusOf(error);
  if (status?.fromDatabase) logger?.warn({ err: error, path }, DATABASE_LOG[status.fromDatabase]);
  if (status) return { code: status.code, details: status.message };
  trace.getActiveSpan()?.recordException(error instanceof Error ? error : String(error));
  logger?.error({ err: error, path }, "unexpected error");
  return { code: GrpcStatus.INTERNAL, details: "internal error" };
}

/**
 * A grpc-js unary handler from an async function: the result is the reply; a thrown error is
 * answered as grpcErrorOf says.
 */
export function unaryHandler<Req, Res>(
  handle: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
  logger?: Logger,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    handle(call.request, call).then(
      (reply) => callback(null, reply),
      (error: unknown) => callback(grpcErrorOf(error, logger, call.getPath())),
    );
  };
}
