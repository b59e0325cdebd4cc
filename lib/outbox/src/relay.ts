// The outbox relay: publishes committed outbox rows to Kafka and marks them published.
//
// Keys hash into lock groups (`shard % shards`). A pass is one transaction: it claims the
// oldest pending rows FOR UPDATE SKIP LOCKED, but only those of groups whose
// `pg_try_advisory_xact_lock(table, group)` it gets, sends them as one batch (acks=all, in id
// order, so one key's rows reach its partition in order), and sets published_at before it
// commits. Any number of relays, in any processes, can run on one table: a group is worked on
// by one of them at a time, and a row lock keeps a row from being sent twice even by relays
// configured with different `shards`. A failed send rolls back: the rows stay pending and the
// relay retries after a capped backoff. A crash between the broker's ack and the commit sends
// those rows again later (at-least-once): consumers deduplicate by event id.
//
// One transaction per pass, not one per group: under a steady load every group has a few
// rows, and a transaction (and a produce request) per group cost more than the rows did.
//
// Ordering caveat: ids come from a sequence at insert time, so two writers of the same key
// must serialise (e.g. lock the aggregate row, as the ledger does) for id order to be commit
// order; otherwise the later-committing, lower-id row may be published after a higher one.
import type { Producer } from "@obs/kafka";
import { withTimeout } from "@obs/otel";
import { type Meter, metrics, type Tracer, trace } from "@opentelemetry/api";
import { getTableConfig } from "drizzle-orm/pg-core";
import type postgres from "postgres";
import { notifyChannel } from "./enqueue.ts";
import { instrumentsFor } from "./relay-instruments.ts";
import { type PassDeps, runPass } from "./relay-pass.ts";
import type { OutboxTable } from "./table.ts";

export { OUTBOX_LATENCY_BUCKETS_SECONDS } from "./relay-instruments.ts";

/** pino's calling convention, so an app's logger fits without an adapter. */
export interface RelayLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  debug?(fields: object, message: string): void;
}

export interface OutboxRelayOptions {
  /** The relay's pool. It uses one connection at a time, plus one for LISTEN. */
  sql: postgres.Sql;
  table: OutboxTable;
  /** A lib/kafka producer; with kafkaTelemetry hooks its `send` spans join the relay's. */
  producer: Producer;
  tracer?: Tracer;
  meter?: Meter;
  logger?: RelayLogger;
  /** The three above at once, as an app's telemetry holds them. */
  telemetry?: { tracer: Tracer; meter: Meter; logger: RelayLogger };
  /** Rows claimed and sent per pass (one transaction, one batch). Default 200. */
  batchSize?: number;
  /**
   * Fallback poll, for rows whose notification was missed (LISTEN connection lost, another
   * writer without NOTIFY). Default 1000 ms; a NOTIFY wakes the relay at once.
   */
  pollIntervalMs?: number;
  /**
   * After a wake-up, wait this long before the pass, so the rows of transactions committing
   * together go out in one transaction and one produce request instead of one pass each.
   * Default 5 ms: it adds at most that to the publish latency of a lone row.
   */
  lingerMs?: number;
  /** Lock groups; every relay of a table must use the same number. Default 16. */
  shards?: number;
  /** A send not acknowledged by then counts as failed (the rows stay pending). Default 10 s. */
  publishTimeoutMs?: number;
  /** Retry delay after a failed pass: doubles from `initialMs` up to `maxMs`. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** LISTEN for enqueue's NOTIFY. Default true. */
  listen?: boolean;
}

export interface OutboxStats {
  pending: number;
  /** Seconds since the oldest pending row was written; 0 when none is pending. */
  oldestAgeSeconds: number;
}

export interface OutboxRelay {
  /** Finishes the running pass (its transaction commits or rolls back), then stops. */
  stop(): Promise<void>;
  /**
   * Resolves after a pass that started after the call ended without error and without a full
   * batch: rows committed before the call are then published (or held by another relay).
   */
  drain(timeoutMs?: number): Promise<void>;
  /** Runs a pass now instead of waiting for the next notification or poll. */
  wake(): void;
  stats(): Promise<OutboxStats>;
}

/** Rows pending in the outbox, read at scrape time by whichever relay is asked. */
export async function outboxStats(sql: postgres.Sql, qualified: string): Promise<OutboxStats> {
  const [row] = await sql<{ pending: number; age: number | null }[]>`
    select count(*)::int as pending,
           extract(epoch from now() - min(created_at))::float8 as age
    from ${sql(qualified)} where published_at is null`;
  return { pending: row?.pending ?? 0, oldestAgeSeconds: Math.max(0, row?.age ?? 0) };
}

/** When the next pass runs: at once after a full batch, else on a NOTIFY or the poll. */
interface Schedule {
  pollIntervalMs: number;
  lingerMs: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  logger?: RelayLogger;
  qualified: string;
}

/**
 * Runs passes until stopped: the wake-ups (NOTIFY, wake(), drain()), the backoff after a failed
 * pass (cut short by stop, not by a NOTIFY: new rows cannot fix a broker), and drain's waiters.
 */
