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
import { errorType } from "@obs/otel";
import {
  context,
  type Meter,
  metrics,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { getTableConfig } from "drizzle-orm/pg-core";
import type postgres from "postgres";
import { notifyChannel } from "./enqueue.ts";
import type { OutboxHeaders, OutboxTable } from "./table.ts";

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

/** As selected: epoch ms and JSON text, because drizzle swaps a shared client's date parsers. */
interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  value: Buffer;
  headers: string;
  created_ms: number;
}

interface PassResult {
  published: number;
  /** The batch was full: there may be more rows right now. */
  more: boolean;
}

/**
 * A pass locks the groups found among the oldest `batchSize × LOOKAHEAD` pending rows, so a
 * second relay still finds groups of its own when the head of the table belongs to a few.
 */
const LOOKAHEAD = 4;

/** Seconds; outbox-to-broker latency is milliseconds when healthy, minutes in an outage. */
export const OUTBOX_LATENCY_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900,
];

interface Instruments {
  latency: ReturnType<Meter["createHistogram"]>;
  published: ReturnType<Meter["createCounter"]>;
  errors: ReturnType<Meter["createCounter"]>;
  pending: ReturnType<Meter["createObservableGauge"]>;
  oldestAge: ReturnType<Meter["createObservableGauge"]>;
}

// One set per meter: several relays in one process (tests, an app with two outboxes) share
// the instruments instead of registering duplicates.
const instrumentsByMeter = new WeakMap<Meter, Instruments>();

function instrumentsFor(meter: Meter): Instruments {
  let instruments = instrumentsByMeter.get(meter);
  if (!instruments) {
    instruments = {
      // Names as Prometheus shows them: the exporter only appends _total to counters.
      latency: meter.createHistogram("outbox_relay_latency_seconds", {
        description:
          "Time from an outbox row's created_at (its transaction's start) to publication.",
        unit: "s",
        advice: { explicitBucketBoundaries: OUTBOX_LATENCY_BUCKETS_SECONDS },
      }),
      published: meter.createCounter("outbox_published", {
        description: "Outbox rows published to Kafka and marked published.",
      }),
      errors: meter.createCounter("outbox_publish_errors", {
        description: "Outbox rows whose publish attempt failed (they stay pending).",
      }),
      pending: meter.createObservableGauge("outbox_pending_rows", {
        description: "Outbox rows not yet published.",
      }),
      oldestAge: meter.createObservableGauge("outbox_oldest_unpublished_age_seconds", {
        description: "Age of the oldest unpublished outbox row; 0 when none is pending.",
        unit: "s",
      }),
    };
    instrumentsByMeter.set(meter, instruments);
  }
  return instruments;
}

