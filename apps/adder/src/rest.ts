// POST /v1/add for curl users: the same validation and publishing as the gRPC Add. The
// HTTP port has no tracing middleware, so the route opens its own SERVER span (continuing an
// incoming traceparent), which is what the SumMessage's trace_id/span_id then point at.
import type { Logger } from "@obs/otel";
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { type Context, Hono } from "hono";
import { InvalidArgumentError, sumOf } from "./add.ts";
import { PublishError, type SumPublisher } from "./publish.ts";

export interface AdderRoutesDeps {
  publisher: SumPublisher;
  tracer: Tracer;
  logger: Logger;
}

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

type JsonError = { error: string; message: string };

async function add(c: Context, { publisher, logger }: AdderRoutesDeps) {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return c.json<JsonError>({ error: "invalid argument", message: "body is not valid JSON" }, 400);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return c.json<JsonError>(
      { error: "invalid argument", message: 'body must be a JSON object like {"a": 2, "b": 3}' },
      400,
    );
  try {
    const sum = sumOf(body);
    await publisher.publish([sum]);
    return c.json({ sum: sum.toString() });
  } catch (error) {
    if (error instanceof InvalidArgumentError)
      return c.json<JsonError>({ error: "invalid argument", message: error.message }, 400);
    if (error instanceof PublishError) {
      logger.warn({ err: error.cause ?? error }, error.message);
      return c.json<JsonError>({ error: "unavailable", message: error.message }, 503);
    }
    throw error;
  }
}

export function adderRoutes(deps: AdderRoutesDeps): Hono {
  const routes = new Hono();
  routes.post("/v1/add", (c) => {
    const parent = propagation.extract(ROOT_CONTEXT, c.req.raw.headers, headerGetter);
    const span = deps.tracer.startSpan(
      "POST /v1/add",
      {
        kind: SpanKind.SERVER,
        attributes: { "http.request.method": "POST", "http.route": "/v1/add" },
      },
      parent,
    );
    return context.with(trace.setSpan(parent, span), async () => {
      try {
        const response = await add(c, deps);
        span.setAttribute("http.response.status_code", response.status);
        if (response.status >= 500) {
          span.setAttribute("error.type", String(response.status));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        return response;
      } catch (error) {
        span.recordException(error as Error);
        span.setAttribute("http.response.status_code", 500);
        span.setAttribute("error.type", (error as Error).name || "_OTHER");
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  });
  return routes;
}
