// The relay's spans: each row's publication is a span in the trace of the request that wrote it.
import { renamedAttributes } from "@obs/kafka";
import { errorType } from "@obs/otel";
import {
  type Context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { OutboxHeaders } from "./table.ts";

/** What a span needs of an outbox row. */
export interface SpannedRow {
  id: string;
  topic: string;
  key: string;
  /** The stored trace headers, as JSON text. */
  headers: string;
  created_ms: number;
}

/**
 * One `outbox publish` span per row, continuing the trace of the request that wrote it (its
 * stored headers), and the headers to send it with, re-injected from that span.
 */
export function startPublishSpans(tracer: Tracer, qualified: string, rows: SpannedRow[]) {
  const names = renamedAttributes();
  return rows.map((row) => {
    const stored = JSON.parse(row.headers) as OutboxHeaders;
    // The stored context, baggage included, is the parent: the relay's work shows up in the
    // trace of the request that wrote the row, not in a trace of its own.
    const parent = propagation.extract(ROOT_CONTEXT, stored);
    const span = tracer.startSpan(
      "outbox publish",
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          ...Object.fromEntries([
            ...names.system.map((name) => [name, "kafka"]),
            ...names.key.map((name) => [name, row.key]),
          ]),
          "messaging.destination.name": row.topic,
          "outbox.table": qualified,
          "outbox.id": row.id,
          "outbox.age_ms": Math.round(Date.now() - row.created_ms),
        },
      },
      parent,
    );
    // Re-injected from the relay span, so lib/kafka's send span (which continues the trace
    // in the headers when no span is active) becomes its child.
    const headers: OutboxHeaders = { ...stored };
    propagation.inject(trace.setSpan(parent, span), headers);
    return { span, headers };
  });
}

/** The trace context of the request that wrote the row, from its stored headers. */
export function storedContext(row: SpannedRow): Context {
  return propagation.extract(ROOT_CONTEXT, JSON.parse(row.headers) as OutboxHeaders);
}

export function endSpans(spans: Span[], error?: unknown) {
  for (const span of spans) {
    if (error !== undefined) {
      span.recordException(error as Error);
      span.setAttribute("error.type", errorType(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
    }
    span.end();
  }
}
