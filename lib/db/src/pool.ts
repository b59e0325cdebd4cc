// Every app's PostgreSQL pool, configured once: server notices are not logged, a database
// that does not answer fails a connection attempt after 5 s (so /readyz, requests and a
// consumer's retries learn it quickly instead of hanging), and every statement is traced and
// measured (./tracing.ts).
import postgres from "postgres";
import { targetOf, traced } from "./tracing.ts";

export function createPool(url: string, max: number): postgres.Sql {
  return traced(postgres(url, { max, onnotice: () => {}, connect_timeout: 5 }), targetOf(url));
}

/** Throws when the database does not answer: what /readyz asks a store. */
export async function pingPool(sql: postgres.Sql): Promise<void> {
  await sql`select 1`;
}

/** Closes the pool, letting running queries finish for up to 5 s. */
export function closePool(sql: postgres.Sql): Promise<void> {
  return sql.end({ timeout: 5 });
}
