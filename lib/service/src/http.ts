// Every app's HTTP port: /healthz (process up), /readyz (can take requests), /metrics
// (Prometheus text), plus the app's own REST routes. Errors are JSON with a 4xx/5xx status.
// Given the app's telemetry, every REST request gets a SERVER span and a duration sample.
import type { Logger } from "@obs/otel";
import { Hono } from "hono";
import { errorResponse, errorToResponse, GrpcStatus } from "./errors.ts";
import { bodyLimitGuard, DEFAULT_MAX_BODY_BYTES, textGuard } from "./http-guards.ts";
import { type HttpTelemetry, httpTracing } from "./http-tracing.ts";

export type ReadinessCheck = () => Promise<void>;

/**
 * What /readyz checks. `serving`: what the app's requests need; one failing is 503, and an
 * orchestrator takes the instance out of its Service. `background`: work the app does beside
 * its requests (an outbox relay publishing to Kafka); one failing is reported (`degraded`) but
 * the answer stays 200, because the requests do not need it and taking every instance out of
 * service for it would turn a broker outage into failed writes. Its alerts say the rest.
 */
export interface Readiness {
  serving: Record<string, ReadinessCheck>;
  background: Record<string, ReadinessCheck>;
}

export interface HttpServerOptions {
  port: number;
  host?: string;
  /** The exposition for the scraper's Accept header: content type and body. */
  metrics: (accept?: string) => Promise<{ contentType: string; body: string }>;
  /** Named checks for /readyz; each throws when its dependency is unreachable. */
  readiness?: Partial<Readiness>;
  /** The app's REST routes, mounted at the root. */
  routes?: Hono;
  /**
   * The app's telemetry (lib/otel's Telemetry fits): SERVER spans and
   * `http_server_request_duration_seconds` for every route but /metrics, /healthz, /readyz.
   * Absent: no tracing, for apps whose routes open their own spans.
   */
  telemetry?: HttpTelemetry;
  /** Where unexpected route errors are logged. */
  logger?: Logger;
  /** Larger request bodies are refused with 413; default 64 KiB (config: MAX_REQUEST_BYTES). */
  maxBodyBytes?: number;
}

export interface HttpServer {
  port: number;
  stop(): Promise<void>;
}

export function buildHttpApp(options: Omit<HttpServerOptions, "port" | "host">): Hono {
  const app = new Hono();
  // First, so the span wraps every other middleware and handler.
  if (options.telemetry) app.use(httpTracing(options.telemetry));
  app.use(textGuard());
  app.use(bodyLimitGuard(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES));
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    const run = (checks: Record<string, ReadinessCheck> = {}) =>
      Promise.all(
        Object.entries(checks).map(async ([name, check]) => {
          try {
            await check();
            return [name, "ok"] as const;
          } catch (error) {
            return [name, (error as Error).message || "unreachable"] as const;
          }
        }),
      );
    const [serving, background] = await Promise.all([
      run(options.readiness?.serving),
      run(options.readiness?.background),
    ]);
    const ready = serving.every(([, result]) => result === "ok");
    const whole = background.every(([, result]) => result === "ok");
    const status = !ready ? "not ready" : whole ? "ready" : "degraded";
    return c.json(
      { status, checks: Object.fromEntries([...serving, ...background]) },
      ready ? 200 : 503,
    );
  });
  app.get("/metrics", async (c) => {
    const { contentType, body } = await options.metrics(c.req.header("accept"));
    return c.body(body, 200, { "content-type": contentType });
  });
  if (options.routes) app.route("/", options.routes);
  app.notFound((c) =>
    errorResponse(c, GrpcStatus.NOT_FOUND, `no route for ${c.req.method} ${c.req.path}`),
  );
  // Routes may simply throw: an AppError becomes its {error, message} answer, anything else
  // a 500 that does not echo internals.
  app.onError((error, c) => errorToResponse(c, error, options.logger));
  return app;
}

export function startHttpServer(options: HttpServerOptions): HttpServer {
  const app = buildHttpApp(options);
  const server = Bun.serve({
    port: options.port,
    hostname: options.host ?? "127.0.0.1",
    fetch: app.fetch,
  });
  return {
    port: server.port ?? options.port,
    stop: () => server.stop(),
  };
}
