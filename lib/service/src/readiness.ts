// The /readyz checks most apps need, bounded so a hung dependency answers 503 quickly instead
// of holding the probe open.
import type { Admin, Consumer, Producer } from "@obs/kafka";
import { type Logger, withTimeout } from "@obs/otel";
import type { ReadinessCheck } from "./http.ts";

const DEFAULT_TIMEOUT_MS = 3000;

/** The dependency answers `ping` (e.g. PostgreSQL `select 1`) within the time-out. */
export function answers(
  what: string,
  ping: () => Promise<unknown>,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): ReadinessCheck {
  return async () => {
    await withTimeout(ping(), timeoutMs, what);
  };
}

/** A broker answers metadata and every topic the app needs exists. */
export function topicsExist(
  admin: Pick<Admin, "partitionCounts">,
  topics: string[],
  timeoutMs = DEFAULT_TIMEOUT_MS,
): ReadinessCheck {
  return async () => {
    const counts = await withTimeout(admin.partitionCounts(topics), timeoutMs, "kafka metadata");
    const missing = topics.filter((topic) => !counts.get(topic));
    if (missing.length > 0) throw new Error(`topics not found: ${missing.join(", ")}`);
  };
}

/**
 * The consumer runs (it is not reconnecting after a failure) and holds partitions. A member
 * without partitions is only wrong when the group has no more members than a topic has
 * partitions (then every member gets one), and only once that lasted `graceMs`: a rebalance
 * empties every assignment for a moment.
 */
export function consuming(
  consumer: Pick<Consumer, "status">,
  admin: Pick<Admin, "groupMembers" | "partitionCounts">,
  { graceMs = 10_000, timeoutMs = DEFAULT_TIMEOUT_MS } = {},
): ReadinessCheck {
  return async () => {
    const status = consumer.status();
    const { groupId } = status;
    const forS = ((Date.now() - status.since) / 1000).toFixed(0);
    if (status.state !== "running") {
      const why = status.lastError ? `: ${status.lastError}` : "";
      throw new Error(`consumer ${groupId} is ${status.state} (for ${forS} s)${why}`);
    }
    const emptySince = status.unassignedSince;
    if (status.assignment.length > 0 || emptySince === undefined) return;
    if (Date.now() - emptySince < graceMs) return;
    const [members, counts] = await withTimeout(
      Promise.all([admin.groupMembers(groupId), admin.partitionCounts(status.topics)]),
      timeoutMs,
      "kafka group description",
    );
    const widest = Math.max(0, ...counts.values());
    if (widest > 0 && members <= widest) {
      const emptyS = ((Date.now() - emptySince) / 1000).toFixed(0);
      throw new Error(
        `consumer ${groupId} has held no partition for ${emptyS} s while its group has ${members} member(s) for ${widest} partitions`,
      );
    }
  };
}

export interface ProducerWarmUp {
  /**
   * Not ready until the producer is connected to the topics' leaders, nor while a send has
   * waited longer than `stallMs` for the broker's answer (a broker away, or a stalled client).
   */
  readiness: ReadinessCheck;
  /** Resolves once connected (never rejects; it retries until stopped). */
  connected: Promise<void>;
  /**
   * Waits for the connection up to `ms`: an app's start awaits this, so it is usually ready
   * as soon as it listens, without letting a broker that is down hold the start up.
   */
  settle(ms?: number): Promise<void>;
  stop(): void;
}

/**
 * Connects the producer ahead of the first request (metadata, leader connections, producer id),
 * retrying in the background while the broker is away, so the first request after /readyz
 * says ready is as fast as the rest: a cold first send took over a second, and on a fresh
 * start that one sample was the delivery p99 the latency alerts page on.
 */
export function warmUpProducer(
  producer: Pick<Producer, "connect" | "pending">,
  topics: string[],
  {
    logger,
    retryMs = 1_000,
    stallMs = 10_000,
  }: { logger: Logger; retryMs?: number; stallMs?: number },
): ProducerWarmUp {
  let done = false;
  let stopped = false;
  let lastError: unknown;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const { promise: connected, resolve } = Promise.withResolvers<void>();
  const attempt = async () => {
    try {
      await producer.connect(topics);
      done = true;
      resolve();
      logger.info({ topics }, "kafka producer connected");
    } catch (error) {
      lastError = error;
      logger.warn({ err: error, topics }, "kafka producer cannot connect yet; retrying");
      if (!stopped) timer = setTimeout(attempt, retryMs);
    }
  };
  void attempt();
  return {
    readiness: async () => {
      if (!done) throw new Error(`producer not connected yet${lastError ? `: ${lastError}` : ""}`);
      // Sends time out for their callers long before this; one still unsettled this long
      // means nothing gets through, whatever the connection looks like.
      const { sends, oldestMs } = producer.pending();
      if (oldestMs > stallMs) {
        throw new Error(
          `producer: ${sends} send(s) unacknowledged, the oldest for ${(oldestMs / 1000).toFixed(0)} s`,
        );
      }
    },
    connected,
    async settle(ms = 5_000) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([connected, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
      clearTimeout(timer);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
