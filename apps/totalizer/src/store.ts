// The running total in PostgreSQL. A batch of sums is applied in one transaction that records
// each message id and moves the total by what was new, so a redelivered message adds nothing
// and a crash between "applied" and "offset committed" cannot double count.
import { eq, sql } from "drizzle-orm";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema.ts";
import { processedMessages, totals } from "./schema.ts";

export interface SumRecord {
  /** The producer's idempotency key. */
  messageId: string;
  sum: bigint;
  partition: number;
  offset: bigint;
}

export interface TotalSnapshot {
  total: bigint;
  messageCount: bigint;
  /** null until the first message was counted. */
  updatedAt: Date | null;
}

export interface ApplyResult {
  /** Messages counted by this call. */
  applied: number;
  /** Messages already counted before (or twice in this batch), skipped. */
  duplicates: number;
}

export interface Store {
  applyBatch(topic: string, records: SumRecord[]): Promise<ApplyResult>;
  getTotal(topic: string): Promise<TotalSnapshot>;
  /** Throws when the database is unreachable; for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// 5 bound parameters a row: well under Postgres' 65,535 per statement.
const INSERT_CHUNK = 2_000;

export function createStore(url: string, options: { maxConnections?: number } = {}): Store {
  const client = postgres(url, {
    max: options.maxConnections ?? 5,
    onnotice: () => {},
    // A dead database must fail /readyz and the consumer's retry quickly, not hang them.
    connect_timeout: 5,
  });
  const db: PostgresJsDatabase<typeof schema> = drizzle(client, { schema });

  return {
    async applyBatch(topic, records) {
      // First occurrence wins; sorted so concurrent batches lock unique-index keys in the same
      // order and cannot deadlock each other.
      const unique = [...new Map(records.map((r) => [r.messageId, r] as const)).values()].sort(
        (a, b) => (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0),
      );
      if (unique.length === 0) return { applied: 0, duplicates: records.length };
      return db.transaction(async (tx) => {
        let applied = 0;
        let delta = 0n;
        for (let i = 0; i < unique.length; i += INSERT_CHUNK) {
          const inserted = await tx
            .insert(processedMessages)
            .values(unique.slice(i, i + INSERT_CHUNK).map((r) => ({ topic, ...r })))
            .onConflictDoNothing()
            .returning({ sum: processedMessages.sum });
          applied += inserted.length;
          for (const row of inserted) delta += row.sum;
        }
        if (applied > 0) {
          // The totals row is locked last, after the dedup rows: that keeps the lock order
          // identical in every transaction.
          await tx
            .insert(totals)
            .values({ topic, total: delta, messageCount: BigInt(applied) })
            .onConflictDoUpdate({
              target: totals.topic,
              set: {
                total: sql`${totals.total} + excluded.total`,
                messageCount: sql`${totals.messageCount} + excluded.message_count`,
                updatedAt: sql`now()`,
              },
            });
        }
        return { applied, duplicates: records.length - applied };
      });
    },

    async getTotal(topic) {
      const [row] = await db.select().from(totals).where(eq(totals.topic, topic));
      return row
        ? { total: row.total, messageCount: row.messageCount, updatedAt: row.updatedAt }
        : { total: 0n, messageCount: 0n, updatedAt: null };
    },

    async ping() {
      await db.execute(sql`select 1`);
    },

    close: () => client.end({ timeout: 5 }),
  };
}
