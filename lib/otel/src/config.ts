import { diag, type TextMapPropagator } from "@opentelemetry/api";
import {
  CompositePropagator,
  getBooleanFromEnv,
  getNumberFromEnv,
  getStringFromEnv,
  getStringListFromEnv,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from "@opentelemetry/core";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  type BatchSpanProcessorOptions,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace";

/*
 * SDK 3.x moved environment handling out of the SDK constructors (into sdk-node and
 * @opentelemetry/configuration, which drag in every exporter including the gRPC one that
 * crashes on Bun). The OTLP exporter still reads its own OTEL_EXPORTER_OTLP_* variables;
 * the few SDK-level ones are read here.
 */

export function sdkDisabled(): boolean {
  return getBooleanFromEnv("OTEL_SDK_DISABLED");
}

export type TracesExporterKind = "otlp" | "console" | "none";

export function tracesExporterKind(): TracesExporterKind {
  const requested = getStringListFromEnv("OTEL_TRACES_EXPORTER") ?? [];
  if (requested.includes("none")) return "none";
  for (const kind of requested) {
    if (kind === "otlp" || kind === "console") return kind;
    diag.warn(`OTEL_TRACES_EXPORTER=${kind} is not supported here; using otlp`);
  }
  return "otlp";
}

/** Only http/protobuf: the gRPC exporter crashes on Bun (opentelemetry-js#5812). */
export function warnOnUnsupportedProtocol(): void {
  const protocol =
    getStringFromEnv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") ??
    getStringFromEnv("OTEL_EXPORTER_OTLP_PROTOCOL");
  if (protocol && protocol !== "http/protobuf") {
    diag.warn(`OTLP protocol ${protocol} is not supported by @obs/otel; using http/protobuf`);
  }
}

export function batchOptions(): Omit<BatchSpanProcessorOptions, "exporter"> {
  return {
    scheduledDelayMillis: getNumberFromEnv("OTEL_BSP_SCHEDULE_DELAY"),
    exportTimeoutMillis: getNumberFromEnv("OTEL_BSP_EXPORT_TIMEOUT"),
    maxQueueSize: getNumberFromEnv("OTEL_BSP_MAX_QUEUE_SIZE"),
    maxExportBatchSize: getNumberFromEnv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE"),
  };
}

export function samplerFromEnv(): Sampler {
  const name = getStringFromEnv("OTEL_TRACES_SAMPLER") ?? "parentbased_always_on";
  const arg = getNumberFromEnv("OTEL_TRACES_SAMPLER_ARG");
  const ratio = arg !== undefined && arg >= 0 && arg <= 1 ? arg : 1;
  switch (name) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(ratio);
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    default:
      diag.warn(`OTEL_TRACES_SAMPLER=${name} is not supported; using parentbased_always_on`);
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/** W3C TraceContext + Baggage unless OTEL_PROPAGATORS narrows it. */
export function propagatorFromEnv(): TextMapPropagator {
  const names = getStringListFromEnv("OTEL_PROPAGATORS") ?? ["tracecontext", "baggage"];
  const propagators: TextMapPropagator[] = [];
  for (const name of names) {
    if (name === "tracecontext") propagators.push(new W3CTraceContextPropagator());
    else if (name === "baggage") propagators.push(new W3CBaggagePropagator());
    else if (name !== "none") diag.warn(`OTEL_PROPAGATORS: ${name} is not supported; skipped`);
  }
  return new CompositePropagator({ propagators });
}
