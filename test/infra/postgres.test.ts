import { afterAll, beforeAll, expect, test } from "bun:test";
import postgres from "postgres";
import { databaseUrlFor } from "../../lib/db/src/index.ts";
import { ensureInfra } from "../support/infra.ts";

// First start of the infrastructure can take minutes (builds, downloads).
beforeAll(ensureInfra, 600_000);

const sql = postgres(databaseUrlFor("totalizer"), { max: 2, onnotice: () => {} });
afterAll(() => sql.end());

test("a row written to PostgreSQL reads back with its types intact", async () => {
  const table = `smoke_${crypto.randomUUID().replaceAll("-", "")}`;
  await sql.unsafe(
    `create temporary table ${table} (id bigint primary key, note text, at timestamptz)`,
  );
  const at = new Date("2026-01-02T03:04:05.678Z");
  await sql.unsafe(`insert into ${table} values ($1, $2, $3)`, [
    "9007199254740993",
    "ünïcode ✓",
    at,
  ]);
  const [row] = await sql.unsafe(`select id::text, note, at from ${table}`);
  expect({ ...row }).toEqual({ id: "9007199254740993", note: "ünïcode ✓", at });
});

test("every app with a schema has its database and schema after migration", async () => {
  for (const app of ["totalizer", "ledger", "readmodel", "accounts", "orchestrator"]) {
    const db = postgres(databaseUrlFor(app), { max: 1 });
    try {
      const rows =
        await db`select schema_name from information_schema.schemata where schema_name = ${app}`;
      expect(rows.length).toBe(1);
    } finally {
      await db.end();
    }
  }
});
