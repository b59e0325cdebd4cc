// What every REST request passes before its route: a size limit on the body, and the text rule
// (./text.ts) on the path and the query string. JSON bodies get the text rule in readJsonBody.

import { textProblem } from "@obs/proto";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { type ErrorBody, errorResponse, GrpcStatus } from "./errors.ts";

/** 64 KiB: the largest request of these APIs (a ledger entry with many lines) is a few KiB. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/**
 * 413 with the usual JSON error as soon as the body is known to be too large: from its
 * Content-Length before reading anything, or while reading a chunked body, at the limit.
 */
export function bodyLimitGuard(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) =>
      c.json<ErrorBody>(
        {
          error: GrpcStatus[GrpcStatus.RESOURCE_EXHAUSTED] as string,
          message: `the request body is larger than ${maxBytes} bytes`,
        },
        413,
      ),
  });
}

/** Percent-decoded, or undefined when the bytes are not UTF-8; `+` is a space in queries. */
function decodeComponent(raw: string, query: boolean): string | undefined {
  try {
    return decodeURIComponent(query ? raw.replaceAll("+", " ") : raw);
  } catch {
    return undefined;
  }
}

/**
 * Path segments and query parameters, percent-decoded, must be valid UTF-8 and printable
 * (`GET /v1/entries/%00` reached the database and answered 500). Checked on the raw URL:
 * the router's own decoding leaves malformed sequences as they are.
 */
export function textGuard(): MiddlewareHandler {
  return async (c, next) => {
    const url = new URL(c.req.url);
    const parts: [where: string, raw: string, query: boolean][] = url.pathname
      .split("/")
      .filter(Boolean)
      .map((segment) => ["the path", segment, false]);
    for (const pair of url.search.slice(1).split("&").filter(Boolean)) {
      const [key = "", value = ""] = pair.split("=", 2);
      // The name first: the value's message quotes it.
      parts.push(["a query parameter name", key, true], [`query parameter ${key}`, value, true]);
    }
    for (const [where, raw, query] of parts) {
      const decoded = decodeComponent(raw, query);
      const problem =
        decoded === undefined ? "is not valid percent-encoded UTF-8" : textProblem(decoded);
      if (problem) return errorResponse(c, GrpcStatus.INVALID_ARGUMENT, `${where} ${problem}`);
    }
    await next();
  };
}
