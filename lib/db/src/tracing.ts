// A CLIENT span and a db.client.operation.duration sample for every statement of every pool
// (createPool wraps them all here), per the stable database semantic conventions; a
// transaction is one span with its statements inside.
//
// Written by hand because nothing does this for postgres.js on Bun: it has no tracing hooks,
// @opentelemetry/instrumentation-pg patches `pg` only, and module patching does not work on Bun
// with ESM anyway; drizzle's own spans carry the parameter values, which must never leave.
import {
  type Attributes,
  type Context,
  context,
  type Histogram,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  type Meter,
  metrics,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type postgres from "postgres";
import { sqlStateOf } from "./errors.ts";

const SCOPE = "@obs/db";

export const ATTR_DB_SYSTEM_NAME = "db.system.name";
export const ATTR_DB_NAMESPACE = "db.namespace";
export const ATTR_DB_OPERATION_NAME = "db.operation.name";
export const ATTR_DB_COLLECTION_NAME = "db.collection.name";
export const ATTR_DB_QUERY_SUMMARY = "db.query.summary";
export const ATTR_DB_QUERY_TEXT = "db.query.text";
export const ATTR_DB_RESPONSE_STATUS_CODE = "db.response.status_code";
export const METRIC_DB_CLIENT_OPERATION_DURATION = "db.client.operation.duration";
/** Semconv's advice for db.client.operation.duration, in seconds. */
export const DB_DURATION_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

/** Where a pool points, for the attributes every span and sample carries. */
export interface DbTarget {
  namespace: string;
  serverAddress: string;
  serverPort: number;
}

export function targetOf(url: string): DbTarget {
  const parsed = new URL(url);
  return {
    namespace: decodeURIComponent(parsed.pathname.slice(1)) || "postgres",
    serverAddress: parsed.hostname,
    serverPort: Number(parsed.port || 5432),
  };
}

export interface QueryDescription {
  /** e.g. "SELECT ledger.entries" or "INSERT totalizer.processed_messages INSERT totalizer.totals". */
  summary: string;
  /** Set when the statement does one thing: SELECT, INSERT, UPDATE, DELETE, … */
  operation?: string;
  /** Set when the statement touches one table. */
  collection?: string;
}

// Data operations may appear anywhere (CTEs, subqueries); the others only begin a statement
// ("update t set …" is not a SET). A row lock (FOR [NO KEY] UPDATE) and an upsert's
// DO UPDATE are part of their statement, not operations of their own.
const OPERATIONS =
  /\b(select|insert\s+into|(?<!\b(?:for|key|do)\s+)update|delete\s+from|merge\s+into)\b(?:\s+(?:only\s+)?([\w."$]+)(\s*\()?)?/gi;
const LEADING =
  /^\s*(begin|commit|rollback|set|show|listen|unlisten|notify|lock|truncate|copy|call)\b/i;
const CTE_NAMES = /(?:\bwith|,)\s+(\w+)\s+as\s*\(/gi;

/** A table name as written, or undefined for what is not one (a placeholder, a CTE). */
function tableName(raw: string | undefined, ctes: Set<string>) {
  if (!raw) return undefined;
  const name = raw.replaceAll('"', "");
  if (!/^[a-z_][\w]*(\.[a-z_][\w]*)?$/i.test(name) || ctes.has(name.toLowerCase()))
    return undefined;
  return name;
}

/** The table a SELECT reads: what follows its FROM, unless that is a function call. */
function selectedTable(sql: string, at: number, ctes: Set<string>) {
  const from = /\bfrom\s+([\w."$]+)(\s*\()?/i.exec(sql.slice(at));
  return from?.[2] ? undefined : tableName(from?.[1], ctes);
}

/**
 * The query summary semconv asks for, from the statement's text: each operation with the table
 * it works on, in order, without repeats (a CTE's own name is not a table). Reads the text
 * only (no parser): good enough for a span name and low-cardinality labels, never a value.
 */
export function describeQuery(text: string): QueryDescription {
  const sql = text.replace(/--[^\n]*/g, " ").replace(/\s+/g, " ");
  const ctes = new Set([...sql.matchAll(CTE_NAMES)].map((m) => (m[1] ?? "").toLowerCase()));
  const parts: string[] = [];
  const operations = new Set<string>();
  const collections = new Set<string>();
  const leading = LEADING.exec(sql)?.[1];
  const matches = leading ? [] : [...sql.matchAll(OPERATIONS)];
  if (leading) {
    operations.add(leading.toUpperCase());
    parts.push(leading.toUpperCase());
  }
  for (const match of matches) {
    const operation = (match[1] ?? "").split(/\s+/)[0]?.toUpperCase() ?? "";
    const table =
      operation === "SELECT"
        ? selectedTable(sql, (match.index ?? 0) + (match[1] ?? "").length, ctes)
        : tableName(match[2], ctes);
    const part = table ? `${operation} ${table}` : operation;
    operations.add(operation);
    if (table) collections.add(table);
    if (!parts.includes(part)) parts.push(part);
  }
  const summary = parts.join(" ").slice(0, 255) || "query";
  return {
    summary,
    operation: operations.size === 1 ? [...operations][0] : undefined,
    collection: collections.size === 1 ? [...collections][0] : undefined,
  };
}

/** A tagged template's text with `$n` where the values go: the values never leave. */
function templateText(strings: TemplateStringsArray): string {
  return strings.reduce((text, part, i) => (i === 0 ? part : `${text}$${i}${part}`), "");
}

const histograms = new WeakMap<Meter, Histogram>();
function durationHistogram(meter: Meter): Histogram {
  let histogram = histograms.get(meter);
  if (!histogram) {
    histogram = meter.createHistogram(METRIC_DB_CLIENT_OPERATION_DURATION, {
      description: "Duration of database client operations.",
      unit: "s",
      advice: { explicitBucketBoundaries: DB_DURATION_BUCKETS_SECONDS },
    });
    histograms.set(meter, histogram);
  }
  return histogram;
}

function baseAttributes(target: DbTarget): Attributes {
  return {
    [ATTR_DB_SYSTEM_NAME]: "postgresql",
    [ATTR_DB_NAMESPACE]: target.namespace,
    "server.address": target.serverAddress,
    "server.port": target.serverPort,
  };
}

function endWithError(span: Span, error: unknown): string {
  const code = sqlStateOf(error);
  const type = code ?? ((error as { code?: unknown })?.code as string | undefined) ?? "_OTHER";
  if (code) span.setAttribute(ATTR_DB_RESPONSE_STATUS_CODE, code);
  span.setAttribute("error.type", String(type));
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
  return String(type);
}

/**
 * A span only inside a trace (what instrumentation-pg calls requireParentSpan): readiness
 * pings and the relay's idle polls would otherwise each be a one-span trace, drowning the
 * traces people look for. Their durations are still measured.
 */
function startSpan(name: string, attributes: Attributes, parent: Context): Span {
  const parentSpan = trace.getSpan(parent);
  if (!parentSpan || !isSpanContextValid(parentSpan.spanContext()))
    return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
  return trace.getTracer(SCOPE).startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent);
}

/** The span attributes and the (fewer, low-cardinality) metric attributes of a statement. */
function statementAttributes(text: string, target: DbTarget) {
  const description = describeQuery(text);
  const metric: Attributes = baseAttributes(target);
  if (description.operation) metric[ATTR_DB_OPERATION_NAME] = description.operation;
  if (description.collection) metric[ATTR_DB_COLLECTION_NAME] = description.collection;
  const span: Attributes = {
    ...metric,
    [ATTR_DB_QUERY_SUMMARY]: description.summary,
    [ATTR_DB_QUERY_TEXT]: text.length > 2048 ? `${text.slice(0, 2048)}…` : text,
  };
  return { name: description.summary, span, metric };
}

/**
 * Opens a statement's span and returns what closes it. The text postgres.js actually sent
 * (`query.string`, identifiers and fragments in place, `$n` for every value) is only known
 * once the statement ran, so the span's name and attributes are taken from it at the end;
 * the template's text (values as `$n`) stands in until then and if it never ran.
 */
function startStatement(query: object, template: string, target: DbTarget) {
  const parent = context.active();
  const provisional = statementAttributes(template, target);
  const span = startSpan(provisional.name, provisional.span, parent);
  const started = performance.now();
  let settled = false;
  return (error?: unknown) => {
    if (settled) return;
    settled = true;
    const sent = (query as { string?: unknown }).string;
    const final =
      typeof sent === "string" && sent !== template
        ? statementAttributes(sent, target)
        : provisional;
    if (final !== provisional) {
      span.updateName(final.name);
      span.setAttributes(final.span);
    }
    if (error !== undefined) final.metric["error.type"] = endWithError(span, error);
    // In the span's context: an exemplar, where the reader keeps them, points at this span.
    context.with(trace.setSpan(parent, span), () =>
      durationHistogram(metrics.getMeter(SCOPE)).record(
        (performance.now() - started) / 1000,
        final.metric,
      ),
    );
    span.end();
  };
}

/**
 * Traces a postgres.js query. Queries are lazy promises: one runs when first awaited (its
 * `then` is called), so that is when its span starts, in the awaiting code's context; a
 * fragment that is only ever embedded in another statement is never awaited and has no span.
 */
function traceQuery<Q extends PromiseLike<unknown>>(
  query: Q,
  template: string,
  target: DbTarget,
): Q {
  const then = query.then.bind(query);
  let finish: ((error?: unknown) => void) | undefined;
  // biome-ignore lint/suspicious/noThenProperty: the query stays the thenable it was; its own then runs inside
  (query as { then: unknown }).then = (
    onFulfilled?: (value: unknown) => unknown,
    onRejected?: (reason: unknown) => unknown,
  ) => {
    finish ??= startStatement(query, template, target);
    const done = finish;
    return then(
      (value) => {
        done();
        return onFulfilled ? onFulfilled(value) : value;
      },
      (reason) => {
        done(reason);
        if (onRejected) return onRejected(reason);
        throw reason;
      },
    );
  };
  return query;
}

function isTemplate(value: unknown): value is TemplateStringsArray {
  return Array.isArray(value) && "raw" in value;
}

/**
 * The same pool, traced: tagged-template statements, `unsafe()` (what drizzle runs), and
 * `begin()`, whose statements are children of one `transaction` span. Anything else (helpers
 * like `sql(identifier)`, `listen`, `end`) is the pool's own.
 */
export function traced<S extends postgres.Sql | postgres.TransactionSql>(
  sql: S,
  target: DbTarget,
): S {
  return new Proxy(sql, {
    apply(target_, thisArg, args: unknown[]) {
      const result = Reflect.apply(target_ as never, thisArg, args);
      return isTemplate(args[0])
        ? traceQuery(result as PromiseLike<unknown>, templateText(args[0]), target)
        : result;
    },
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      if (property === "unsafe" && typeof value === "function")
        return (text: string, ...rest: unknown[]) =>
          traceQuery(value.call(object, text, ...rest), text, target);
      if (property === "begin" && typeof value === "function")
        return (...args: unknown[]) => traceTransaction(object as postgres.Sql, args, target);
      return value;
    },
  });
}

/** `begin([options,] fn)`: one span for the transaction, the callback's statements inside it. */
function traceTransaction(sql: postgres.Sql, args: unknown[], target: DbTarget) {
  const fn = args.at(-1) as (tx: postgres.TransactionSql) => unknown;
  const options = args.length > 1 ? (args[0] as string) : undefined;
  const parent = context.active();
  const span = startSpan(
    "transaction",
    { ...baseAttributes(target), [ATTR_DB_OPERATION_NAME]: "BEGIN" },
    parent,
  );
  const inside = trace.setSpan(parent, span);
  const body = (tx: postgres.TransactionSql) => context.with(inside, () => fn(traced(tx, target)));
  const running = (
    options === undefined ? sql.begin(body) : sql.begin(options, body)
  ) as Promise<unknown>;
  return running.then(
    (value) => {
      span.end();
      return value;
    },
    (error: unknown) => {
      endWithError(span, error);
      span.end();
      throw error;
    },
  );
}
