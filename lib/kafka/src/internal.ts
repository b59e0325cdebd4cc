// Small helpers both adapters share.
import type { PartitionBatch } from "./driver.ts";
import type { KafkaMessage } from "./port.ts";

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Splits fetched messages per topic-partition, keeping each partition's offset order. */
export function groupByPartition(messages: KafkaMessage[]): PartitionBatch[] {
  const batches = new Map<string, PartitionBatch>();
  for (const message of messages) {
    const key = `${message.topic}\0${message.partition}`;
    let batch = batches.get(key);
    if (!batch) {
      batch = { topic: message.topic, partition: message.partition, messages: [] };
      batches.set(key, batch);
    }
    batch.messages.push(message);
  }
  return [...batches.values()];
}

/** Kafka protocol error codes, as both clients expose them somewhere in the error chain. */
const TOPIC_ALREADY_EXISTS = 36;
const UNKNOWN_TOPIC_OR_PARTITION = 3;

function someInChain(error: unknown, test: (e: Record<string, unknown>) => boolean): boolean {
  const seen = new Set<unknown>();
  const queue = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (typeof current !== "object" || current === null || seen.has(current)) continue;
    seen.add(current);
    const record = current as Record<string, unknown>;
    if (test(record)) return true;
    queue.push(record.cause);
    if (Array.isArray(record.errors)) queue.push(...record.errors);
    if (typeof record.errors === "object" && record.errors !== null) {
      queue.push(...Object.values(record.errors));
    }
  }
  return false;
}

function hasCode(error: unknown, code: number, pattern: RegExp): boolean {
  return someInChain(
    error,
    (e) =>
      e.code === code ||
      e.apiCode === code ||
      e.errorCode === code ||
      (typeof e.message === "string" && pattern.test(e.message)),
  );
}

export function isAlreadyExists(error: unknown): boolean {
  return hasCode(error, TOPIC_ALREADY_EXISTS, /already exists/i);
}

export function isUnknownTopic(error: unknown): boolean {
  return hasCode(error, UNKNOWN_TOPIC_OR_PARTITION, /unknown topic|does not host this topic/i);
}

/** Deletes the topics that exist; missing ones (or ones deleted meanwhile) are no error. */
export async function deleteExistingTopics(
  client: {
    listTopics(): Promise<string[]>;
    deleteTopics(options: { topics: string[] }): Promise<unknown>;
  },
  topics: string[],
): Promise<void> {
  const existing = new Set(await client.listTopics());
  const present = topics.filter((t) => existing.has(t));
  if (present.length === 0) return;
  try {
    await client.deleteTopics({ topics: present });
  } catch (error) {
    if (!isUnknownTopic(error)) throw error;
  }
}
