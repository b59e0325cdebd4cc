// Brings an app's database up to date: creates the database (local cluster only) and the
// app's schema, then applies the app's drizzle-kit migrations (apps/<app>/drizzle), recording
// them in <schema>.__drizzle_migrations so apps sharing one database do not collide.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate as drizzleMigrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";

export interface MigrateOptions {
  app: string;
  schema: string;
  url: string;
  /** Folder of drizzle-kit migrations; skipped when it has none yet. */
  migrationsFolder: string;
  /** Create the database named in `url` first (our own cluster only). */
  createDatabase: boolean;
}

function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe identifier ${name}`);
  return `"${name}"`;
}

async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${database}`;
    if (rows.length === 0) await sql.unsafe(`create database ${quoteIdent(database)}`);
  } catch (error) {
    // Two apps migrating at once may race to create the same database.
    if ((error as { code?: string }).code !== "42P04") throw error;
  } finally {
    await sql.end();
  }
}

export async function migrateApp(options: MigrateOptions): Promise<{ applied: boolean }> {
  if (options.createDatabase) await ensureDatabase(options.url);
  const sql = postgres(options.url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`create schema if not exists ${quoteIdent(options.schema)}`);
    if (!existsSync(join(options.migrationsFolder, "meta", "_journal.json")))
      return { applied: false };
    await drizzleMigrate(drizzle(sql), {
      migrationsFolder: options.migrationsFolder,
      migrationsSchema: options.schema,
    });
    return { applied: true };
  } finally {
    await sql.end();
  }
}
