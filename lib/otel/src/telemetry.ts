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
import { diagLogLevelFromString, getStringFromEnv } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import type { Resource } from "@opentelemetry/resources";
import { MeterProvider, type ViewOptions } from "@opentelemetry/sdk-metrics";
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  type SpanExporter,
  type SpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import {
  batchOptions,
  propagatorFromEnv,
  samplerFromEnv,
  sdkDisabled,
  tracesExporterKind,
  warnOnUnsupportedProtocol,
} from "./config.ts";
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

  if (sdkDisabled()) return disabledTelemetry(serviceName, resource, logger);

  const tracerProvider = new TracerProvider({
    resource,
    sampler: samplerFromEnv(),
    spanProcessors: options.spanProcessors ?? defaultSpanProcessors(options.spanExporter),
  });

  const exemplars = new ExemplarReservoir();
  const prometheus = createPrometheusPull(exemplars);
  const views = [...PROMETHEUS_VIEWS, ...(options.views ?? [])];
  const sdkMeterProvider = new MeterProvider({ resource, readers: [prometheus.reader], views });
  // Every histogram keeps exemplars (trace and span of a sampled measurement per bucket).
  const meterProvider = withExemplars(sdkMeterProvider, exemplars, exportedNameOf(views));

  // Replacing, not adding: the API refuses a second registration while one is active.
  trace.disable();
  metrics.disable();
  propagation.disable();
  context.disable();
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(propagatorFromEnv());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);

  const meter = meterProvider.getMeter(SCOPE_NAME, SCOPE_VERSION);
  const stopProcessMetrics =
    options.processMetrics === false ? () => {} : registerProcessMetrics(meter);

  let shutdownPromise: Promise<void> | undefined;
  const shutdown = () => {
    shutdownPromise ??= (async () => {
      stopProcessMetrics();
      const results = await Promise.allSettled([
        tracerProvider.shutdown(),
        sdkMeterProvider.shutdown(),
      ]);
      // Only release the globals if they are still ours; a later startTelemetry owns them.
      if (trace.getTracerProvider() instanceof ProxyTracerProvider) {
        const delegate = (trace.getTracerProvider() as ProxyTracerProvider).getDelegate();
        if (delegate === tracerProvider) {
          trace.disable();
          metrics.disable();
          propagation.disable();
          context.disable();
        }
      }
      for (const result of results) {
        if (result.status === "rejected") logger.warn({ err: result.reason }, "telemetry shutdown");
      }
    })();
    return shutdownPromise;
  };

  return {
    serviceName,
    resource,
    tracer: tracerProvider.getTracer(serviceName, options.serviceVersion),
    meter,
    logger,
    tracerProvider,
    meterProvider,
    renderMetrics: (accept) => prometheus.render(accept),
    metricsHandler: async (request) => {
      const { contentType, body } = await prometheus.render(request?.headers.get("accept"));
      return new Response(body, { headers: { "content-type": contentType } });
    },
    forceFlush: () => tracerProvider.forceFlush(),
    shutdown,
  };
}

function defaultSpanProcessors(exporter: SpanExporter | undefined): SpanProcessor[] {
  if (exporter) return [new BatchSpanProcessor({ exporter, ...batchOptions() })];
  switch (tracesExporterKind()) {
    case "none":
      return [];
    case "console":
      return [new BatchSpanProcessor({ exporter: new ConsoleSpanExporter(), ...batchOptions() })];
    default:
      warnOnUnsupportedProtocol();
      // Reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT/HEADERS/TIMEOUT/COMPRESSION itself;
      // the default endpoint is http://localhost:4318/v1/traces.
      return [new BatchSpanProcessor({ exporter: new OTLPTraceExporter(), ...batchOptions() })];
  }
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
