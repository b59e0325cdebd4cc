// Init container of every app with a PostgreSQL schema (deploy/kubernetes): waits until the
// migration Job has applied the app's latest migration, then exits 0 so the app starts.
// /readyz cannot tell — it asks PostgreSQL `select 1` — and migrating from each pod would
// make replicas race on the same DDL. Drizzle decides what is applied the same way: a
// migration counts once <schema>.__drizzle_migrations has a created_at at or past its
// journal's `when` (lib/db/src/migrate.ts keeps that table in the app's schema).
//
//   APP_NAME=ledger bun deploy/wait-for-migrations.ts   (or the app as the first argument)
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { databaseUrlFor } from "../lib/db/src/index.ts";
import { APP_NAMES, APPS, type AppName } from "../lib/service/src/apps.ts";

const repo = join(import.meta.dir, "..");

/** The `when` of the app's newest migration; undefined when it has none. */
export function latestMigration(app: AppName): number | undefined {
  const journal = join(repo, "apps", app, "drizzle", "meta", "_journal.json");
  if (!existsSync(journal)) return undefined;
  const { entries } = JSON.parse(readFileSync(journal, "utf8")) as { entries: { when: number }[] };
  return entries.length > 0 ? Math.max(...entries.map((e) => e.when)) : undefined;
}

/** The newest migration applied in the schema; 0 while the Job has not created its table. */
export async function appliedMigration(sql: postgres.Sql, schema: string): Promise<number> {
  try {
    const [row] =
      await sql`select max(created_at) as last from ${sql(schema)}.__drizzle_migrations`;
    return Number(row?.last ?? 0);
  } catch (error) {
    // 42P01 undefined table, 3F000 undefined schema: the Job has not got this far yet.
    const code = (error as { code?: string }).code;
    if (code === "42P01" || code === "3F000") return 0;
    throw error;
  }
}

async function main(): Promise<number> {
  const app = (process.argv[2] ?? process.env.APP_NAME ?? "") as AppName;
  if (!APP_NAMES.includes(app)) {
    console.error(`wait-for-migrations: unknown app ${JSON.stringify(app)} (APP_NAME)`);
    return 2;
  }
  const schema = APPS[app].schema;
  const wanted = latestMigration(app);
  if (schema === null || wanted === undefined) return 0;
  const timeoutMs = Number(process.env.WAIT_FOR_MIGRATIONS_TIMEOUT_S || 600) * 1000;
  const started = Date.now();
  let lastLog = 0;
  const sql = postgres(databaseUrlFor(app), { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    for (;;) {
      const applied = await appliedMigration(sql, schema).catch((error: Error) => {
        console.error(`wait-for-migrations: ${app}: ${error.message}`);
        return 0;
      });
      if (applied >= wanted) {
        console.log(`wait-for-migrations: ${app}: schema ${schema} is up to date`);
        return 0;
      }
      if (Date.now() - started > timeoutMs) {
        // Exit non-zero: the kubelet restarts the init container with back-off.
        console.error(`wait-for-migrations: ${app}: gave up after ${timeoutMs / 1000} s`);
        return 1;
      }
      if (Date.now() - lastLog > 15_000) {
        lastLog = Date.now();
        console.log(
          `wait-for-migrations: ${app}: waiting for the migrate Job (schema ${schema} at ${applied}, needs ${wanted})`,
        );
      }
      await Bun.sleep(2_000);
    }
  } finally {
    await sql.end({ timeout: 1 });
  }
}

if (import.meta.main) process.exit(await main());
