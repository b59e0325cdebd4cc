export { type MigrateOptions, migrateApp } from "./migrate.ts";
export { isPermanentDbError, withRetry } from "./retry.ts";
export { databaseUrlFor, LOCAL_POSTGRES_PORT, localDatabaseUrl } from "./url.ts";
