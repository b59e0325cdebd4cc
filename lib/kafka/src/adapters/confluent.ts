// Adapter for @confluentinc/kafka-javascript (librdkafka) through its KafkaJS-compatible API.
// It runs wherever the native addon loads: Node.js today, not Bun (missing V8/Node symbols).
import type { KafkaJS } from "@confluentinc/kafka-javascript";
import type { ConfluentModule } from "../confluent/load.ts";
import { CONFLUENT_PACKAGE, CONFLUENT_VERSION } from "../confluent/location.ts";
import type {
  Driver,
  DriverConfig,
  DriverConsumer,
  DriverConsumerOptions,
  DriverProducer,
  ProcessBatch,
} from "../driver.ts";
import { receivedHeaders } from "../headers.ts";
import { deferred, deleteExistingTopics, isAlreadyExists } from "../internal.ts";
import type {
  Admin,
  KafkaMessage,
  Logger,
  OutgoingMessage,
  PartitionLag,
  TopicSpec,
} from "../port.ts";

/** librdkafka's code for a partition assignment in a rebalance callback. */
const ERR_ASSIGN_PARTITIONS = -175;

/**
 * A broker that cannot be reached: librdkafka reports it as an error on every connection
 * attempt of every broker thread (hundreds of lines in a two-minute outage). It is a warning
 * here: the outage itself is what /readyz, kafka_consumer_running and the alerts report.
 */
const UNREACHABLE =
  /Connect to .* failed|Connection refused|all broker connections are down|Disconnected|transport failure/i;

/** librdkafka's own log lines go to the service's logger; debug and info are dropped. */
function clientLogger(logger: Logger): KafkaJS.Logger {
  const fields = (extra?: object) => ({ client: "librdkafka", ...extra });
  const self: KafkaJS.Logger = {
    debug: () => {},
    info: () => {},
    warn: (message, extra) => logger.warn(message, fields(extra)),
    error: (message, extra) =>
      UNREACHABLE.test(message)
        ? logger.warn(message, fields(extra))
        : logger.error(message, fields(extra)),
    namespace: () => self,
    setLogLevel: () => {},
  };
  return self;
}

function baseConfig(module: ConfluentModule, config: DriverConfig, clientId: string) {
  return {
    brokers: config.brokers,
    clientId,
    logLevel: module.KafkaJS.logLevel.WARN,
    logger: clientLogger(config.logger),
  };
}

function toMessage(message: OutgoingMessage): KafkaJS.Message {
  const out: KafkaJS.Message = { key: message.key ?? null, value: message.value };
  // The client rewrites the objects it is given (headers, value), so they are fresh here.
  if (message.headers) out.headers = { ...message.headers };
  if (message.partition !== undefined) out.partition = message.partition;
  if (message.timestamp !== undefined) out.timestamp = String(message.timestamp);
  return out;
}

async function producer(module: ConfluentModule, config: DriverConfig): Promise<DriverProducer> {
  const kafka = new module.KafkaJS.Kafka({ kafkaJS: baseConfig(module, config, config.clientId) });
  const client = kafka.producer({
    kafkaJS: { idempotent: true, acks: -1, allowAutoTopicCreation: true },
    // Java-compatible key hashing, as the other adapter does (this is the KafkaJS layer's
    // default too; pinned so a change there cannot silently move keys).
    partitioner: "murmur2_random",
    "linger.ms": 5,
  });
  await client.connect();
  return {
    async send(messages) {
      // One send per message: each resolves with that message's own delivery report, while
      // librdkafka still batches them on the wire. The calls enqueue synchronously, in order.
      const sends = messages.map((message) =>
        client.send({ topic: message.topic, messages: [toMessage(message)] }),
      );
      const results = await Promise.all(sends);
      return results.map((metadata, i) => {
        const report = metadata[0];
        const offset = report?.baseOffset ?? report?.offset;
        if (!report || offset === undefined) {
          throw new Error(`no delivery report for message ${i} to ${messages[i]?.topic}`);
        }
        return { topic: report.topicName, partition: report.partition, offset: BigInt(offset) };
      });
    },
    async connect(topics) {
      // librdkafka connected in client.connect(); this fetches the topics' metadata, and their
      // leaders' connections come with it. The producer id is librdkafka's own first request.
      const admin = client.dependentAdmin();
      await admin.connect();
      try {
        await admin.fetchTopicMetadata({ topics });
      } finally {
        await admin.disconnect();
      }
    },
    async close() {
      await client.flush({ timeout: 10_000 }).catch(() => {});
      await client.disconnect();
    },
  };
}

function toKafkaMessage(topic: string, partition: number, m: KafkaJS.KafkaMessage): KafkaMessage {
  return {
    topic,
    partition,
    offset: BigInt(m.offset),
    key: m.key,
    value: m.value,
    headers: receivedHeaders(Object.entries(m.headers ?? {})),
    timestamp: Number(m.timestamp),
  };
}

