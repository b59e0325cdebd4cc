// drizzle-kit for the tests' outbox (test/schema.ts): the same generated DDL an app gets, so
// the tests exercise the table exactly as migrated in production.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./test/schema.ts",
  out: "./test/drizzle",
  schemaFilter: ["outbox_test"],
  dbCredentials: {
    url: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:55432/outbox_test",
  },
});
