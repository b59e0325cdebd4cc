// One pass of the relay, as named steps over an explicit deps object: lock groups, claim their
// oldest pending rows, publish them, mark them published — all in one transaction — and count
// what committed. Each step takes what it needs and can be run on its own.
import { type Producer, renamedAttributes, setEach } from "@obs/kafka";
import { errorType, withTimeout } from "@obs/otel";
import { context, ROOT_CONTEXT, type Tracer } from "@opentelemetry/api";
import type postgres from "postgres";
import type { Instruments } from "./relay-instruments.ts";
import { endSpans, type SpannedRow, startPublishSpans, storedContext } from "./relay-spans.ts";

/** As selected: epoch ms and JSON text, because drizzle swaps a shared client's date parsers. */
export interface OutboxRow extends SpannedRow {
  value: Buffer;
}

export interface PassResult {
  published: number;
  /** The batch was full: there may be more rows right now. */
  more: boolean;
}

export interface PassDeps {
  sql: postgres.Sql;
  /** `schema.table`, the advisory locks' namespace and the spans' `outbox.table`. */
  qualified: string;
  producer: Producer;
  tracer: Tracer;
  instruments: Instruments;
  batchSize: number;
  shards: number;
  publishTimeoutMs: number;
}

type Tx = postgres.TransactionSql;

/**
 * A pass locks the groups found among the oldest `batchSize × LOOKAHEAD` pending rows, so a
 * second relay still finds groups of its own when the head of the table belongs to a few.
 */
const LOOKAHEAD = 4;

/**
 * Tries the lock of every group among the oldest pending rows, in one statement, and returns
 * those it got. Rows are read after this, with a snapshot taken after the locks, so whatever a
 * previous holder of a group published is seen as published. (Trying the lock row by row
 * inside the row scan is not safe: a lock that is busy when the scan passes a group's early
 * rows and free by the time it reaches the later ones yields a batch with a hole in that group
 * — later rows sent before earlier ones. Two relays did that in lib/outbox's order test about
 * one run in seven.)
 */
export async function lockGroups(tx: Tx, deps: PassDeps): Promise<number[]> {
  const { qualified, shards, batchSize } = deps;
  const groups = await tx<{ g: number }[]>`
    select g from (
      select distinct shard % ${shards} as g
      from (
        select shard from ${tx(qualified)}
        where published_at is null
        order by id limit ${batchSize * LOOKAHEAD}
      ) head
    ) candidates
    where pg_try_advisory_xact_lock(hashtext(${qualified}), g)`;
  return groups.map((r) => r.g);
}

/** The oldest pending rows of the locked groups, in id order, locked against other relays. */
export function claimRows(tx: Tx, deps: PassDeps, groups: number[]): Promise<OutboxRow[]> {
  const { qualified, shards, batchSize } = deps;
  return tx<OutboxRow[]>`
    select id, topic, key, value, headers::text as headers,
           (extract(epoch from created_at) * 1000)::float8 as created_ms
    from ${tx(qualified)}
    where published_at is null
      -- A text parameter: typed ones (jsonb, int[]) go through the client's serializers,
      -- which drizzle replaces on a shared postgres.js client.
      and shard % ${shards} = any(string_to_array(${groups.join(",")}, ',')::int[])
    order by id limit ${batchSize}
    for update skip locked`;
}

/**
 * Sends the rows as one batch (acks=all, in id order, so one key's rows reach its partition in
 * order), each in an `outbox publish` span of its request's trace. Throws when the broker did
 * not acknowledge them all within `publishTimeoutMs`; the rows are counted as errors.
 */
export async function publishRows(deps: PassDeps, rows: OutboxRow[]): Promise<void> {
  const traced = startPublishSpans(deps.tracer, deps.qualified, rows);
  const spans = traced.map((t) => t.span);
  try {
    // Outside any span, so each send continues its own message's trace.
    const reports = await context.with(ROOT_CONTEXT, () =>
      withTimeout(
        deps.producer.send(
          rows.map((row, i) => ({
            topic: row.topic,
            key: row.key,
            value: row.value,
            headers: traced[i]?.headers ?? {},
          })),
        ),
        deps.publishTimeoutMs,
        "send",
      ),
    );
    const offset = renamedAttributes().offset;
    reports.forEach((report, i) => {
      const span = spans[i];
      if (!span) return;
      span.setAttribute("messaging.destination.partition.id", String(report.partition));
      setEach(span, offset, Number(report.offset));
    });
  } catch (error) {
    endSpans(spans, error);
    for (const row of rows)
      deps.instruments.errors.add(1, { topic: row.topic, error_type: errorType(error) });
    throw error;
  }
  endSpans(spans);
}

export async function markPublished(tx: Tx, deps: PassDeps, rows: OutboxRow[]): Promise<void> {
  await tx`update ${tx(deps.qualified)} set published_at = now() where id = any(${rows.map((r) => r.id)}::bigint[])`;
}

/**
 * Counted once committed: a failed commit means the rows will be sent again. Each latency
 * sample is made in the row's stored trace context, so its exemplar is the writing request.
 */
export function recordPublished(deps: PassDeps, rows: OutboxRow[], now = Date.now()): void {
  for (const row of rows) {
    deps.instruments.published.add(1, { topic: row.topic });
    deps.instruments.latency.record(
      Math.max(0, now - row.created_ms) / 1000,
      { topic: row.topic },
      storedContext(row),
    );
  }
}

/** One pass, one transaction: `more` when the batch was full, so there may be more rows now. */
export async function runPass(deps: PassDeps): Promise<PassResult> {
  let sent: OutboxRow[] = [];
  const result = await deps.sql.begin(async (tx): Promise<PassResult> => {
    const groups = await lockGroups(tx, deps);
    if (groups.length === 0) return { published: 0, more: false };
    const rows = await claimRows(tx, deps, groups);
    if (rows.length === 0) return { published: 0, more: false };
    await publishRows(deps, rows);
    await markPublished(tx, deps, rows);
    sent = rows;
    return { published: rows.length, more: rows.length === deps.batchSize };
  });
  recordPublished(deps, sent);
  return result;
}
