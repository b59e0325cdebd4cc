-- IF NOT EXISTS added by hand: migrateApp creates the schema first.
CREATE SCHEMA IF NOT EXISTS "outbox_test";
--> statement-breakpoint
CREATE TABLE "outbox_test"."outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"topic" text NOT NULL,
	"key" text NOT NULL,
	"value" "bytea" NOT NULL,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"shard" integer GENERATED ALWAYS AS (((hashtext("key") & 2147483647) % 1024)) STORED NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "outbox_test"."outbox" USING btree ("id") WHERE "outbox_test"."outbox"."published_at" is null;--> statement-breakpoint
CREATE INDEX "outbox_published_at_idx" ON "outbox_test"."outbox" USING btree ("published_at");