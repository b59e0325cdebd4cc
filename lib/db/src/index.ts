export {
  isDbUnavailable,
  isPermanentDbError,
  isTransientDbError,
  sqlStateOf,
} from "./errors.ts";
export { type MigrateOptions, migrateApp } from "./migrate.ts";
export { closePool, createPool, pingPool } from "./pool.ts";
export { withRetry } from "./retry.ts";
export {
  DB_DURATION_BUCKETS_SECONDS,
  type DbTarget,
  describeQuery,
  METRIC_DB_CLIENT_OPERATION_DURATION,
  targetOf,
  traced,
} from "./tracing.ts";
export { databaseUrlFor, LOCAL_POSTGRES_PORT, localDatabaseUrl } from "./url.ts";
