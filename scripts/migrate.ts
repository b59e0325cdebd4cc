// bun run migrate: creates each app's database (local cluster) and schema and applies its
// drizzle-kit migrations. Also called by `bun run dev` and the test runner.
import { join } from "node:path";
import { databaseUrlFor, migrateApp } from "../lib/db/src/index.ts";
import { APP_NAMES, APPS } from "../lib/service/src/apps.ts";

const repo = join(import.meta.dir, "..");

export async function migrateAll(
  env: Record<string, string | undefined> = process.env,
): Promise<void> {
  for (const name of APP_NAMES) {
    const { schema } = APPS[name];
    if (schema === null) continue;
    await migrateApp({
      app: name,
      schema,
      url: databaseUrlFor(name, env),
      migrationsFolder: join(repo, "apps", name, "drizzle"),
      createDatabase: !env.DATABASE_URL,
    });
  }
}

if (import.meta.main) {
  await migrateAll();
  console.log("migrate: all app schemas are up to date");
}
