// Picks a partition for each outgoing message up front, so per-message delivery reports can be
// derived from the per-partition base offsets a produce request returns.
import { partitionForKey } from "./partitioner.ts";
import type { DeliveryReport, OutgoingMessage } from "./port.ts";

export class PartitionAssigner {
  readonly #next = new Map<string, number>();

  assign(message: OutgoingMessage, partitions: number): number {
    if (message.partition !== undefined) return message.partition;
    if (message.key !== null && message.key !== undefined) {
      return partitionForKey(message.key, partitions);
    }
    // Unkeyed: round-robin per topic, like the Java client without sticky batching.
    const next = this.#next.get(message.topic) ?? 0;
    this.#next.set(message.topic, next + 1);
    return next % partitions;
  }
}

/**
 * One produce request appends each partition's messages contiguously, in request order, from
 * the base offset the broker returns for that partition.
 */
export function reportsFromBaseOffsets(
  messages: OutgoingMessage[],
  partitions: readonly (number | undefined)[],
  bases: readonly { topic: string; partition: number; offset: bigint }[],
): DeliveryReport[] {
  const next = new Map(bases.map((b) => [`${b.topic}\0${b.partition}`, b.offset]));
  return messages.map((message, i) => {
    const partition = partitions[i] ?? 0;
    const key = `${message.topic}\0${partition}`;
    const offset = next.get(key);
    if (offset === undefined) {
      throw new Error(`no acknowledgement for ${message.topic}[${partition}]`);
    }
    next.set(key, offset + 1n);
    return { topic: message.topic, partition, offset };
  });
}
