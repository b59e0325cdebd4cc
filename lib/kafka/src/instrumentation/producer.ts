import { type Context, context, type TracerProvider, trace } from "@opentelemetry/api";
import type { OutgoingMessage, ProduceMiddleware } from "../port.ts";
import type { Failures } from "./failures.ts";
import type { MessagingMetrics } from "./messaging-metrics.ts";
import type { KafkaMetrics } from "./metrics.ts";
import { extractTraceContext, readProducedAt, stampProducedAt } from "./propagation.ts";
import { ATTR_MESSAGING_DESTINATION_PARTITION_ID, renamedAttributes, setEach } from "./semconv.ts";
import { startProducerSpan } from "./spans.ts";
import { withoutTraceHeaders } from "./utils.ts";

export interface ProducerDeps {
  tracerProvider: TracerProvider | undefined;
  metrics: KafkaMetrics;
  messaging: MessagingMetrics;
  failures: Failures;
  recordMessageKey: boolean;
}

/**
 * One `send <topic>` PRODUCER span per message, not per batch: each message needs its own
 * creation context in its headers for the consumer's parent (semconv: a batch send
 * would need a `create` span per message anyway), and partition and offset are per message.
 */
export function produceMiddleware(deps: ProducerDeps): ProduceMiddleware {
  const { metrics } = deps;
  return async (messages, next) => {
    const active = context.active();
    const producers = messages.map((message) =>
      startProducerSpan(message.topic, {
        key: deps.recordMessageKey ? message.key : undefined,
        partition: message.partition,
        parent: parentFor(message, active, deps.failures),
        tracerProvider: deps.tracerProvider,
      }),
    );
    const outgoing = messages.map((message, i): OutgoingMessage => {
      const headers = { ...withoutTraceHeaders(message.headers), ...producers[i]?.headers };
      // An existing stamp wins: a re-send (DLQ, outbox relay) keeps the original send time.
      if (readProducedAt(message.headers) === undefined) stampProducedAt(headers);
      return { ...message, headers };
    });

    let reports: Awaited<ReturnType<typeof next>>;
    const startedAt = performance.now();
    const took = () => (performance.now() - startedAt) / 1000;
    try {
      reports = await next(outgoing);
    } catch (error) {
      const seconds = took();
      messages.forEach((message, i) => {
        metrics.producerError(message.topic, error);
        deps.messaging.sent(
          { topic: message.topic, partition: message.partition, error, at: producers[i]?.context },
          seconds,
        );
        producers[i]?.end(error);
      });
      throw error;
    }
    const seconds = took();
    messages.forEach((message, i) => {
      const report = reports[i];
      const producer = producers[i];
      if (report && producer) {
        producer.span.setAttribute(
          ATTR_MESSAGING_DESTINATION_PARTITION_ID,
          String(report.partition),
        );
        setEach(producer.span, renamedAttributes().offset, Number(report.offset));
      }
      metrics.produced(message.topic);
      deps.messaging.sent(
        { topic: message.topic, partition: report?.partition, at: producer?.context },
        seconds,
      );
      producer?.end();
    });
    return reports;
  };
}

/**
 * The active span when there is one (a send inside a request). Outside any span, a message
 * continues the trace it already carries: a dead letter continues its failed `process` span,
 * an outbox relay the request that wrote the row, instead of each starting a new trace.
 */
function parentFor(message: OutgoingMessage, active: Context, failures: Failures): Context {
  // First: identified exactly by its DLQ headers, whatever context the consumer loop runs in.
  const failed = failures.parentOf(message.headers);
  if (failed) return failed;
  const current = trace.getSpanContext(active);
  if (current && trace.isSpanContextValid(current)) return active;
  const carried = extractTraceContext(message.headers, active);
  const remote = trace.getSpanContext(carried);
  return remote && trace.isSpanContextValid(remote) ? carried : active;
}
