// Which database an app talks to. Given DATABASE_URL, every app shares that database and keeps
// to its own schema; without it, each app has its own database in the local cluster
// (infra/local, port 55432), named like the app.
export const LOCAL_POSTGRES_PORT = Number(process.env.POSTGRES_PORT || 55432);

export function localDatabaseUrl(database: string): string {
  return `postgres://postgres@127.0.0.1:${LOCAL_POSTGRES_PORT}/${database}`;
}

export function databaseUrlFor(
  app: string,
  env: Record<string, string | undefined> = process.env,
): string {
  return env.DATABASE_URL || localDatabaseUrl(app);
}
