// drizzle-kit: generates SQL migrations from src/schema.ts into ./drizzle. They are applied by
// scripts/migrate.ts (`bun run migrate`), which records them inside the "accounts" schema.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/schema.ts",
  out: "./drizzle",
  schemaFilter: ["accounts"],
  dbCredentials: {
    url: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:55432/accounts",
  },
});