function timeout<T>(work: Promise<T>, ms: number): Promise<T> {
  work.catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(Object.assign(new Error(`send timed out after ${ms} ms`), { code: "TIMEOUT" })),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { sql, table, producer } = options;
  const tracer = options.tracer ?? options.telemetry?.tracer ?? trace.getTracer("@obs/outbox");
  const meter = options.meter ?? options.telemetry?.meter ?? metrics.getMeter("@obs/outbox");
  const instruments = instrumentsFor(meter);
  const logger = options.logger ?? options.telemetry?.logger;
  const batchSize = options.batchSize ?? 200;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const lingerMs = Math.max(0, options.lingerMs ?? 5);
  const shards = options.shards ?? 16;
  const publishTimeoutMs = options.publishTimeoutMs ?? 10_000;
  const initialBackoffMs = options.backoff?.initialMs ?? 100;
  const maxBackoffMs = options.backoff?.maxMs ?? 5_000;

  const config = getTableConfig(table);
  const schemaName = config.schema ?? "public";
  const qualified = `${schemaName}.${config.name}`;
  const tableRef = sql(`${schemaName}.${config.name}`);
  const gaugeAttributes = { outbox: qualified };

  let stopped = false;
  let wakeRequested = false;
  let wakeUp: (() => void) | undefined;
  let idleWaiters: { after: number; resolve: () => void }[] = [];
  const stopWaiters = new Set<() => void>();

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

  function startSpans(rows: OutboxRow[]) {
    return rows.map((row) => {
      const stored = JSON.parse(row.headers) as OutboxHeaders;
      // The stored context, baggage included, is the parent: the relay's work shows up in the
      // trace of the request that wrote the row, not in a trace of its own.
      const parent = propagation.extract(ROOT_CONTEXT, stored);
      const span = tracer.startSpan(
        "outbox publish",
        {
          kind: SpanKind.INTERNAL,
          attributes: {
            "messaging.system": "kafka",
            "messaging.destination.name": row.topic,
            "messaging.kafka.message.key": row.key,
            "outbox.table": qualified,
            "outbox.id": row.id,
            "outbox.age_ms": Math.round(Date.now() - row.created_ms),
          },
        },
        parent,
      );
      // Re-injected from the relay span, so lib/kafka's send span (which continues the trace
      // in the headers when no span is active) becomes its child.
      const headers: OutboxHeaders = { ...stored };
      propagation.inject(trace.setSpan(parent, span), headers);
      return { span, headers };
    });
  }

  function endSpans(spans: Span[], error?: unknown) {
    for (const span of spans) {
      if (error !== undefined) {
        span.recordException(error as Error);
        span.setAttribute("error.type", errorType(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      }
      span.end();
    }
  }

  /** One pass: `more` when the batch was full, so there may be more rows right now. */
  async function pass(): Promise<PassResult> {
    let sent: OutboxRow[] = [];
    const result = await sql.begin(async (tx) => {
      // First the groups: try the lock of every group among the oldest pending rows, in one
      // statement, and keep those we get. Only then read rows, with a snapshot taken after
      // the locks, so whatever a previous holder of a group published is seen as published.
      // (Trying the lock row by row inside the row scan is not safe: a lock that is busy
      // when the scan passes a group's early rows and free by the time it reaches the later
      // ones yields a batch with a hole in that group — later rows sent before earlier ones.
      // Two relays did that in lib/outbox's order test about one run in seven.)
      const groups = await tx<{ g: number }[]>`
        select g from (
          select distinct shard % ${shards} as g
          from (
            select shard from ${tableRef}
            where published_at is null
            order by id limit ${batchSize * LOOKAHEAD}
          ) head
        ) candidates
        where pg_try_advisory_xact_lock(hashtext(${qualified}), g)`;
      if (groups.length === 0) return { published: 0, more: false };
      const rows = await tx<OutboxRow[]>`
        select id, topic, key, value, headers::text as headers,
               (extract(epoch from created_at) * 1000)::float8 as created_ms
        from ${tableRef}
        where published_at is null
          -- A text parameter: typed ones (jsonb, int[]) go through the client's serializers,
          -- which drizzle replaces on a shared postgres.js client.
          and shard % ${shards} = any(string_to_array(${groups.map((r) => r.g).join(",")}, ',')::int[])
        order by id limit ${batchSize}
        for update skip locked`;
      if (rows.length === 0) return { published: 0, more: false };
      const traced = startSpans(rows);
      const spans = traced.map((t) => t.span);
      try {
        // Outside any span, so each send continues its own message's trace.
        const reports = await context.with(ROOT_CONTEXT, () =>
          timeout(
            producer.send(
              rows.map((row, i) => ({
                topic: row.topic,
                key: row.key,
                value: row.value,
                headers: traced[i]?.headers ?? {},
              })),
            ),
            publishTimeoutMs,
          ),
        );
        reports.forEach((report, i) => {
          spans[i]?.setAttributes({
            "messaging.destination.partition.id": String(report.partition),
            "messaging.kafka.offset": Number(report.offset),
          });
        });
        await tx`update ${tableRef} set published_at = now() where id = any(${rows.map((r) => r.id)}::bigint[])`;
      } catch (error) {
        endSpans(spans, error);
        for (const row of rows)
          instruments.errors.add(1, { topic: row.topic, error_type: errorType(error) });
        throw error;
      }
      endSpans(spans);
      sent = rows;
      return { published: rows.length, more: rows.length === batchSize };
    });
    // Counted once committed: a failed commit means the rows will be sent again.
    const now = Date.now();
    for (const row of sent) {
      instruments.published.add(1, { topic: row.topic });
      instruments.latency.record(Math.max(0, now - row.created_ms) / 1000, {
        topic: row.topic,
      });
    }
    return result;
  }

  /** A backoff that stop() cuts short but a NOTIFY does not (new rows cannot fix a broker). */
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

  let passes = 0;
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
        const delay = Math.min(initialBackoffMs * 2 ** (failures - 1), maxBackoffMs);
        logger?.warn(
          { err: error, attempt: failures, retryInMs: delay, outbox: qualified },
          "outbox publish failed; rows stay pending",
        );
        await pause(delay);
        continue;
      }
      await waitForWake(pollIntervalMs);
      if (lingerMs > 0 && !stopped) await pause(lingerMs);
    }
  })();

  let unlisten: (() => Promise<void>) | undefined;
  if (options.listen ?? true) {
    sql
      .listen(notifyChannel(table), () => wake())
      .then(
        (listener) => {
          unlisten = listener.unlisten;
          if (stopped) void listener.unlisten().catch(() => {});
        },
        (error: unknown) =>
          logger?.warn({ err: error, outbox: qualified }, "outbox LISTEN failed; polling only"),
      );
  }

  async function stats(): Promise<OutboxStats> {
    const [row] = await sql<{ pending: number; age: number | null }[]>`
      select count(*)::int as pending,
             extract(epoch from now() - min(created_at))::float8 as age
      from ${tableRef} where published_at is null`;
    return { pending: row?.pending ?? 0, oldestAgeSeconds: Math.max(0, row?.age ?? 0) };
  }

  // Read at scrape time, so the gauges say what the table holds now, whichever relay asks.
  const observe: Parameters<Meter["addBatchObservableCallback"]>[0] = async (result) => {
    try {
      const now = await stats();
      result.observe(instruments.pending, now.pending, gaugeAttributes);
      result.observe(instruments.oldestAge, now.oldestAgeSeconds, gaugeAttributes);
    } catch (error) {
      logger?.warn({ err: error, outbox: qualified }, "outbox stats query failed");
    }
  };
  meter.addBatchObservableCallback(observe, [instruments.pending, instruments.oldestAge]);

  logger?.info(
    { outbox: qualified, shards, batchSize, pollIntervalMs, lingerMs },
    "outbox relay started",
  );

  let stopping: Promise<void> | undefined;
  return {
    wake,
    stats,
    drain(timeoutMs = 30_000) {
      return timeout(
        new Promise<void>((resolve) => {
          idleWaiters.push({ after: passes, resolve });
          wake();
        }),
        timeoutMs,
      );
    },
    stop() {
      stopping ??= (async () => {
        stopped = true;
        wakeUp?.();
        for (const cut of [...stopWaiters]) cut();
        meter.removeBatchObservableCallback(observe, [instruments.pending, instruments.oldestAge]);
        await loop;
        await unlisten?.().catch(() => {});
        logger?.info({ outbox: qualified }, "outbox relay stopped");
      })();
      return stopping;
    },
  };
}
