import { TOPICS } from "@obs/proto";
import { positiveInt } from "@obs/service";

// The adder's own settings, next to the shared AppConfig (ports, brokers) from lib/service.
export interface AdderSettings {
  /** Where SumMessages go; tests use a topic of their own. */
  topic: string;
  /** How long a publish may wait for the broker's acknowledgement before the call fails. */
  publishTimeoutMs: number;
  /** AddStream sends a batch when it holds this many messages... */
  batchMax: number;
  /** ...or this long after its first message. */
  batchLingerMs: number;
  /** Partitions of adder.sums.v1 (and its DLQ), so a consumer group can spread. */
  topicPartitions: number;
  /**
   * Consumer groups of adder.sums.v1 whose lag the adder exports. The producer side keeps
   * reporting while a consumer is down — when lag matters most — as Burrow or kafka-exporter do.
   */
  watchedGroups: string[];
  /** kafka_consumer_lag refresh interval. */
  lagIntervalMs: number;
}

export function loadAdderSettings(
  env: Record<string, string | undefined> = process.env,
): AdderSettings {
  return {
    topic: env.ADDER_TOPIC || TOPICS.sums,
    publishTimeoutMs: positiveInt(env, "ADDER_PUBLISH_TIMEOUT_MS", 5000),
    batchMax: positiveInt(env, "ADDER_BATCH_MAX", 500),
    batchLingerMs: positiveInt(env, "ADDER_BATCH_LINGER_MS", 5),
    topicPartitions: positiveInt(env, "ADDER_TOPIC_PARTITIONS", 3),
    watchedGroups: (env.ADDER_WATCHED_GROUPS ?? "totalizer")
      .split(",")
      .map((g) => g.trim())
      .filter(Boolean),
    lagIntervalMs: positiveInt(env, "ADDER_LAG_INTERVAL_MS", 5000),
  };
}