function schedulePasses(pass: () => ReturnType<typeof runPass>, schedule: Schedule) {
  let stopped = false;
  let wakeRequested = false;
  let wakeUp: (() => void) | undefined;
  let idleWaiters: { after: number; resolve: () => void }[] = [];
  const stopWaiters = new Set<() => void>();
  let passes = 0;

  function wake() {
    wakeRequested = true;
    wakeUp?.();
  }

  function waitForWake(ms: number): Promise<void> {
    if (wakeRequested || stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });
  }

  function pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        stopWaiters.delete(done);
        resolve();
      }
      stopWaiters.add(done);
    });
  }

  const loop = (async () => {
    let failures = 0;
    while (!stopped) {
      wakeRequested = false;
      const started = ++passes;
      try {
        const { more } = await pass();
        failures = 0;
        if (more) continue;
        // Everything committed before this pass began is now published.
        idleWaiters = idleWaiters.filter((waiter) => {
          if (waiter.after >= started) return true;
          waiter.resolve();
          return false;
        });
      } catch (error) {
        failures++;
        const delay = Math.min(
          schedule.initialBackoffMs * 2 ** (failures - 1),
          schedule.maxBackoffMs,
        );
        schedule.logger?.warn(
          { err: error, attempt: failures, retryInMs: delay, outbox: schedule.qualified },
          "outbox publish failed; rows stay pending",
        );
        await pause(delay);
        continue;
      }
      await waitForWake(schedule.pollIntervalMs);
      if (schedule.lingerMs > 0 && !stopped) await pause(schedule.lingerMs);
    }
  })();

  return {
    wake,
    drain(timeoutMs: number) {
      return withTimeout(
        new Promise<void>((resolve) => {
          idleWaiters.push({ after: passes, resolve });
          wake();
        }),
        timeoutMs,
        "outbox drain",
      );
    },
    async stop() {
      stopped = true;
      wakeUp?.();
      for (const cut of [...stopWaiters]) cut();
      await loop;
    },
  };
}

/** LISTENs for enqueue's NOTIFY; returns the unlisten (a no-op if LISTEN failed). */
function listenForRows(
  sql: postgres.Sql,
  table: OutboxTable,
  wake: () => void,
  warn: (error: unknown) => void,
): () => Promise<void> {
  let unlisten: (() => Promise<void>) | undefined;
  let stopped = false;
  sql.listen(notifyChannel(table), wake).then((listener) => {
    unlisten = listener.unlisten;
    if (stopped) void listener.unlisten().catch(() => {});
  }, warn);
  return async () => {
    stopped = true;
    await unlisten?.().catch(() => {});
  };
}

export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { sql, table } = options;
  const meter: Meter = options.meter ?? options.telemetry?.meter ?? metrics.getMeter("@obs/outbox");
  const tracer: Tracer =
    options.tracer ?? options.telemetry?.tracer ?? trace.getTracer("@obs/outbox");
  const logger = options.logger ?? options.telemetry?.logger;
  const config = getTableConfig(table);
  const qualified = `${config.schema ?? "public"}.${config.name}`;
  const instruments = instrumentsFor(meter);
  const deps: PassDeps = {
    sql,
    qualified,
    producer: options.producer,
    tracer,
    instruments,
    batchSize: options.batchSize ?? 200,
    shards: options.shards ?? 16,
    publishTimeoutMs: options.publishTimeoutMs ?? 10_000,
  };
  const lingerMs = Math.max(0, options.lingerMs ?? 5);
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const passes = schedulePasses(() => runPass(deps), {
    pollIntervalMs,
    lingerMs,
    initialBackoffMs: options.backoff?.initialMs ?? 100,
    maxBackoffMs: options.backoff?.maxMs ?? 5_000,
    logger,
    qualified,
  });
  const unlisten =
    (options.listen ?? true)
      ? listenForRows(sql, table, passes.wake, (error) =>
          logger?.warn({ err: error, outbox: qualified }, "outbox LISTEN failed; polling only"),
        )
      : async () => {};

  const stats = () => outboxStats(sql, qualified);
  // Read at scrape time, so the gauges say what the table holds now, whichever relay asks.
  const gauges = [instruments.pending, instruments.oldestAge];
  const observe: Parameters<Meter["addBatchObservableCallback"]>[0] = async (result) => {
    try {
      const now = await stats();
      result.observe(instruments.pending, now.pending, { outbox: qualified });
      result.observe(instruments.oldestAge, now.oldestAgeSeconds, { outbox: qualified });
    } catch (error) {
      logger?.warn({ err: error, outbox: qualified }, "outbox stats query failed");
    }
  };
  meter.addBatchObservableCallback(observe, gauges);
  logger?.info(
    { outbox: qualified, shards: deps.shards, batchSize: deps.batchSize, pollIntervalMs, lingerMs },
    "outbox relay started",
  );

  let stopping: Promise<void> | undefined;
  return {
    wake: passes.wake,
    stats,
    drain: (timeoutMs = 30_000) => passes.drain(timeoutMs),
    stop() {
      stopping ??= (async () => {
        meter.removeBatchObservableCallback(observe, gauges);
        await passes.stop();
        await unlisten();
        logger?.info({ outbox: qualified }, "outbox relay stopped");
      })();
      return stopping;
    },
  };
}
