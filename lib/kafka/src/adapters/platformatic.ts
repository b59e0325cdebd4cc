// Adapter for @platformatic/kafka: pure TypeScript, so it runs on Bun.
import {
  type MessagesStream,
  Admin as PltAdmin,
  Consumer as PltConsumer,
  type Message as PltMessage,
  Producer as PltProducer,
  ProduceAcks,
} from "@platformatic/kafka";
import pkg from "../../package.json" with { type: "json" };
import { coalescing } from "../coalesce.ts";
import type {
  Driver,
  DriverConfig,
  DriverConsumer,
  DriverConsumerOptions,
  DriverProducer,
  ProcessBatch,
} from "../driver.ts";
import { receivedHeaders, toBuffer } from "../headers.ts";
import { deferred, deleteExistingTopics, groupByPartition, isAlreadyExists } from "../internal.ts";
import { PartitionAssigner, reportsFromBaseOffsets } from "../partition-assigner.ts";
import type { Admin, KafkaMessage, OutgoingMessage, TopicSpec } from "../port.ts";

type Buf = Buffer;
type Message = PltMessage<Buf, Buf, Buf, Buf>;

/** Latest and earliest offsets in Kafka's ListOffsets protocol. */
const LATEST = -1n;
const EARLIEST = -2n;
const MAX_BATCH = 500;

function toKey(key: OutgoingMessage["key"]): Buffer | undefined {
  return key === null || key === undefined ? undefined : toBuffer(key);
}

function producer(config: DriverConfig): DriverProducer {
  const client = new PltProducer<Buf, Buf, Buf, Buf>({
    clientId: config.clientId,
    bootstrapBrokers: config.brokers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    autocreateTopics: true,
  });
  const assigner = new PartitionAssigner();
  return {
    async send(messages) {
      const topics = [...new Set(messages.map((m) => m.topic))];
      // Metadata is cached by the client (metadataMaxAge), so this is not a round trip per send.
      const metadata = await client.metadata({ topics, autocreateTopics: true });
      const partitions = messages.map((message) => {
        const count = metadata.topics.get(message.topic)?.partitionsCount;
        if (!count) throw new Error(`no metadata for topic ${message.topic}`);
        return assigner.assign(message, count);
      });
      const result = await client.send({
        messages: messages.map((message, i) => ({
          topic: message.topic,
          partition: partitions[i],
          key: toKey(message.key),
          // The record writer encodes a missing value as null: a tombstone.
          value: message.value === null ? undefined : toBuffer(message.value),
          headers: new Map(
            Object.entries(message.headers ?? {}).map(([k, v]) => [Buffer.from(k), toBuffer(v)]),
          ),
          timestamp: message.timestamp === undefined ? undefined : BigInt(message.timestamp),
        })),
      });
      return reportsFromBaseOffsets(messages, partitions, result.offsets ?? []);
    },
    async connect(topics) {
      // Metadata of the topics, a connection to each of their leaders and the producer id: what
      // the first send would otherwise do before its request (over a second on a fresh process).
      const metadata = await client.metadata({ topics, autocreateTopics: true, forceUpdate: true });
      const leaders = new Set<number>();
      for (const topic of topics) {
        const partitions = metadata.topics.get(topic)?.partitions ?? [];
        if (partitions.length === 0) throw new Error(`topic ${topic} has no partitions yet`);
        for (const [index, partition] of partitions.entries()) {
          // A topic created a moment ago may not have elected its leaders yet: a send now
          // would wait a retry delay (1 s) for them, which is what this is here to avoid.
          if (!metadata.brokers.has(partition.leader))
            throw new Error(`topic ${topic} partition ${index} has no leader yet`);
          leaders.add(partition.leader);
        }
      }
      await client.connectToBrokers([...leaders]);
      await client.initIdempotentProducer({});
    },
    close: () => client.close(),
  };
}

function toKafkaMessage(message: Message): KafkaMessage {
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: message.key ?? null,
    value: message.value ?? null,
    headers: receivedHeaders(message.headerEntries),
    timestamp: Number(message.timestamp),
  };
}

/**
 * Takes, without waiting, what the stream already has buffered behind `first` (up to MAX_BATCH).
 * Only ever called from inside the `for await` below, whose iterator keeps a 'readable' listener
 * on the stream for as long as it runs; see the comment there for why that matters.
 */