function consumer(
  module: ConfluentModule,
  config: DriverConfig,
  options: DriverConsumerOptions,
  process: ProcessBatch,
): DriverConsumer {
  const ready = deferred<void>();
  const done = deferred<void>();
  ready.promise.catch(() => {});
  let closing = false;
  const kafka = new module.KafkaJS.Kafka({
    kafkaJS: baseConfig(module, config, options.clientId),
  });
  const client = kafka.consumer({
    kafkaJS: {
      groupId: options.groupId,
      fromBeginning: options.fromBeginning,
      autoCommit: false,
      sessionTimeout: options.sessionTimeoutMs,
    },
    rebalance_cb: (error: { code: number }, assignment: unknown[]) => {
      if (error.code === ERR_ASSIGN_PARTITIONS && assignment.length > 0) ready.resolve();
    },
  });

  let stopped: Promise<void> | undefined;
  function stop(): Promise<void> {
    closing = true;
    stopped ??= client.disconnect().catch(() => {});
    return stopped;
  }

  async function start(): Promise<void> {
    await client.connect();
    await client.subscribe({ topics: options.topics });
    await client.run({
      partitionsConsumedConcurrently: options.partitionConcurrency,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        if (closing) throw new Error("consumer closing");
        const messages = batch.messages.map((m) => toKafkaMessage(batch.topic, batch.partition, m));
        const last = messages.at(-1);
        if (!last) return;
        try {
          await process({ topic: batch.topic, partition: batch.partition, messages });
        } catch (error) {
          // Throwing makes the client seek back, so nothing of this batch is committed; the
          // disconnect must not be awaited here, as it waits for this very handler to return.
          if (!closing) {
            done.reject(error);
            setImmediate(() => void stop());
          }
          throw error;
        }
        await client.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: String(last.offset + 1n) },
        ]);
      },
    });
  }

  start().catch((error: unknown) => {
    ready.reject(error);
    done.reject(error);
    void stop();
  });

  return {
    ready: ready.promise,
    done: done.promise,
    assignment: () => {
      try {
        return client.assignment().map(({ topic, partition }) => ({ topic, partition }));
      } catch {
        // Not connected (yet, or any more): it holds nothing.
        return [];
      }
    },
    async close() {
      await stop();
      done.resolve();
    },
  };
}

async function admin(module: ConfluentModule, config: DriverConfig): Promise<Admin> {
  const kafka = new module.KafkaJS.Kafka({
    kafkaJS: baseConfig(module, config, `${config.clientId}-admin`),
  });
  const client = kafka.admin();
  await client.connect();

  async function partitionCounts(topics: string[]): Promise<Map<string, number>> {
    const existing = new Set(await client.listTopics());
    const present = topics.filter((t) => existing.has(t));
    const counts = new Map<string, number>();
    if (present.length === 0) return counts;
    for (const topic of await client.fetchTopicMetadata({ topics: present })) {
      counts.set(topic.name, topic.partitions.length);
    }
    return counts;
  }

  return {
    async createTopics(specs: TopicSpec[]) {
      const existing = new Set(await client.listTopics());
      const missing = specs.filter((s) => !existing.has(s.topic));
      if (missing.length === 0) return;
      try {
        await client.createTopics({
          topics: missing.map((spec) => ({
            topic: spec.topic,
            numPartitions: spec.partitions ?? -1,
            replicationFactor: spec.replicationFactor ?? -1,
            configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({
              name,
              value,
            })),
          })),
        });
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
      }
    },
    deleteTopics: (topics) => deleteExistingTopics(client, topics),
    listTopics: () => client.listTopics(),
    partitionCounts,
    async groupMembers(groupId) {
      const { groups } = await client.describeGroups([groupId]);
      return groups.find((group) => group.groupId === groupId)?.members.length ?? 0;
    },
    async lag(groupId, topics) {
      const counts = await partitionCounts(topics);
      if (counts.size === 0) return [];
      const committed = await client.fetchOffsets({
        groupId,
        topics: [...counts].map(([topic, count]) => ({
          topic,
          partitions: Array.from({ length: count }, (_, i) => i),
        })),
      });
      const byKey = new Map<string, bigint>();
      for (const topic of committed) {
        for (const p of topic.partitions) {
          // librdkafka says -1001 (OFFSET_INVALID) where the port says -1: nothing committed.
          const offset = BigInt(p.offset);
          byKey.set(`${topic.topic}:${p.partition}`, offset < 0n ? -1n : offset);
        }
      }
      const lags: PartitionLag[] = [];
      for (const topic of counts.keys()) {
        for (const p of await client.fetchTopicOffsets(topic)) {
          const highWatermark = BigInt(p.high);
          const done = byKey.get(`${topic}:${p.partition}`) ?? -1n;
          const from = done >= 0n ? done : BigInt(p.low);
          lags.push({
            topic,
            partition: p.partition,
            committed: done,
            highWatermark,
            lag: highWatermark - from,
          });
        }
      }
      return lags.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    },
    close: () => client.disconnect(),
  };
}

export function createConfluentDriver(module: ConfluentModule, config: DriverConfig): Driver {
  const library = `${CONFLUENT_PACKAGE} ${CONFLUENT_VERSION} (librdkafka ${module.librdkafkaVersion})`;
  return {
    name: "confluent",
    libraries: { producer: library, consumer: library },
    producer: () => producer(module, config),
    consumer: (options, process) => consumer(module, config, options, process),
    admin: () => admin(module, config),
  };
}
