// What every app's tests share: a database of their own (`<app>_test`, migrated like
// production, so tests never touch what `bun run dev` shows), one telemetry SDK per test
// process with spans kept in memory, the app's config pointed at the local infrastructure,
// and unique names for topics and groups so test files cannot see each other's data.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { migrateApp } from "@obs/db";
import { startTelemetry, type Telemetry } from "@obs/otel";
import { APPS, type AppConfig, type AppName, loadConfig } from "@obs/service";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { ENDPOINTS } from "./infra.ts";

const REPO = join(import.meta.dir, "..", "..");

export function appTestHarness(app: AppName, { logLevel = "warn" }: { logLevel?: string } = {}) {
  const TEST_DATABASE_URL = ENDPOINTS.postgresUrl(`${app}_test`);
  const schema = APPS[app].schema ?? app;

  let migrated: Promise<unknown> | undefined;
  const migrateTestDatabase = (): Promise<unknown> => {
    migrated ??= migrateApp({
      app,
      schema,
      url: TEST_DATABASE_URL,
      migrationsFolder: join(REPO, "apps", app, "drizzle"),
      createDatabase: true,
    });
    return migrated;
  };

  /** Every span the test process ended, for trace assertions. */
  const spans = new InMemorySpanExporter();
  let telemetry: Telemetry | undefined;
  /** One SDK per process: instances share it as an app's components would. */
  const testTelemetry = (): Telemetry => {
    telemetry ??= startTelemetry({
      serviceName: app,
      spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
      processMetrics: false,
      logger: { level: logLevel },
    });
    return telemetry;
  };

  const testConfig = (): AppConfig =>
    loadConfig(app, { KAFKA_BROKERS: ENDPOINTS.kafkaBrokers, DATABASE_URL: TEST_DATABASE_URL });

  const unique = (what: string) => `${app}-test.${what}.${randomUUID().slice(0, 8)}`;

  return { TEST_DATABASE_URL, migrateTestDatabase, spans, testTelemetry, testConfig, unique };
}
