// How many copies of each topic an app creates, and how many of them must have a write before
// an acks=all producer hears back. The one rule for it: the skeleton applies it to the topics
// apps declare, and the local Kafka cluster (infra/local) makes it the brokers' default, so
// topics made elsewhere (dead-letter topics on demand, auto-created ones) get the same.

/** More copies than this cost disk and latency without surviving anything a dev cluster sees. */
export const MAX_DERIVED_REPLICATION = 3;

/**
 * All copies but one once there are three: a write then survives losing any one broker, and
 * producers keep going while one is down. With fewer copies, waiting for all of them would
 * stop every write when a single broker stops, so one suffices.
 */
export function minInsyncReplicas(replicationFactor: number): number {
  return replicationFactor >= 3 ? replicationFactor - 1 : 1;
}

/**
 * The replication factor apps create topics with: KAFKA_REPLICATION_FACTOR when set, else one
 * copy per listed broker up to three. One listed broker says nothing about the cluster behind
 * it, so then it is undefined: the broker's own default applies, as it always did.
 */
export function replicationFactorFrom(
  env: Record<string, string | undefined>,
  brokers: readonly string[],
): number | undefined {
  const raw = env.KAFKA_REPLICATION_FACTOR;
  if (raw !== undefined && raw !== "") {
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new Error(`KAFKA_REPLICATION_FACTOR=${raw} is not a positive integer`);
    return value;
  }
  return brokers.length > 1 ? Math.min(MAX_DERIVED_REPLICATION, brokers.length) : undefined;
}

/** What a topic spec carries for `replicationFactor`; nothing when the broker decides. */
export function replicationSpec(replicationFactor: number | undefined): {
  replicationFactor?: number;
  config?: Record<string, string>;
} {
  if (replicationFactor === undefined) return {};
  return {
    replicationFactor,
    config: { "min.insync.replicas": String(minInsyncReplicas(replicationFactor)) },
  };
}
