// Group commit for produce calls: sends that arrive while earlier ones are on the wire are
// merged into one driver request when a slot frees up. @platformatic/kafka turns every send()
// into its own produce request and, being idempotent, keeps one request in flight per
// connection, so a service making one small send per RPC (the adder's Add) paid a full broker
// round trip per message, queued behind every other caller: at a few thousand calls a second
// the queue, not the broker, set the latency. librdkafka does the equivalent internally
// (linger.ms); this adds no linger at all — a send is merged only when it would have waited
// anyway — so a lone call goes out at once.
import type { DriverProducer } from "./driver.ts";
import { type Deferred, deferred } from "./internal.ts";
import type { DeliveryReport, OutgoingMessage } from "./port.ts";

export interface CoalesceOptions {
  /** Driver requests outstanding at once; more queue and merge. */
  maxInFlight: number;
  /** Upper bound of one merged request, in messages... */
  maxMessages: number;
  /**
   * ...and in key + value + header bytes. Below the broker's default message.max.bytes (1 MiB
   * per partition batch), so a merge never produces a request a lone send would not have.
   */
  maxBytes: number;
}

export const DEFAULT_COALESCE: CoalesceOptions = {
  maxInFlight: 2,
  maxMessages: 2000,
  maxBytes: 768 * 1024,
};

interface Pending {
  messages: OutgoingMessage[];
  bytes: number;
  reply: Deferred<DeliveryReport[]>;
}

function sizeOf(value: OutgoingMessage["value"] | OutgoingMessage["key"]): number {
  if (value === null || value === undefined) return 0;
  return typeof value === "string" ? Buffer.byteLength(value) : value.byteLength;
}

function bytesOf(messages: OutgoingMessage[]): number {
  let total = 0;
  for (const m of messages) {
    total += sizeOf(m.key) + sizeOf(m.value);
    for (const [k, v] of Object.entries(m.headers ?? {})) total += k.length + sizeOf(v);
  }
  return total;
}

/**
 * Wraps a driver producer so concurrent sends share requests. Each caller still gets the
 * reports of exactly its own messages, in its order; messages keep the order in which their
 * send() calls were made. A request that fails rejects every send merged into it — the same
 * at-least-once outcome as a failed lone send (some partitions may have been written).
 */
export function coalescing(
  inner: DriverProducer,
  options: CoalesceOptions = DEFAULT_COALESCE,
): DriverProducer {
  const queue: Pending[] = [];
  let inFlight = 0;

  function takeRequest(): Pending[] {
    const taken: Pending[] = [];
    let messages = 0;
    let bytes = 0;
    for (const next of queue) {
      const fits =
        messages + next.messages.length <= options.maxMessages &&
        bytes + next.bytes <= options.maxBytes;
      // The first send always goes, even when it alone is over the bounds: it would have anyway.
      if (taken.length > 0 && !fits) break;
      taken.push(next);
      messages += next.messages.length;
      bytes += next.bytes;
    }
    queue.splice(0, taken.length);
    return taken;
  }

  function pump(): void {
    while (inFlight < options.maxInFlight && queue.length > 0) {
      const taken = takeRequest();
      inFlight++;
      const merged = taken.length === 1 ? taken[0]?.messages : taken.flatMap((p) => p.messages);
      inner
        .send(merged ?? [])
        .then(
          (reports) => {
            let at = 0;
            for (const p of taken) {
              p.reply.resolve(reports.slice(at, at + p.messages.length));
              at += p.messages.length;
            }
          },
          (error: unknown) => {
            for (const p of taken) p.reply.reject(error);
          },
        )
        .finally(() => {
          inFlight--;
          pump();
        });
    }
  }

  return {
    connect: (topics) => inner.connect(topics),
    send(messages) {
      if (messages.length === 0) return Promise.resolve([]);
      const reply = deferred<DeliveryReport[]>();
      queue.push({ messages, bytes: bytesOf(messages), reply });
      pump();
      return reply.promise;
    },
    async close() {
      // As for a lone driver: what is on the wire is the driver's to finish or fail (callers
      // drain their own work before closing, as the apps' servers do); what never left is
      // failed now rather than sent by a closing client.
      for (const p of queue.splice(0)) p.reply.reject(new Error("producer closed before sending"));
      await inner.close();
    },
  };
}
