// SERVER spans and `http.server.request.duration` for the apps' REST routes, the HTTP
// counterpart of lib/otel's gRPC server instrumentation. A hono middleware instead of an
// instrumentation package: nothing under Bun patches Bun.serve, and the middleware sees the
// matched route template, which the span name and the metric labels need to stay
// low-cardinality (`GET /v1/accounts/:id`, never the id itself).
import { errorType } from "@obs/otel";
import {
  type Attributes,
  context,
  type MeterProvider,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";

/** What the middleware needs of the app's Telemetry (lib/otel). */
export interface HttpTelemetry {
  tracerProvider: TracerProvider;
  meterProvider: MeterProvider;
}

export const METRIC_HTTP_SERVER_REQUEST_DURATION = "http.server.request.duration";

/** Semconv's advisory boundaries for `http.server.request.duration` (seconds). */
export const HTTP_DURATION_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

/** Probes and scrapes: a span per Prometheus scrape or kubelet probe is noise, not traffic. */
export const UNTRACED_PATHS: ReadonlySet<string> = new Set(["/metrics", "/healthz", "/readyz"]);

const SCOPE_NAME = "@obs/service";
const SCOPE_VERSION = "0.1.0";

// Semconv: methods outside this set are reported as _OTHER (with the original kept aside),
// so a client sending random verbs cannot blow up the metric's cardinality.
const KNOWN_METHODS = new Set([
  "CONNECT",
  "DELETE",
  "GET",
  "HEAD",
  "OPTIONS",
  "PATCH",
  "POST",
  "PUT",
  "TRACE",
]);

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/**
 * The template of the handler hono will run: the last matched route that is not middleware
 * (`use()` registers method "ALL"). Undefined when nothing matched, i.e. a 404.
 */
function routeTemplate(c: Context): string | undefined {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i];
    if (route && route.method !== "ALL" && !route.path.endsWith("*")) return route.path;
  }
  return undefined;
}

function defaultPort(scheme: string): number {
  return scheme === "https" ? 443 : 80;
}

export function httpTracing(telemetry: HttpTelemetry): MiddlewareHandler {
  const tracer = telemetry.tracerProvider.getTracer(SCOPE_NAME, SCOPE_VERSION);
  const duration = telemetry.meterProvider
    .getMeter(SCOPE_NAME, SCOPE_VERSION)
    .createHistogram(METRIC_HTTP_SERVER_REQUEST_DURATION, {
      description: "Duration of inbound HTTP requests, measured by the server.",
      unit: "s",
      advice: { explicitBucketBoundaries: HTTP_DURATION_BUCKETS_SECONDS },
    });

  return async (c, next) => {
    if (UNTRACED_PATHS.has(c.req.path)) return next();

    const startedAt = performance.now();
    const url = new URL(c.req.url);
    const scheme = url.protocol.replace(/:$/, "");
    const method = KNOWN_METHODS.has(c.req.method) ? c.req.method : "_OTHER";
    const route = routeTemplate(c);

    // Low-cardinality attributes, shared by the span and the histogram.
    const common: Attributes = { "http.request.method": method, "url.scheme": scheme };
    if (route) common["http.route"] = route;

    // url.query is left out on purpose: it is where tokens and personal data end up.
    const attributes: Attributes = {
      ...common,
      "url.path": c.req.path,
      "server.address": url.hostname,
      "server.port": url.port ? Number(url.port) : defaultPort(scheme),
    };
    if (method === "_OTHER") attributes["http.request.method_original"] = c.req.method;
    const userAgent = c.req.header("user-agent");
    if (userAgent) attributes["user_agent.original"] = userAgent;

    const parent = propagation.extract(ROOT_CONTEXT, c.req.raw.headers, headerGetter);
    // Semconv: `{method} {route}`, or just `{method}` when no route matched.
    const span = tracer.startSpan(
      route ? `${method} ${route}` : method,
      { kind: SpanKind.SERVER, attributes },
      parent,
    );

    let thrown: unknown;
    try {
      // The handler runs in the span's context: its gRPC client calls, Kafka sends and log
      // lines become children of (or carry the ids of) this span.
      await context.with(trace.setSpan(parent, span), () => next());
    } catch (error) {
      // Only reached when no onError handler answered; hono then rethrows to Bun.
      thrown = error;
    }

    // hono's onError turns a thrown handler into a response and leaves the error on c.error.
    const error = thrown ?? c.error;
    const status = thrown === undefined ? c.res.status : 500;
    const end: Attributes = { "http.response.status_code": status };
    // Semconv: 4xx is the client's problem, so only 5xx marks the server span as failed.
    if (status >= 500) {
      end["error.type"] = error === undefined ? String(status) : errorType(error);
      if (error !== undefined) span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        ...(error instanceof Error ? { message: error.message } : {}),
      });
    }
    span.setAttributes(end);
    span.end();
    duration.record(
      (performance.now() - startedAt) / 1000,
      { ...common, ...end },
      trace.setSpan(parent, span),
    );

    if (thrown !== undefined) throw thrown;
  };
}
