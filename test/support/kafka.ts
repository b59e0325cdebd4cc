// Reading a topic back in tests, with a throwaway consumer group so nothing else is affected.
import { randomUUID } from "node:crypto";
import type { Kafka, KafkaMessage } from "@obs/kafka";

/** Reads every record of `topic` from the start until `count` arrived (or `timeoutMs` passed). */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<KafkaMessage[]> {
  const received: KafkaMessage[] = [];
  const { promise, resolve } = Promise.withResolvers<void>();
  const consumer = kafka.consumer({
    groupId: `test-reader.${randomUUID().slice(0, 8)}`,
    topics: [topic],
    deadLetterTopic: false,
    eachMessage: (_payload, message) => {
      received.push(message);
      if (received.length >= count) resolve();
    },
  });
  const timer = setTimeout(resolve, timeoutMs);
  try {
    await promise;
  } finally {
    clearTimeout(timer);
    await consumer.close();
  }
  return received;
}
