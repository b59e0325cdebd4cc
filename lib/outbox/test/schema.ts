// The outbox as an app declares it, in a schema of its own. drizzle-kit generates
// test/drizzle from this file; each test applies that SQL under a fresh schema name.
import { pgSchema } from "drizzle-orm/pg-core";
import { outboxTable } from "../src/index.ts";

export const outboxTestSchema = pgSchema("outbox_test");
export const outbox = outboxTable(outboxTestSchema);
