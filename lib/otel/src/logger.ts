import { isSpanContextValid, trace } from "@opentelemetry/api";
import pino, { type DestinationStream, type Logger, type LoggerOptions } from "pino";

export type { Logger } from "pino";

export interface CreateLoggerOptions {
  service: string;
  /** Defaults to LOG_LEVEL, else "info". */
  level?: string;
  /** Defaults to stdout; tests pass a stream to capture lines. */
  destination?: DestinationStream;
  /** Extra fields on every line (e.g. service version). */
  base?: Record<string, unknown>;
}

/**
 * JSON lines with `trace_id`/`span_id` of the active span, so a log line in Grafana or Loki
 * leads straight to its trace. The mixin runs per line, so it reads the context of the
 * moment the line is written, including inside gRPC handlers and Kafka consumer spans.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const config: LoggerOptions = {
    level: options.level ?? process.env.LOG_LEVEL ?? "info",
    base: { service: options.service, ...options.base },
    messageKey: "msg",
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      // Text levels: log pipelines and humans filter on "error", not 50.
      level: (label) => ({ level: label }),
    },
    mixin() {
      const spanContext = trace.getActiveSpan()?.spanContext();
      if (!spanContext || !isSpanContextValid(spanContext)) return {};
      return {
        trace_id: spanContext.traceId,
        span_id: spanContext.spanId,
        trace_flags: `0${spanContext.traceFlags.toString(16)}`.slice(-2),
      };
    },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}
