// The init containers wait for the newest migration of each app's drizzle journal; an app
// whose journal it could not read would start before its tables exist.
import { expect, test } from "bun:test";
import { APP_NAMES, APPS } from "../lib/service/src/apps.ts";
import { latestMigration } from "./wait-for-migrations.ts";

test("every app with a schema has a newest migration to wait for; the adder none", () => {
  for (const app of APP_NAMES) {
    const when = latestMigration(app);
    if (APPS[app].schema === null) expect(when).toBeUndefined();
    else expect(when).toBeGreaterThan(Date.UTC(2020, 0, 1));
  }
});
