// An app's Kafka, as the skeleton hands it out: one client (traced and measured by lib/kafka's
// telemetry), one way to create topics, and consumers and producers that report their state to
// /readyz. Everything acquired here is owned by the app and closed with it.
import { type Admin, startLagMonitor, type TopicSpec } from "@obs/kafka";
import { type Logger, withTimeout } from "@obs/otel";
import { startOutboxRelay } from "@obs/outbox";
import { dlqTopic } from "@obs/proto";
import type { AppContext, AppKafka, LagOptions } from "./app-definition.ts";
import type { ReadinessCheck } from "./http.ts";
import { createAppKafka } from "./kafka.ts";
import { consuming, topicsExist, warmUpProducer } from "./readiness.ts";
import { replicationSpec } from "./replication.ts";
import type { Resources } from "./resources.ts";

/**
 * Partitions of a topic an app creates, unless it says otherwise: enough for a consumer group
 * to spread over a few members. An existing topic keeps the partitions it has.
 */
export const DEFAULT_PARTITIONS = 3;
const TOPIC_RETRY_MS = 5_000;
const TOPIC_TIMEOUT_MS = 5_000;

type Ready = (name: string, check: ReadinessCheck) => void;

function topicCreator(
  admin: Admin,
  replicationFactor: number | undefined,
  { resources, logger, ready }: { resources: Resources; logger: Logger; ready: Ready },
) {
  // Every topic an app declares, its DLQs too, is replicated alike; an option may still say
  // otherwise for one topic.
  const replication = replicationSpec(replicationFactor);
  const names = new Set<string>();
  /** Topics the app's requests or consumers need; the rest are its outbox's (background). */
  const serving = new Set<string>();
  const declared: TopicSpec[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  resources.own("topic creation", null, () => {
    stopped = true;
    clearTimeout(timer);
  });

  async function attempt(): Promise<void> {
    try {
      await withTimeout(admin.createTopics(declared), TOPIC_TIMEOUT_MS, "createTopics");
      const counts = await admin.partitionCounts([...names]);
      // An existing topic is left as it is; fewer partitions limit how far a group can spread.
      for (const { topic, partitions } of declared) {
        const has = counts.get(topic) ?? 0;
        if (partitions !== undefined && has < partitions)
          logger.warn({ topic, partitions: has, wanted: partitions }, "topic has fewer partitions");
      }
    } catch (error) {
      logger.warn({ err: error, topics: [...names] }, "cannot create Kafka topics yet; retrying");
      clearTimeout(timer);
      if (!stopped) timer = setTimeout(attempt, TOPIC_RETRY_MS);
    }
  }
  return async (
    topics: string[],
    options: Omit<TopicSpec, "topic"> = {},
    { background = false } = {},
  ) => {
    for (const topic of topics) {
      if (!background) {
        // Checked once the app has a topic its requests or consumers need.
        if (serving.size === 0) ready("kafka", () => topicsExist(admin, [...serving])());
        serving.add(topic);
      }
      if (names.has(topic)) continue;
      names.add(topic);
      const config = { ...replication.config, ...options.config };
      declared.push({ partitions: DEFAULT_PARTITIONS, ...replication, ...options, config, topic });
    }
    await attempt();
  };
}

export async function appKafka(ctx: AppContext): Promise<AppKafka> {
  const { config, telemetry, logger, resources } = ctx;
  const { kafka, hooks } = resources.own(
    "kafka",
    await createAppKafka(config, telemetry),
    ({ kafka }) => kafka.close(),
  );
  const admin = await kafka.admin();

  const topics = topicCreator(admin, config.kafkaReplicationFactor, {
    resources,
    logger,
    ready: ctx.ready,
  });

  function watchLag(groupId: string, topics: string[], options: LagOptions = {}) {
    const stop = startLagMonitor({
      admin,
      groupId,
      topics,
      metrics: options.metrics ?? hooks.metrics,
      intervalMs: options.intervalMs ?? 15_000,
      onError: (error) => logger.warn({ err: error, groupId }, "kafka lag poll failed"),
    });
    resources.own(`lag monitor ${groupId}`, stop, (close) => close());
  }

  return {
    kafka,
    admin,
    telemetry: hooks,
    topics: (names, options) => topics(names, options),
    consumer(options) {
      const { lag, ...consumerOptions } = options;
      const consumer = resources.own(
        `consumer ${options.groupId}`,
        kafka.consumer(consumerOptions),
        (c) => c.close(),
      );
      ctx.ready("consumer", consuming(consumer, admin));
      if (lag) watchLag(options.groupId, options.topics, lag);
      return consumer;
    },
    watchLag,
    async producer(topics) {
      const { producer, warm } = await connectedProducer(topics);
      ctx.ready("producer", warm.readiness);
      return producer;
    },
    async outbox({ topic, partitions, sql, table, relay }) {
      const outboxTopics = [topic, dlqTopic(topic)];
      await topics(outboxTopics, { partitions }, { background: true });
      const { producer, warm } = await connectedProducer([topic]);
      // Writes go to the outbox table whatever Kafka does: a relay that cannot publish is
      // reported (and alerted on by the outbox's age), the instance stays in service.
      ctx.ready(
        "outbox",
        async () => {
          await topicsExist(admin, outboxTopics)();
          await warm.readiness();
        },
        { background: true },
      );
      const options = { sql, table, producer, telemetry, ...relay };
      // Rows it does not get to stay pending for the next start, or for another instance.
      return resources.own("outbox relay", startOutboxRelay(options), (r) => r.stop());
    },
  };

  /** A producer connecting in the background; its start waits a little for the connection. */
  async function connectedProducer(topics: string[]) {
    const producer = await kafka.producer();
    const warm = resources.own(
      "producer warm-up",
      warmUpProducer(producer, topics, { logger }),
      (w) => w.stop(),
    );
    await warm.settle();
    return { producer, warm };
  }
}
