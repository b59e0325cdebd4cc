-- IF NOT EXISTS added by hand: scripts/migrate.ts creates the schema first, to keep its
-- migrations table (accounts.__drizzle_migrations) in it.
CREATE SCHEMA IF NOT EXISTS "accounts";
--> statement-breakpoint
CREATE TABLE "accounts"."accounts" (
	"account_id" uuid PRIMARY KEY NOT NULL,
	"currency" text NOT NULL,
	"min_balance_minor" bigint,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "accounts"."outbox" (
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
CREATE INDEX "outbox_pending_idx" ON "accounts"."outbox" USING btree ("id") WHERE "accounts"."outbox"."published_at" is null;--> statement-breakpoint
CREATE INDEX "outbox_published_at_idx" ON "accounts"."outbox" USING btree ("published_at");