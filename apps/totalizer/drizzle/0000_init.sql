-- IF NOT EXISTS added by hand: scripts/migrate.ts creates the schema first, to keep its
-- migrations table (totalizer.__drizzle_migrations) in it.
CREATE SCHEMA IF NOT EXISTS "totalizer";
--> statement-breakpoint
CREATE TABLE "totalizer"."processed_messages" (
	"topic" text NOT NULL,
	"message_id" text NOT NULL,
	"partition" integer NOT NULL,
	"offset" bigint NOT NULL,
	"sum" bigint NOT NULL,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "processed_messages_topic_message_id_pk" PRIMARY KEY("topic","message_id")
);
--> statement-breakpoint
CREATE TABLE "totalizer"."totals" (
	"topic" text PRIMARY KEY NOT NULL,
	"total" bigint DEFAULT 0 NOT NULL,
	"message_count" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "processed_messages_processed_at_idx" ON "totalizer"."processed_messages" USING btree ("processed_at");