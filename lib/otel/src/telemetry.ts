import {
  type MeterProvider as ApiMeterProvider,
  type TracerProvider as ApiTracerProvider,
  type Attributes,
  context,
  createNoopMeter,
  type DiagLogger,
  DiagLogLevel,
  diag,
  type Meter,
  metrics,
  ProxyTracerProvider,
  propagation,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { diagLogLevelFromString, getBooleanFromEnv, getStringFromEnv } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import type { ViewOptions } from "@opentelemetry/sdk-metrics";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { type SpanExporter, type SpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { ExemplarReservoir, withExemplars } from "./exemplars/index.ts";
import { type CreateLoggerOptions, createLogger, type Logger } from "./logger.ts";
import { registerProcessMetrics } from "./process-metrics.ts";
import {
  createPrometheusPull,
  exportedNameOf,
  type MetricsPayload,
  PROMETHEUS_CONTENT_TYPE,
  PROMETHEUS_VIEWS,
} from "./prometheus.ts";
import { buildResource, serviceNameOf } from "./resource.ts";
import { SCOPE_NAME, SCOPE_VERSION } from "./scope.ts";
import { withTimeout } from "./timeout.ts";

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion?: string;
  /** Extra resource attributes, e.g. deployment.environment.name. */
  resourceAttributes?: Attributes;
  /** Replaces the OTLP exporter; spans still go through a BatchSpanProcessor. */
  spanExporter?: SpanExporter;
  /**
   * Replaces the whole span pipeline, e.g. `[new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })]`
   * in tests. Takes precedence over `spanExporter` and OTEL_TRACES_EXPORTER.
   */
  spanProcessors?: SpanProcessor[];
  /** Views added after the built-in ones that give the RPC histograms their Prometheus names. */
  views?: ViewOptions[];
  /**
   * How long shutdown() waits for the last spans to be exported before it gives up on them;
   * default 3000 ms, well inside a Kubernetes termination grace period.
   */
  shutdownTimeoutMs?: number;
  /** process_* and nodejs_* metrics; default true. */
  processMetrics?: boolean;
  logger?: Omit<CreateLoggerOptions, "service">;
}

export interface Telemetry {
  /** service.name as resolved (OTEL_SERVICE_NAME wins over the code's name). */
  readonly serviceName: string;
  readonly resource: Resource;
  readonly tracer: Tracer;
  readonly meter: Meter;
  readonly logger: Logger;
  readonly tracerProvider: ApiTracerProvider;
  readonly meterProvider: ApiMeterProvider;
  /**
   * The app's `/metrics`, in the format a scraper's Accept header asks for: OpenMetrics with
   * exemplars on histogram buckets for Prometheus, else the Prometheus text format.
   */
  renderMetrics(accept?: string | null): Promise<MetricsPayload>;
  /** The same as a fetch `Response`, for Bun.serve or Hono: `app.get("/metrics", (c) => t.metricsHandler(c.req.raw))`. */
  metricsHandler(request?: Request): Promise<Response>;
  /** Exports buffered spans now. */
  forceFlush(): Promise<void>;
  /** Flushes and stops spans and metrics, then releases the global registrations. Idempotent. */
  shutdown(): Promise<void>;
}

/**
 * Sets up tracing, metrics and logging for one process; call it first thing in main.ts,
 * before creating gRPC servers, clients or Kafka consumers. Nothing is patched: the gRPC and
 * Kafka helpers of this package read the global providers registered here.
 *
 * Calling it again before shutdown() replaces the global registration (the old SDK keeps
 * running for whoever still holds it); that is for tests, apps call it once.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const resource = buildResource({
    serviceName: options.serviceName,
    serviceVersion: options.serviceVersion,
    attributes: options.resourceAttributes,
  });
  const serviceName = serviceNameOf(resource, options.serviceName);
  const logger = createLogger({
    ...options.logger,
    service: serviceName,
    base: {
      ...(options.serviceVersion ? { version: options.serviceVersion } : {}),
      ...options.logger?.base,
    },
  });
  installDiagLogger(logger);

  if (getBooleanFromEnv("OTEL_SDK_DISABLED"))
    return disabledTelemetry(serviceName, resource, logger);

  const exemplars = new ExemplarReservoir();
  const prometheus = createPrometheusPull(exemplars);
  const views = [...PROMETHEUS_VIEWS, ...(options.views ?? [])];

  // Replacing, not adding: the API refuses a second registration while one is active.
  trace.disable();
  metrics.disable();
  propagation.disable();
  context.disable();
  // sdk-node reads the standard variables (OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_*,
  // OTEL_BSP_*, OTEL_TRACES_SAMPLER*, OTEL_PROPAGATORS, span limits); the resource, the
  // Prometheus reader, the views and, when given, the span pipeline are this package's.
  // No instrumentations: nothing is patched, the gRPC, Kafka and DB helpers are explicit.
  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    contextManager: new AsyncLocalStorageContextManager(),
    metricReaders: [prometheus.reader],
    views,
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
    ...(options.spanExporter ? { traceExporter: options.spanExporter } : {}),
    // Logs are JSON lines on stdout (pino), not an OTLP log pipeline.
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  // sdk-node installs a console diag logger when OTEL_LOG_LEVEL is set; keep ours.
  installDiagLogger(logger);

  const tracerProvider = registeredTracerProvider();
  const sdkMeterProvider = metrics.getMeterProvider();
  // Every histogram keeps exemplars (trace and span of a sampled measurement per bucket).
  const meterProvider = withExemplars(sdkMeterProvider, exemplars, exportedNameOf(views));
  metrics.disable();
  metrics.setGlobalMeterProvider(meterProvider);

  const meter = meterProvider.getMeter(SCOPE_NAME, SCOPE_VERSION);
  const stopProcessMetrics =
    options.processMetrics === false ? () => {} : registerProcessMetrics(meter);

  let shutdownPromise: Promise<void> | undefined;
  const shutdown = () => {
    shutdownPromise ??= (async () => {
      stopProcessMetrics();
      // An unreachable trace backend rejects here (the last batch could not be sent), a
      // silent one would hold the export for its whole timeout; neither may end or stall the
      // app, so the failure is logged, never thrown, and the wait is bounded.
      const failed = await withTimeout(
        sdk.shutdown(),
        options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
        "exporting the last spans",
      ).then(
        () => undefined,
        (err: unknown) => err ?? new Error("rejected"),
      );
      // Only release the globals if they are still ours; a later startTelemetry owns them.
      if (metrics.getMeterProvider() === meterProvider) {
        trace.disable();
        metrics.disable();
        propagation.disable();
        context.disable();
      }
      if (failed !== undefined) logger.warn({ err: failed }, "telemetry shutdown");
    })();
    return shutdownPromise;
  };

  return {
    serviceName,
    resource,
    tracer: (tracerProvider ?? trace.getTracerProvider()).getTracer(
      serviceName,
      options.serviceVersion,
    ),
    meter,
    logger,
    tracerProvider: tracerProvider ?? trace.getTracerProvider(),
    meterProvider,
    renderMetrics: (accept) => prometheus.render(accept),
    metricsHandler: async (request) => {
      const { contentType, body } = await prometheus.render(request?.headers.get("accept"));
      return new Response(body, { headers: { "content-type": contentType } });
    },
    forceFlush: () => tracerProvider?.forceFlush() ?? Promise.resolve(),
    shutdown,
  };
}

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 3_000;

/** The SDK's tracer provider behind the API's proxy; none when OTEL_TRACES_EXPORTER=none. */
function registeredTracerProvider(): TracerProvider | undefined {
  const registered = trace.getTracerProvider();
  const delegate =
    registered instanceof ProxyTracerProvider ? registered.getDelegate() : registered;
  return delegate instanceof TracerProvider ? delegate : undefined;
}

/** OTEL_SDK_DISABLED=true: keep the API shape, record nothing, register nothing. */
function disabledTelemetry(serviceName: string, resource: Resource, logger: Logger): Telemetry {
  const tracerProvider = new ProxyTracerProvider();
  const meterProvider: ApiMeterProvider = { getMeter: () => createNoopMeter() };
  const render = async (): Promise<MetricsPayload> => ({
    contentType: PROMETHEUS_CONTENT_TYPE,
    body: "# telemetry disabled by OTEL_SDK_DISABLED\n",
  });
  return {
    serviceName,
    resource,
    tracer: tracerProvider.getTracer(serviceName),
    meter: createNoopMeter(),
    logger,
    tracerProvider,
    meterProvider,
    renderMetrics: render,
    metricsHandler: async () => {
      const { contentType, body } = await render();
      return new Response(body, { headers: { "content-type": contentType } });
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
}

/** SDK diagnostics (export failures, dropped spans) go to the app's JSON log, not stderr. */
function installDiagLogger(logger: Logger): void {
  const level = diagLogLevelFromString(getStringFromEnv("OTEL_LOG_LEVEL")) ?? DiagLogLevel.WARN;
  const child = logger.child({ component: "otel" });
  const forward =
    (method: "error" | "warn" | "info" | "debug" | "trace") =>
    (message: string, ...args: unknown[]) =>
      args.length > 0 ? child[method]({ args }, message) : child[method](message);
  const diagLogger: DiagLogger = {
    error: forward("error"),
    warn: forward("warn"),
    info: forward("info"),
    debug: forward("debug"),
    verbose: forward("trace"),
  };
  diag.setLogger(diagLogger, { logLevel: level, suppressOverrideMessage: true });
}
