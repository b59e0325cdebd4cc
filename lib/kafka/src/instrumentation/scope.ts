import { type Tracer, type TracerProvider, trace } from "@opentelemetry/api";

/** Instrumentation scope of every span and instrument the Kafka telemetry makes. */
export const SCOPE_NAME = "@obs/kafka";
export const SCOPE_VERSION = "0.1.0";

/*
 * Tracers are resolved per call instead of once at import: the global ProxyTracer binds to
 * whatever SDK is registered when it is first used, so a cached one would outlive a restarted
 * SDK (tests, or a second startTelemetry after shutdown). The WeakMap keeps the lookup cheap.
 */
const tracers = new WeakMap<TracerProvider, Tracer>();

export function kafkaTracer(provider: TracerProvider = trace.getTracerProvider()): Tracer {
  let tracer = tracers.get(provider);
  if (!tracer) {
    tracer = provider.getTracer(SCOPE_NAME, SCOPE_VERSION);
    tracers.set(provider, tracer);
  }
  return tracer;
}
