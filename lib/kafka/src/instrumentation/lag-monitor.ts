import { consoleLogger } from "../logger.ts";
import type { Admin, PartitionLag } from "../port.ts";
import type { KafkaMetrics, PartitionOffset } from "./metrics.ts";

export interface LagMonitorOptions {
  admin: Pick<Admin, "lag">;
  groupId: string;
  topics: string[];
  /** Share the instance the hooks use: `kafkaTelemetry(...).metrics`. */
  metrics: KafkaMetrics;
  /** Default 15 s, the usual Prometheus scrape interval: polling faster only loads the broker. */
  intervalMs?: number;
  /**
   * Partitions the group never committed on count from their low watermark (the port's `lag`),
   * right for consumers that start from the earliest offset, the port's default. Set false for
   * `fromBeginning: false` groups, which will never read that backlog.
   */
  countUncommitted?: boolean;
  /** A failed poll; the next one is still scheduled. Default: a warning on the console. */
  onError?: (error: unknown) => void;
}

/**
 * Polls `admin.lag()` now and then every `intervalMs`, and feeds
 * `kafka_consumer_lag{consumer_group,topic,partition}`. Polls never overlap: the next is
 * scheduled when the previous one settles. Returns `stop`, which waits for a running poll.
 */
export function startLagMonitor(options: LagMonitorOptions): () => Promise<void> {
  const { admin, groupId, topics, metrics } = options;
  const intervalMs = options.intervalMs ?? 15_000;
  const countUncommitted = options.countUncommitted ?? true;
  const onError =
    options.onError ??
    ((error: unknown) =>
      consoleLogger.warn("kafka lag poll failed", { groupId, error: String(error) }));
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;

  async function poll(): Promise<void> {
    try {
      const lags = await admin.lag(groupId, topics);
      if (stopped) return;
      metrics.updateConsumerLag(
        groupId,
        lags.map((lag) => committedOffset(lag, countUncommitted)),
        lags.map(({ topic, partition, highWatermark }) => ({
          topic,
          partition,
          offset: highWatermark,
        })),
      );
    } catch (error) {
      if (!stopped) onError(error);
    }
  }

  function tick(): void {
    running = poll().finally(() => {
      running = undefined;
      if (stopped) return;
      timer = setTimeout(tick, intervalMs);
      // Monitoring alone must not keep a process alive.
      timer.unref?.();
    });
  }

  tick();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}

/** updateConsumerLag skips negative commits; an uncommitted partition may count from its start. */
function committedOffset(lag: PartitionLag, countUncommitted: boolean): PartitionOffset {
  const { topic, partition, committed } = lag;
  if (committed >= 0n || !countUncommitted) return { topic, partition, offset: committed };
  return { topic, partition, offset: lag.highWatermark - lag.lag };
}