function drainBuffered(stream: MessagesStream<Buf, Buf, Buf, Buf>, first: Message): Message[] {
  const batch = [first];
  let message: Message | null;
  // biome-ignore lint/suspicious/noAssignInExpressions: the idiomatic Readable drain loop
  while (batch.length < MAX_BATCH && (message = stream.read() as Message | null) !== null) {
    batch.push(message);
  }
  return batch;
}

function consumer(
  config: DriverConfig,
  options: DriverConsumerOptions,
  process: ProcessBatch,
): DriverConsumer {
  const client = new PltConsumer<Buf, Buf, Buf, Buf>({
    clientId: options.clientId,
    bootstrapBrokers: config.brokers,
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: Math.max(500, Math.floor(options.sessionTimeoutMs / 5)),
    autocommit: false,
    maxWaitTime: 500,
  });
  const ready = deferred<void>();
  const done = deferred<void>();
  let closing = false;
  let stream: MessagesStream<Buf, Buf, Buf, Buf> | undefined;

  async function loop(): Promise<void> {
    stream = await client.consume({
      topics: options.topics,
      autocommit: false,
      mode: "committed",
      fallbackMode: options.fromBeginning ? "earliest" : "latest",
    });
    ready.resolve();
    // The stream must be consumed by something that stays attached to it for its whole life, such
    // as this `for await` (its iterator holds one 'readable' listener until it returns). Do NOT
    // wait for data with a 'readable' listener added and removed around each wait: removing the
    // last one resets `readableFlowing` to null on the next tick (standard Readable behaviour), and
    // MessagesStream#fetch (@platformatic/kafka 2.12.1, dist/clients/consumer/messages-stream.js)
    // returns without fetching or pushing when `readableFlowing === null` ("nobody is consuming").
    // A fetch that completed while our handler ran (no listener attached) then ended the fetch
    // loop, and the `_read()` our next `read()` triggered returned the same way, leaving the
    // Readable's `reading` flag set, so `_read()` was never called again: the consumer stalled
    // for good with a committed offset below the high watermark, and nothing errored. That is
    // what happened when two produce calls landed close together (the second one's records
    // arrived while the first one's batch was being handled).
    // The iterator also rethrows a stream error (or a close without end) here, which rejects `done`.
    for await (const first of stream) {
      if (closing) return;
      const messages = drainBuffered(stream, first);
      const batches = groupByPartition(messages.map(toKafkaMessage));
      for (let i = 0; i < batches.length; i += options.partitionConcurrency) {
        await Promise.all(
          batches.slice(i, i + options.partitionConcurrency).map(async (batch) => {
            await process(batch);
            if (closing) return;
            // Committing the last message commits the batch: Kafka stores "next offset to read".
            const last = messages.findLast(
              (m) => m.topic === batch.topic && m.partition === batch.partition,
            );
            if (last) commitInBackground(last);
          }),
        );
        if (closing) return;
      }
    }
  }

  // The commit is sent after the batch's process() resolved, as the port promises, but the
  // next batch does not wait for the broker's answer: that round trip (1–2 ms here) was on
  // every batch's critical path. The library merges commits per partition and never lets a
  // lower offset overwrite a higher one, so an answer arriving late is harmless; a failed
  // commit is covered by the next one, or the batch is redelivered (handlers are idempotent
  // by contract). close() waits for what is in flight, so a clean shutdown redelivers nothing.
  const commits = new Set<Promise<unknown>>();
  function commitInBackground(message: Message): void {
    const pending = Promise.resolve(message.commit()).catch((error: unknown) => {
      config.logger.warn("kafka offset commit failed; the next commit covers it", {
        groupId: options.groupId,
        topic: message.topic,
        partition: message.partition,
        error: String(error),
      });
    });
    commits.add(pending);
    void pending.finally(() => commits.delete(pending));
  }

  /** This client is finished: the port replaces it (or it was closed, and nothing is owed). */
  function failed(error: unknown): void {
    ready.reject(error);
    if (closing) done.resolve();
    else {
      done.reject(error);
      void shutdown();
    }
  }

  // The library emits 'error' on the consumer itself when the rejoin a heartbeat asked for
  // fails (the coordinator went away mid-rebalance): the member has then left its group and
  // no more heartbeats follow. An 'error' event nobody listens to is thrown by EventEmitter,
  // which killed the process; here it ends this client like any other failure.
  client.on("error", failed);
  loop().then(() => done.resolve(), failed);
  ready.promise.catch(() => {});

  async function shutdown(): Promise<void> {
    closing = true;
    await Promise.all(commits);
    await stream?.close().catch(() => {});
    await client.close(true).catch(() => {});
  }

  return {
    ready: ready.promise,
    done: done.promise,
    assignment: () =>
      (client.assignments ?? []).flatMap(({ topic, partitions }) =>
        partitions.map((partition) => ({ topic, partition })),
      ),
    async close() {
      await shutdown();
      done.resolve();
    },
  };
}

