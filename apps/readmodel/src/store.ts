// The projection in PostgreSQL. A batch of events is applied in one transaction: it records
// each event id, inserts the statement lines of the events that were new, and moves balances
// by the lines actually inserted. A redelivered event therefore changes nothing, and a crash
// between "applied" and "offset committed" cannot apply anything twice.
import { and, asc, eq, sql } from "drizzle-orm";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { compare, type ReadModelEvent } from "./events.ts";
import * as schema from "./schema.ts";
import { balances, processedEvents, statementLines } from "./schema.ts";

export interface EventRecord {
  event: ReadModelEvent;
  topic: string;
  partition: number;
  offset: bigint;
}

export interface ApplyResult {
  /** Events projected by this call. */
  applied: number;
  /** Events already projected before (or twice in this batch), skipped. */
  duplicates: number;
}

export interface BalanceRow {
  accountId: string;
  currency: string;
  balanceMinor: bigint;
  updatedAt: Date;
}

export interface StatementRow {
  entryId: string;
  accountId: string;
  currency: string;
  amountMinor: bigint;
  balanceAfterMinor: bigint;
  description: string;
  postedAt: Date;
}

/** Where a statement page resumes: strictly after this (posted_at, entry_id). */
export interface StatementCursor {
  postedAt: Date;
  entryId: string;
}

export interface Store {
  applyBatch(records: EventRecord[]): Promise<ApplyResult>;
  getBalance(accountId: string): Promise<BalanceRow | undefined>;
  /** Lines of one account in posting order (ties by entry id). */
  listStatements(
    accountId: string,
    page: { limit: number; after?: StatementCursor },
  ): Promise<StatementRow[]>;
  /** Throws when the database is unreachable; for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// At most 8 bound parameters a row: well under Postgres' 65,535 per statement.
const INSERT_CHUNK = 2_000;

function chunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) out.push(rows.slice(i, i + INSERT_CHUNK));
  return out;
}

export function createStore(url: string, options: { maxConnections?: number } = {}): Store {
  const client = postgres(url, {
    max: options.maxConnections ?? 5,
    onnotice: () => {},
    // A dead database must fail /readyz and the consumer's retry quickly, not hang them.
    connect_timeout: 5,
  });
  const db: PostgresJsDatabase<typeof schema> = drizzle(client, { schema });

  return {
    async applyBatch(records) {
      // First occurrence wins. Every insert below is sorted by its key, so concurrent batches
      // (two partitions, two members during a rebalance) take row locks in the same order and
      // cannot deadlock each other.
      const unique = [...new Map(records.map((r) => [r.event.eventId, r] as const)).values()].sort(
        (a, b) => compare(a.event.eventId, b.event.eventId),
      );
      if (unique.length === 0) return { applied: 0, duplicates: records.length };
      return db.transaction(async (tx) => {
        const fresh = new Set<string>();
        for (const chunk of chunks(unique)) {
          const inserted = await tx
            .insert(processedEvents)
            .values(
              chunk.map((r) => ({
                eventId: r.event.eventId,
                topic: r.topic,
                partition: r.partition,
                offset: r.offset,
              })),
            )
            .onConflictDoNothing()
            .returning({ eventId: processedEvents.eventId });
          for (const row of inserted) fresh.add(row.eventId);
        }
        const events = unique.map((r) => r.event).filter((e) => fresh.has(e.eventId));

        const lines = events
          .flatMap((e) =>
            e.kind === "entry"
              ? e.lines.map((line) => ({
                  entryId: e.entryId,
                  accountId: line.accountId,
                  currency: line.currency,
                  amountMinor: line.amountMinor,
                  balanceAfterMinor: line.balanceAfterMinor,
                  description: e.description,
                  postedAt: e.postedAt,
                  eventId: e.eventId,
                }))
              : [],
          )
          .sort((a, b) => compare(a.entryId, b.entryId) || compare(a.accountId, b.accountId));
        // Balances move by what was inserted, not by what arrived: an entry seen before under
        // another event id adds no line and so no money.
        const deltas = new Map<string, { currency: string; delta: bigint }>();
        for (const chunk of chunks(lines)) {
          const inserted = await tx
            .insert(statementLines)
            .values(chunk)
            .onConflictDoNothing()
            .returning({
              accountId: statementLines.accountId,
              currency: statementLines.currency,
              amountMinor: statementLines.amountMinor,
            });
          for (const row of inserted) {
            const seen = deltas.get(row.accountId);
            if (seen) seen.delta += row.amountMinor;
            else deltas.set(row.accountId, { currency: row.currency, delta: row.amountMinor });
          }
        }

        const moved = [...deltas]
          .sort(([a], [b]) => compare(a, b))
          .map(([accountId, { currency, delta }]) => ({
            accountId,
            currency,
            balanceMinor: delta,
          }));
        for (const chunk of chunks(moved)) {
          // Additions commute, so the order in which partitions arrive cannot change a
          // balance. The first currency seen is kept, as the ledger keeps it per account.
          await tx
            .insert(balances)
            .values(chunk)
            .onConflictDoUpdate({
              target: balances.accountId,
              set: {
                balanceMinor: sql`${balances.balanceMinor} + excluded.balance_minor`,
                updatedAt: sql`now()`,
              },
            });
        }

        const opened = events
          .flatMap((e) => (e.kind === "account" ? [e] : []))
          .sort((a, b) => compare(a.accountId, b.accountId))
          .map((e) => ({ accountId: e.accountId, currency: e.currency, balanceMinor: 0n }));
        // An account whose entries arrived first already has its row and its money.
        for (const chunk of chunks(opened))
          await tx.insert(balances).values(chunk).onConflictDoNothing();

        return { applied: events.length, duplicates: records.length - events.length };
      });
    },

    async getBalance(accountId) {
      const [row] = await db.select().from(balances).where(eq(balances.accountId, accountId));
      return row;
    },

    async listStatements(accountId, page) {
      const after = page.after
        ? sql`(${statementLines.postedAt}, ${statementLines.entryId}) > (${page.after.postedAt.toISOString()}::timestamptz, ${page.after.entryId})`
        : undefined;
      return db
        .select({
          entryId: statementLines.entryId,
          accountId: statementLines.accountId,
          currency: statementLines.currency,
          amountMinor: statementLines.amountMinor,
          balanceAfterMinor: statementLines.balanceAfterMinor,
          description: statementLines.description,
          postedAt: statementLines.postedAt,
        })
        .from(statementLines)
        .where(and(eq(statementLines.accountId, accountId), after))
        .orderBy(asc(statementLines.postedAt), asc(statementLines.entryId))
        .limit(page.limit);
    },

    async ping() {
      await db.execute(sql`select 1`);
    },

    close: () => client.end({ timeout: 5 }),
  };
}
