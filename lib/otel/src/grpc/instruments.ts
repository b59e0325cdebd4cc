import {
  type Histogram,
  type MeterProvider,
  metrics,
  type Tracer,
  type TracerProvider,
} from "@opentelemetry/api";
import { SCOPE_NAME, SCOPE_VERSION, scopeTracer } from "../scope.ts";
import type { SemconvMode } from "../semconv-stability.ts";
import {
  METRIC_RPC_CLIENT_CALL_DURATION,
  METRIC_RPC_SERVER_CALL_DURATION,
  RPC_DURATION_BUCKETS_SECONDS,
} from "./semconv.ts";

export interface GrpcInstrumentationOptions {
  /** Defaults to the global provider, looked up per call (see below). */
  tracerProvider?: TracerProvider;
  /** Defaults to the global provider, looked up per call (see below). */
  meterProvider?: MeterProvider;
  /**
   * Which RPC names spans and metrics carry; default from OTEL_SEMCONV_STABILITY_OPT_IN
   * (`rpc/dup` → "dup"), read when the instrumentation is built.
   */
  semconv?: SemconvMode;
}

/*
 * Providers are resolved on every call, not when the interceptor is built: the global meter
 * API has no proxy, so a meter taken before startTelemetry() would stay a no-op forever, and
 * a restarted SDK (tests) would keep feeding the old one. The cache keeps that cheap.
 */
const histograms = new WeakMap<MeterProvider, { server: Histogram; client: Histogram }>();

export function grpcTracer(options: GrpcInstrumentationOptions): Tracer {
  return scopeTracer(options.tracerProvider);
}

export function rpcDurationHistogram(
  side: "server" | "client",
  options: GrpcInstrumentationOptions,
): Histogram {
  const provider = options.meterProvider ?? metrics.getMeterProvider();
  let entry = histograms.get(provider);
  if (!entry) {
    const meter = provider.getMeter(SCOPE_NAME, SCOPE_VERSION);
    const advice = { explicitBucketBoundaries: RPC_DURATION_BUCKETS_SECONDS };
    entry = {
      server: meter.createHistogram(METRIC_RPC_SERVER_CALL_DURATION, {
        description: "Duration of inbound gRPC calls, measured by the server.",
        unit: "s",
        advice,
      }),
      client: meter.createHistogram(METRIC_RPC_CLIENT_CALL_DURATION, {
        description: "Duration of outbound gRPC calls, measured by the client.",
        unit: "s",
        advice,
      }),
    };
    histograms.set(provider, entry);
  }
  return entry[side];
}
