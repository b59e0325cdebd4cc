import { type Attributes, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { errorMessage, errorType } from "./error-type.ts";

/**
 * Runs `fn` as a named step of the current trace: an INTERNAL span, active while it runs (so
 * the step's statements and calls are its children), ended when it settles and failed with
 * `error.type` when it throws. For the steps a reader of the trace looks for by name (the
 * orchestrator's idempotency claim, the ledger's posting, the read model's projection), which
 * are more than one statement. The tracer is looked up per call, as scope.ts explains.
 */
export function inSpan<T>(
  scope: string,
  name: string,
  fn: (span: Span) => Promise<T>,
  attributes?: Attributes,
): Promise<T> {
  return trace
    .getTracer(scope)
    .startActiveSpan(name, { kind: SpanKind.INTERNAL, attributes }, async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        span.recordException(error instanceof Error ? error : errorMessage(error));
        span.setAttribute("error.type", errorType(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
        throw error;
      } finally {
        span.end();
      }
    });
}