function admin(config: DriverConfig): Admin {
  const client = new PltAdmin({ clientId: config.clientId, bootstrapBrokers: config.brokers });

  async function partitionCounts(topics: string[]): Promise<Map<string, number>> {
    const existing = new Set(await client.listTopics());
    const present = topics.filter((t) => existing.has(t));
    const counts = new Map<string, number>();
    if (present.length === 0) return counts;
    const metadata = await client.metadata({ topics: present, forceUpdate: true });
    for (const topic of present) {
      const count = metadata.topics.get(topic)?.partitionsCount;
      if (count) counts.set(topic, count);
    }
    return counts;
  }

  async function offsets(counts: Map<string, number>, timestamp: bigint) {
    const listed = await client.listOffsets({
      topics: [...counts].map(([name, count]) => ({
        name,
        partitions: Array.from({ length: count }, (_, partitionIndex) => ({
          partitionIndex,
          timestamp,
        })),
      })),
    });
    const byKey = new Map<string, bigint>();
    for (const topic of listed) {
      for (const p of topic.partitions) byKey.set(`${topic.name}:${p.partitionIndex}`, p.offset);
    }
    return byKey;
  }

  return {
    async createTopics(specs: TopicSpec[]) {
      const existing = new Set(await client.listTopics());
      for (const spec of specs) {
        if (existing.has(spec.topic)) continue;
        try {
          await client.createTopics({
            topics: [spec.topic],
            partitions: spec.partitions ?? -1,
            replicas: spec.replicationFactor ?? -1,
            configs: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
          });
        } catch (error) {
          // Another process may have created it since we listed.
          if (!isAlreadyExists(error)) throw error;
        }
      }
    },
    deleteTopics: (topics) => deleteExistingTopics(client, topics),
    listTopics: () => client.listTopics(),
    partitionCounts,
    async groupMembers(groupId) {
      const groups = await client.describeGroups({ groups: [groupId] });
      return groups.get(groupId)?.members.size ?? 0;
    },
    async lag(groupId, topics) {
      const counts = await partitionCounts(topics);
      if (counts.size === 0) return [];
      const [groups, high, low] = await Promise.all([
        client.listConsumerGroupOffsets({
          groups: [
            {
              groupId,
              topics: [...counts].map(([name, count]) => ({
                name,
                partitionIndexes: Array.from({ length: count }, (_, i) => i),
              })),
            },
          ],
        }),
        offsets(counts, LATEST),
        offsets(counts, EARLIEST),
      ]);
      const committed = new Map<string, bigint>();
      for (const group of groups) {
        for (const topic of group.topics) {
          for (const p of topic.partitions) {
            committed.set(`${topic.name}:${p.partitionIndex}`, p.committedOffset);
          }
        }
      }
      return [...counts].flatMap(([topic, count]) =>
        Array.from({ length: count }, (_, partition) => {
          const key = `${topic}:${partition}`;
          const highWatermark = high.get(key) ?? 0n;
          const done = committed.get(key) ?? -1n;
          const from = done >= 0n ? done : (low.get(key) ?? 0n);
          return { topic, partition, committed: done, highWatermark, lag: highWatermark - from };
        }),
      );
    },
    close: () => client.close(),
  };
}

export const PLATFORMATIC_LIBRARY = `@platformatic/kafka ${pkg.dependencies["@platformatic/kafka"]}`;

export function createPlatformaticDriver(config: DriverConfig): Driver {
  return {
    name: "platformatic",
    libraries: { producer: PLATFORMATIC_LIBRARY, consumer: PLATFORMATIC_LIBRARY },
    producer: async () => coalescing(producer(config)),
    consumer: (options, process) => consumer(config, options, process),
    admin: async () => admin(config),
  };
}
